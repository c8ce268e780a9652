/**
 * HEAD on the REST API (RFC 9110 §9.3.2: GET without the content) and the refusal of unknown query parameters on
 * every GET route that takes some. Real HTTP into the running app, tokens from the real token endpoint, real
 * migrations; HEAD answers are also read off a raw socket, to see that no body byte follows the headers.
 */

import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditEvent } from '../../src/domain/audit/audit-event.entity.js';
import { SCOPES } from '../../src/domain/clients/scopes.js';
import { type Harness, startHarness, USERS, visibleText } from '../support/harness.js';

const { ada } = USERS;

/** Creates a client with `scopes` through `/org clients create` and gets a token for it. */
async function tokenFor(h: Harness, name: string, scopes: readonly string[]): Promise<string> {
  const text = visibleText(await h.ask(ada.id, `clients create ${name} --scopes ${scopes.join(',')}`));
  const clientId = /cli_[a-z2-7]{20}/.exec(text)?.[0] ?? '';
  const secret = /abo_cs_[0-9A-Za-z]+/.exec(text)?.[0] ?? '';
  const res = await fetch(`${h.url}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: clientId,
      client_secret: secret,
    }),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { access_token: string }).access_token;
}

/** A request through fetch; headers as a plain object, the body as text. */
async function request(
  h: Harness,
  method: string,
  path: string,
  headers: Record<string, string>,
): Promise<{ status: number; headers: Record<string, string>; body: string }> {
  const res = await fetch(`${h.url}/api/v1${path}`, { method, headers });
  return { status: res.status, headers: Object.fromEntries(res.headers), body: await res.text() };
}

/** A HEAD request on a raw socket: everything the server sent, split at the end of the headers. */
function rawHead(
  h: Harness,
  path: string,
  headers: Record<string, string>,
): Promise<{ head: string; after: string }> {
  const { hostname, port } = new URL(h.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let received = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      received += chunk;
    });
    socket.on('error', reject);
    socket.on('end', () => {
      const at = received.indexOf('\r\n\r\n');
      resolve({ head: received.slice(0, at), after: received.slice(at + 4) });
    });
    const lines = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`);
    socket.write(
      `HEAD /api/v1${path} HTTP/1.1\r\nhost: ${hostname}\r\nconnection: close\r\n${lines.join('')}\r\n`,
    );
  });
}

/** The headers a HEAD must repeat from its GET (not `date`, which moves). */
const COMPARED = ['content-type', 'content-length', 'cache-control', 'link', 'www-authenticate', 'allow'];

function compared(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(COMPARED.filter((k) => k in headers).map((k) => [k, headers[k] ?? '']));
}

describe('HEAD and query parameters on /api/v1', () => {
  let h: Harness;
  let all: string;
  let narrow: string;
  let sourceId: string;
  let layerId: string;
  beforeAll(async () => {
    h = await startHarness();
    await h.setupOrganization('Orbit Analytics');
    all = await tokenFor(h, 'Everything', SCOPES);
    narrow = await tokenFor(h, 'Narrow', ['organization:read']);
    const auth = { authorization: `Bearer ${all}`, 'content-type': 'application/json' };
    const source = await fetch(`${h.url}/api/v1/data-sources`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ name: 'Sales warehouse' }),
    });
    sourceId = ((await source.json()) as { id: string }).id;
    const layer = await fetch(`${h.url}/api/v1/data-layers`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ name: 'Revenue' }),
    });
    layerId = ((await layer.json()) as { id: string }).id;
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('answers HEAD on every GET route with the status and headers of GET and no body', async () => {
    const bearer = { authorization: `Bearer ${all}` };
    const ndjson = { ...bearer, accept: 'application/x-ndjson' };
    const cases: [string, Record<string, string>][] = [
      ['/organization', bearer],
      ['/members?per_page=1', bearer],
      ['/data-sources', bearer],
      [`/data-sources/${sourceId}`, bearer],
      ['/data-layers?page=1', bearer],
      [`/data-layers/${layerId}`, bearer],
      ['/audit-events?limit=1', bearer],
      ['/audit-events', ndjson],
    ];
    for (const [path, headers] of cases) {
      const get = await request(h, 'GET', path, headers);
      const head = await request(h, 'HEAD', path, headers);
      expect(get.status, path).toBe(200);
      expect(get.body.length, path).toBeGreaterThan(0);
      expect(head.status, path).toBe(200);
      expect(compared(head.headers), path).toEqual(compared(get.headers));
      expect(head.body, path).toBe('');
      const raw = await rawHead(h, path, headers);
      expect(raw.head, path).toMatch(/^HTTP\/1\.1 200 /);
      expect(raw.after, path).toBe('');
    }
    // A page with more after it: the Link to the next page is there for HEAD too.
    const paged = await request(h, 'HEAD', '/audit-events?limit=1', bearer);
    expect(paged.headers.link).toMatch(/rel="next"/);
  });

  it('makes the same checks for HEAD: token, scope, existence, method', async () => {
    const cases: [string, Record<string, string>, number][] = [
      ['/organization', {}, 401],
      ['/organization', { authorization: 'Bearer not-a-token' }, 401],
      ['/members', { authorization: `Bearer ${narrow}` }, 403],
      ['/audit-events', { authorization: `Bearer ${narrow}` }, 403],
      ['/data-sources/no-such-id', { authorization: `Bearer ${all}` }, 404],
      ['/nothing-here', { authorization: `Bearer ${all}` }, 404],
    ];
    for (const [path, headers, status] of cases) {
      const get = await request(h, 'GET', path, headers);
      const head = await request(h, 'HEAD', path, headers);
      expect(get.status, path).toBe(status);
      expect(head.status, path).toBe(status);
      expect(compared(head.headers), path).toEqual(compared(get.headers));
      expect(head.body, path).toBe('');
      expect((await rawHead(h, path, headers)).after, path).toBe('');
    }
    const wrong = await request(h, 'PUT', '/data-sources', { authorization: `Bearer ${all}` });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.allow).toBe('GET, HEAD, POST');
  });

  it('refuses an unknown query parameter on every GET route that takes some, naming it, for GET and HEAD', async () => {
    const bearer = { authorization: `Bearer ${all}` };
    const before = await h.em().count(AuditEvent, {});
    for (const path of ['/members', '/data-sources', '/data-layers', '/audit-events']) {
      const res = await request(h, 'GET', `${path}?perpage=50`, bearer);
      expect(res.status, path).toBe(400);
      const json = JSON.parse(res.body) as Record<string, unknown>;
      expect(json, path).toMatchObject({ error: 'invalid_request', field: 'perpage' });
      expect(json.message, path).toContain('Unknown parameter "perpage"');
      const head = await request(h, 'HEAD', `${path}?perpage=50`, bearer);
      expect(head.status, path).toBe(400);
      expect(head.body, path).toBe('');
    }
    const lists = JSON.parse((await request(h, 'GET', '/members?sort=1', bearer)).body) as {
      message: string;
    };
    expect(lists.message).toBe('Unknown parameter "sort": use page, per_page.');
    // The known ones still work, and nothing was written.
    expect((await request(h, 'GET', '/members?page=1&per_page=5', bearer)).status).toBe(200);
    expect(await h.em().count(AuditEvent, {})).toBe(before);
  });
});
