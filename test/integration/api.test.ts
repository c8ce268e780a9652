/**
 * The bearer-authenticated REST API under /api/v1 (issue 4 §5, RFC 6750), through real HTTP against the running
 * app, with two organizations in one database to show that a token never reaches another organization's data.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditEvent } from '../../src/domain/audit/audit-event.entity.js';
import { ClientsService } from '../../src/domain/clients/clients.service.js';
import { SCOPES } from '../../src/domain/clients/scopes.js';
import { Member } from '../../src/domain/members/member.entity.js';
import { Organization } from '../../src/domain/organizations/organization.entity.js';
import { storedText } from '../support/db.js';
import { type Harness, startHarness, USERS, visibleText } from '../support/harness.js';

const { ada } = USERS;
const tokensSeen = new Set<string>();

async function token(h: Harness, clientId: string, secret: string): Promise<string> {
  const res = await fetch(`${h.url}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: clientId,
      client_secret: secret,
    }),
  });
  const json = (await res.json()) as { access_token: string };
  expect(res.status).toBe(200);
  tokensSeen.add(json.access_token);
  return json.access_token;
}

interface ApiResponse {
  status: number;
  headers: Headers;
  json: Record<string, unknown> | null;
}

async function call(
  h: Harness,
  bearer: string | null,
  method: string,
  path: string,
  body?: unknown,
): Promise<ApiResponse> {
  const headers: Record<string, string> = {};
  if (bearer !== null) headers.authorization = `Bearer ${bearer}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${h.url}/api/v1${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    json: text ? (JSON.parse(text) as Record<string, unknown>) : null,
  };
}

describe('/api/v1', () => {
  let h: Harness;
  let orbit: string;
  let other: string;
  let otherClientId: string;
  beforeAll(async () => {
    h = await startHarness();
    await h.setupOrganization('Orbit Analytics');
    // Every scope: this file tests the routes themselves (test/integration/scopes-http.test.ts tests the scopes).
    const reply = await h.ask(ada.id, `clients create Integration --scopes ${SCOPES.join(',')}`);
    const text = visibleText(reply);
    const clientId = /cli_[a-z2-7]{20}/.exec(text)?.[0] ?? '';
    const secret = /abo_cs_[0-9A-Za-z]+/.exec(text)?.[0] ?? '';
    orbit = await token(h, clientId, secret);

    // A second organization in the same database, with its own admin and client.
    const em = h.em();
    const organization = new Organization('Nebula Labs', 'T0NEBULA', h.clock.now());
    const admin = new Member({
      organization,
      email: 'nia@example.com',
      role: 'admin',
      slackUserId: 'U0NIA',
      now: h.clock.now(),
    });
    em.persist([organization, admin]);
    await em.flush();
    const issued = await new ClientsService(em, h.clock).create(
      { slackTeamId: 'T0NEBULA', slackUserId: 'U0NIA', organization, member: admin },
      'Nebula sync',
    );
    otherClientId = issued.client.id;
    other = await token(h, issued.client.id, issued.secret);
  });
  afterAll(async () => h.stop());

  it('answers 401 with a Bearer challenge without a token or with a bad one', async () => {
    const none = await call(h, null, 'GET', '/organization');
    expect(none.status).toBe(401);
    expect(none.json?.error).toBe('missing_token');
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="AstroBee API"');
    for (const bad of [
      'abo_at_nope',
      `${orbit.slice(0, -1)}${orbit.endsWith('A') ? 'B' : 'A'}`,
      'xoxb-1-2',
    ]) {
      const res = await call(h, bad, 'GET', '/organization');
      expect(res.status).toBe(401);
      expect(res.json?.error).toBe('invalid_token');
      expect(res.headers.get('www-authenticate')).toMatch(
        /^Bearer realm="AstroBee API", error="invalid_token"/,
      );
    }
    const malformed = await fetch(`${h.url}/api/v1/organization`, {
      headers: { authorization: 'Basic abc' },
    });
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { error: string }).error).toBe('invalid_request');
  });

  it('creates, lists with paging, reads and deletes data sources and layers; the metrics follow', async () => {
    for (const [path, prefix] of [
      ['/data-sources', 'Source'],
      ['/data-layers', 'Layer'],
    ] as const) {
      const ids: string[] = [];
      for (let i = 1; i <= 5; i += 1) {
        h.clock.advance(1000);
        const res = await call(h, orbit, 'POST', path, { name: `  ${prefix} ${i}  ` });
        expect(res.status).toBe(201);
        expect(res.json?.name).toBe(`${prefix} ${i}`);
        expect(res.headers.get('location')).toBe(`/api/v1${path}/${String(res.json?.id)}`);
        ids.push(String(res.json?.id));
      }
      const page2 = await call(h, orbit, 'GET', `${path}?page=2&per_page=2`);
      expect(page2.status).toBe(200);
      expect(page2.json).toMatchObject({ page: 2, per_page: 2, total: 5 });
      expect(((page2.json?.data ?? []) as Array<{ name: string }>).map((d) => d.name)).toEqual([
        `${prefix} 3`,
        `${prefix} 4`,
      ]);
      const one = await call(h, orbit, 'GET', `${path}/${ids[0]}`);
      expect(one.json).toMatchObject({ id: ids[0], name: `${prefix} 1` });
      const del = await call(h, orbit, 'DELETE', `${path}/${ids[0]}`);
      expect(del.status).toBe(204);
      expect(del.json).toBeNull();
      expect((await call(h, orbit, 'GET', `${path}/${ids[0]}`)).status).toBe(404);
      expect((await call(h, orbit, 'DELETE', `${path}/${ids[0]}`)).json?.error).toBe('not_found');
    }
    const org = await call(h, orbit, 'GET', '/organization');
    expect(org.json).toMatchObject({
      name: 'Orbit Analytics',
      metrics: { data_sources: 4, data_layers: 4, members: 1 },
    });
    const audit = await h.em().find(AuditEvent, { action: 'data_source.created' });
    expect(audit).toHaveLength(5);
    expect(audit[0]?.details).toMatchObject({ clientId: expect.stringMatching(/^cli_/) });
  });

  it("never reaches another organization's data", async () => {
    const mine = await call(h, other, 'POST', '/data-sources', { name: 'Nebula private' });
    const id = String(mine.json?.id);
    expect((await call(h, orbit, 'GET', `/data-sources/${id}`)).status).toBe(404);
    expect((await call(h, orbit, 'DELETE', `/data-sources/${id}`)).status).toBe(404);
    const list = await call(h, orbit, 'GET', '/data-sources?per_page=100');
    expect(JSON.stringify(list.json)).not.toContain('Nebula');
    const nebula = await call(h, other, 'GET', '/organization');
    expect(nebula.json).toMatchObject({ name: 'Nebula Labs', metrics: { data_sources: 1, members: 1 } });
    expect((await call(h, other, 'GET', `/data-sources/${id}`)).status).toBe(200);
    // An Orbit admin cannot manage the other organization's client from Slack either.
    const reply = await h.ask(ada.id, `clients disable ${otherClientId}`);
    expect(visibleText(reply)).toContain('There is no API client');
    expect((await call(h, other, 'GET', '/organization')).status).toBe(200);
  });

  it('validates input with stable error codes, changing nothing', async () => {
    const before = (await call(h, orbit, 'GET', '/organization')).json?.metrics;
    const cases: Array<[string, string, unknown, number, string]> = [
      ['POST', '/data-sources', { name: '' }, 400, 'invalid_request'],
      ['POST', '/data-sources', { name: 'a\nb' }, 400, 'invalid_request'],
      ['POST', '/data-sources', { name: 'x'.repeat(121) }, 400, 'invalid_request'],
      ['POST', '/data-sources', { name: 42 }, 400, 'invalid_request'],
      ['POST', '/data-layers', { name: 'ok', extra: true }, 400, 'invalid_request'],
      ['POST', '/data-layers', '{not json', 400, 'invalid_json'],
      ['POST', '/data-layers', { name: 'x'.repeat(20_000) }, 413, 'payload_too_large'],
      ['GET', '/data-layers?page=0', undefined, 400, 'invalid_request'],
      ['GET', '/data-layers?per_page=101', undefined, 400, 'invalid_request'],
      ['GET', '/data-layers?per_page=abc', undefined, 400, 'invalid_request'],
      ['PUT', '/data-layers', { name: 'x' }, 405, 'method_not_allowed'],
      ['GET', '/nothing-here', undefined, 404, 'not_found'],
    ];
    for (const [method, path, body, status, error] of cases) {
      const res = await call(h, orbit, method, path, body);
      expect(res.status, `${method} ${path}`).toBe(status);
      expect(res.json?.error, `${method} ${path}`).toBe(error);
      expect(typeof res.json?.message).toBe('string');
    }
    const form = await fetch(`${h.url}/api/v1/data-sources`, {
      method: 'POST',
      headers: { authorization: `Bearer ${orbit}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'name=x',
    });
    expect(form.status).toBe(415);
    expect((await call(h, orbit, 'GET', '/organization')).json?.metrics).toEqual(before);
  });

  it('takes only plain positive whole numbers as pages, refuses a repeated parameter, names the field of a bad body', async () => {
    const before = (await call(h, orbit, 'GET', '/organization')).json?.metrics;
    const refused: Array<[string, string]> = [
      ['page=1e3', 'page'],
      ['page=%2B2', 'page'],
      ['page=2.0', 'page'],
      ['page=02', 'page'],
      ['page=0x10', 'page'],
      ['page=', 'page'],
      ['per_page=1e1', 'per_page'],
      ['page=1&page=2', 'page'],
      ['per_page=5&page=1&per_page=5', 'per_page'],
    ];
    for (const [query, field] of refused) {
      const res = await call(h, orbit, 'GET', `/data-sources?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.json, query).toMatchObject({ error: 'invalid_request', field });
    }
    const repeated = await call(h, orbit, 'GET', '/data-sources?page=1&page=2');
    expect(repeated.json?.message).toBe('page is given more than once; give it once.');
    const plain = await call(h, orbit, 'GET', '/data-sources?page=1&per_page=3');
    expect(plain.json).toMatchObject({ page: 1, per_page: 3 });

    const empty = await call(h, orbit, 'POST', '/data-sources', {});
    expect(empty.status).toBe(400);
    expect(empty.json).toMatchObject({
      error: 'invalid_request',
      field: 'name',
      message: 'name is required.',
    });
    const extra = await call(h, orbit, 'POST', '/data-layers', { name: 'ok', colour: 'red' });
    expect(extra.json).toMatchObject({ error: 'invalid_request', field: 'colour' });
    const list = await call(h, orbit, 'POST', '/data-layers', ['name']);
    expect(list.json).toMatchObject({ error: 'invalid_request' });
    expect((await call(h, orbit, 'GET', '/organization')).json?.metrics).toEqual(before);
  });

  it('keeps access tokens out of the logs and the database', async () => {
    expect(tokensSeen.size).toBe(2);
    await h.app.orm.em.getConnection().execute('select 1');
    const logs = h.logs();
    const stored = await storedText(h.db);
    expect(stored.length).toBeGreaterThan(0);
    for (const t of tokensSeen) {
      expect(logs.includes(t)).toBe(false);
      expect(stored.includes(t)).toBe(false);
    }
  });
});
