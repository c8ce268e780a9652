/**
 * `GET /api/v1/audit-events` (issue 14 §4) through real HTTP against the running app: cursor paging that gives each
 * event once while events are written meanwhile, filters, refusals, the NDJSON stream, no secret in any event, and
 * no event of another organization.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditEvent } from '../../src/domain/audit/audit-event.entity.js';
import { ClientsService } from '../../src/domain/clients/clients.service.js';
import { Member } from '../../src/domain/members/member.entity.js';
import { Organization } from '../../src/domain/organizations/organization.entity.js';
import { encodeCursor } from '../../src/http/api/audit-events.js';
import { insertAuditEvents } from '../support/audit-rows.js';
import { type Harness, startHarness, USERS, visibleText } from '../support/harness.js';

const { ada } = USERS;

interface EventJson {
  id: string;
  time: string;
  actor: { type: string; slack_user_id?: string | null; member_id?: string | null; client_id?: string };
  action: string;
  target: { type: string; id: string | null };
  details: Record<string, unknown>;
  cursor: string;
}

interface PageJson {
  data: EventJson[];
  next_cursor: string | null;
}

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
  expect(res.status).toBe(200);
  return ((await res.json()) as { access_token: string }).access_token;
}

async function get(h: Harness, bearer: string, query: string, accept?: string): Promise<Response> {
  return fetch(`${h.url}/api/v1/audit-events${query}`, {
    headers: { authorization: `Bearer ${bearer}`, ...(accept ? { accept } : {}) },
  });
}

async function page(h: Harness, bearer: string, query: string): Promise<{ res: Response; body: PageJson }> {
  const res = await get(h, bearer, query);
  expect(res.status).toBe(200);
  return { res, body: (await res.json()) as PageJson };
}

/** Every event matching `query`, page by page through `next_cursor`. */
async function all(h: Harness, bearer: string, query = '', limit = 1000): Promise<EventJson[]> {
  const events: EventJson[] = [];
  let cursor: string | null = null;
  do {
    const params = new URLSearchParams(query);
    params.set('limit', String(limit));
    if (cursor) params.set('cursor', cursor);
    const { body } = await page(h, bearer, `?${params}`);
    events.push(...body.data);
    cursor = body.next_cursor;
  } while (cursor);
  return events;
}

/** The NDJSON stream of `query`: its response and its lines, parsed. */
async function stream(
  h: Harness,
  bearer: string,
  query = '',
): Promise<{ res: Response; lines: EventJson[] }> {
  const res = await get(h, bearer, query, 'application/x-ndjson');
  const text = await res.text();
  expect(text.endsWith('\n') || text === '').toBe(true);
  return {
    res,
    lines: text
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as EventJson),
  };
}

/** The first truthy value of `probe`, polled every 20 ms (for at most 10 s: a bound on failure, not a timing). */
async function eventually<T>(probe: () => T | undefined): Promise<T> {
  for (let i = 0; i < 500; i += 1) {
    const value = probe();
    if (value) return value;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('the condition never held');
}

async function createDataSource(h: Harness, bearer: string, name: string): Promise<void> {
  const res = await fetch(`${h.url}/api/v1/data-sources`, {
    method: 'POST',
    headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name }),
  });
  expect(res.status).toBe(201);
}

describe('GET /api/v1/audit-events', () => {
  let h: Harness;
  let orbitId: string;
  let orbit: string;
  let orbitClientId: string;
  let other: string;
  let otherClientId: string;
  const secrets: string[] = [];

  beforeAll(async () => {
    h = await startHarness();
    await h.setupOrganization('Orbit Analytics');
    const created = visibleText(
      await h.ask(ada.id, 'clients create Integration --scopes audit:read,data-sources:write'),
    );
    orbitClientId = /cli_[a-z2-7]{20}/.exec(created)?.[0] ?? '';
    const secret = /abo_cs_[0-9A-Za-z]+/.exec(created)?.[0] ?? '';
    const rotated = visibleText(await h.ask(ada.id, `clients rotate ${orbitClientId}`));
    const newSecret = /abo_cs_[0-9A-Za-z]+/.exec(rotated)?.[0] ?? '';
    expect(secret).not.toBe('');
    expect(newSecret).not.toBe('');
    secrets.push(secret, newSecret);
    orbit = await token(h, orbitClientId, newSecret);
    secrets.push(orbit);
    const org = await h.em().findOneOrFail(Organization, { name: 'Orbit Analytics' });
    orbitId = org.id;

    // A second organization in the same database, with its own admin, client and events.
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
    secrets.push(issued.secret);
    other = await token(h, issued.client.id, issued.secret);
    secrets.push(other);
    await createDataSource(h, other, 'Nebula telemetry');
  });
  afterAll(async () => h.stop());

  it('shows the events with id, RFC 3339 time, actor, action, target and details, and no secret', async () => {
    const events = await all(h, orbit);
    const created = events.find((e) => e.action === 'client.created');
    expect(created).toMatchObject({
      actor: { type: 'member', slack_user_id: ada.id },
      target: { type: 'api_client', id: orbitClientId },
      details: { name: 'Integration' },
    });
    expect(created?.actor.member_id).toEqual(expect.any(String));
    expect(created?.time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(events.map((e) => e.action)).toContain('client.secret_rotated');
    expect(events.map((e) => e.action)).toContain('organization.setup');

    const json = JSON.stringify(events);
    const ndjson = await (await get(h, orbit, '', 'application/x-ndjson')).text();
    for (const text of [json, ndjson]) {
      for (const secret of secrets) expect(text).not.toContain(secret);
      expect(text).not.toMatch(/abo_(cs|at)_/);
      expect(text).not.toMatch(/xox[abp]-/);
    }
  });

  it('names an API client as the actor of what it did through the API, and filters by it', async () => {
    await createDataSource(h, orbit, 'Orbit telemetry');
    const byClient = await all(h, orbit, `actor=${orbitClientId}`);
    expect(byClient.map((e) => e.action)).toEqual(['data_source.created']);
    expect(byClient[0]?.actor).toEqual({ type: 'api_client', client_id: orbitClientId });
    expect(byClient[0]?.details).toMatchObject({ name: 'Orbit telemetry' });
    const byAda = await all(h, orbit, `actor=${ada.id}`);
    expect(byAda.length).toBeGreaterThan(0);
    expect(byAda.every((e) => e.actor.slack_user_id === ada.id)).toBe(true);
    expect(byAda.map((e) => e.action)).toContain('client.created');
  });

  it('filters by action and by a half-open time window', async () => {
    const base = new Date('2030-01-01T00:00:00Z').getTime();
    const ids = await insertAuditEvents(
      h.app.orm,
      orbitId,
      [0, 1, 2, 3].map((i) => ({
        at: new Date(base + i * 3_600_000),
        action: i % 2 === 0 ? 'organization.renamed' : 'member.role_changed',
        actorSlackUserId: ada.id,
        details: { hour: i },
      })),
    );
    const window = await all(h, orbit, 'since=2030-01-01T01:00:00Z&until=2030-01-01T03:00:00Z');
    expect(window.map((e) => e.id)).toEqual([ids[1], ids[2]]);
    // The same instant with an offset.
    const offset = await all(h, orbit, 'since=2030-01-01T02:00:00%2B01:00&until=2030-01-01T02:00:00.000Z');
    expect(offset.map((e) => e.id)).toEqual([ids[1]]);
    const renamed = await all(h, orbit, 'action=organization.renamed&since=2030-01-01T00:00:00Z');
    expect(renamed.map((e) => e.id)).toEqual([ids[0], ids[2]]);
    const streamed = await stream(h, orbit, '?action=member.role_changed&since=2030-01-01T00:00:00Z');
    expect(streamed.lines.map((e) => e.id)).toEqual([ids[1], ids[3]]);
  });

  it('refuses bad input with 400, a specific message and the parameter, and reads nothing', async () => {
    const cases: [string, string, string, RegExp][] = [
      ['?cursor=abc', 'invalid_cursor', 'cursor', /not one this API gave/],
      [`?cursor=${encodeCursor('0')}`, 'invalid_cursor', 'cursor', /not one this API gave/],
      [`?cursor=${Buffer.from('a1.12x').toString('base64url')}`, 'invalid_cursor', 'cursor', /next_cursor/],
      [`?cursor=${encodeCursor('5')}=`, 'invalid_cursor', 'cursor', /next_cursor/],
      ['?limit=0', 'invalid_request', 'limit', /from 1 to 1000/],
      ['?limit=1001', 'invalid_request', 'limit', /from 1 to 1000/],
      ['?limit=1e2', 'invalid_request', 'limit', /from 1 to 1000/],
      ['?limit=10&limit=20', 'invalid_request', 'limit', /more than once/],
      ['?since=yesterday', 'invalid_request', 'since', /RFC 3339/],
      ['?since=2026-02-30T00:00:00Z', 'invalid_request', 'since', /RFC 3339/],
      ['?until=2026-12-01T24:00:00Z', 'invalid_request', 'until', /RFC 3339/],
      ['?until=2026-12-01', 'invalid_request', 'until', /RFC 3339/],
      ['?since=2026-12-02T00:00:00Z&until=2026-12-01T00:00:00Z', 'invalid_request', 'until', /before until/],
      [
        '?action=client.hacked',
        'invalid_request',
        'action',
        /Unknown action "client.hacked".*client\.created/,
      ],
      ['?actor=ada@example.com', 'invalid_request', 'actor', /Slack user id .* API client id/],
      ['?acton=client.created', 'invalid_request', 'acton', /Unknown parameter "acton"/],
    ];
    const before = await h.em().count(AuditEvent, {});
    for (const [query, error, field, message] of cases) {
      for (const accept of [undefined, 'application/x-ndjson']) {
        const res = await get(h, orbit, query, accept);
        expect(res.status, `${query} ${accept ?? ''}`).toBe(400);
        expect(res.headers.get('content-type')).toMatch(/^application\/json/);
        const body = (await res.json()) as { error: string; field: string; message: string };
        expect(body, query).toMatchObject({ error, field });
        // The stream refuses any limit first: it sends every matching event.
        const refusesLimit = accept !== undefined && query.startsWith('?limit') && !query.includes('&limit');
        expect(body.message).toMatch(
          refusesLimit ? /does not apply to the application\/x-ndjson stream/ : message,
        );
      }
    }
    const limited = await get(h, orbit, '?limit=5', 'application/x-ndjson');
    expect(limited.status).toBe(400);
    expect(await limited.json()).toMatchObject({ error: 'invalid_request', field: 'limit' });
    const post = await fetch(`${h.url}/api/v1/audit-events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${orbit}` },
    });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    expect(await h.em().count(AuditEvent, {})).toBe(before);
  });

  it('gives a token of another organization none of this one’s events, whatever the cursor', async () => {
    const mine = await all(h, orbit);
    const theirs = await all(h, other);
    expect(theirs.map((e) => e.action)).toEqual(['client.created', 'data_source.created']);
    expect(theirs[1]?.actor).toEqual({ type: 'api_client', client_id: otherClientId });
    const mineIds = new Set(mine.map((e) => e.id));
    expect(theirs.some((e) => mineIds.has(e.id))).toBe(false);
    expect((await stream(h, other)).lines.map((e) => e.id)).toEqual(theirs.map((e) => e.id));
    // Orbit's first page's cursor, used by Nebula's token, reads Nebula's log only.
    const { body } = await page(h, orbit, '?limit=1');
    expect(body.next_cursor).not.toBeNull();
    const { body: foreign } = await page(h, other, `?cursor=${body.next_cursor}`);
    expect(foreign.data.every((e) => !mineIds.has(e.id))).toBe(true);
    expect((await all(h, other, `actor=${orbitClientId}`)).length).toBe(0);
  });

  it('pages with next_cursor and a Link rel="next" that keeps the filters, and ends with null', async () => {
    const first = await page(h, orbit, '?limit=1&action=organization.renamed');
    expect(first.body.data).toHaveLength(1);
    const link = first.res.headers.get('link') ?? '';
    const match = /^<(\/api\/v1\/audit-events\?[^>]+)>; rel="next"$/.exec(link);
    expect(match?.[1]).toBeDefined();
    const next = new URL(match?.[1] ?? '', h.url);
    expect(next.searchParams.get('cursor')).toBe(first.body.next_cursor);
    expect(next.searchParams.get('limit')).toBe('1');
    expect(next.searchParams.get('action')).toBe('organization.renamed');
    const second = await page(
      h,
      orbit,
      `${next.pathname.slice('/api/v1/audit-events'.length)}${next.search}`,
    );
    expect(second.body.data.map((e) => e.action)).toEqual(['organization.renamed']);
    expect(second.body.data[0]?.id).not.toBe(first.body.data[0]?.id);
    expect(second.body.next_cursor).toBeNull();
    expect(second.res.headers.get('link')).toBeNull();
    // The default page size is 100.
    await insertAuditEvents(
      h.app.orm,
      orbitId,
      Array.from({ length: 120 }, (_, i) => ({
        at: new Date(Date.UTC(2031, 0, 1, 0, 0, i)),
        action: 'member.linked',
      })),
    );
    const full = await page(h, orbit, '?action=member.linked');
    expect(full.body.data).toHaveLength(100);
    expect(full.body.next_cursor).not.toBeNull();
  });

  it('gives each event once, in order, while events are written between and during the page reads', async () => {
    const N = 60;
    const seeded = await insertAuditEvents(
      h.app.orm,
      orbitId,
      Array.from({ length: N }, (_, i) => ({
        // Times out of order on purpose: the order is the order of writing, not of the clock.
        at: new Date(Date.UTC(2032, 0, 1) - i * 1000),
        action: 'invitation.sent',
        details: { n: i },
      })),
    );
    const startedAfter = await all(h, orbit);
    const cursorBefore = startedAfter.at(-1)?.cursor;
    expect(startedAfter.slice(-N).map((e) => e.id)).toEqual(seeded);

    const writes: Promise<void>[] = [];
    const seen: EventJson[] = [];
    let cursor: string | null = startedAfter.at(-N - 1)?.cursor ?? null;
    let round = 0;
    while (cursor) {
      // Two writes finish before the read, two more race with it.
      await Promise.all([
        createDataSource(h, orbit, `before ${round}`),
        createDataSource(h, orbit, `b ${round}`),
      ]);
      writes.push(createDataSource(h, orbit, `during ${round}`), createDataSource(h, orbit, `d ${round}`));
      const { body }: { body: PageJson } = await page(h, orbit, `?limit=7&cursor=${cursor}`);
      seen.push(...body.data);
      cursor = body.next_cursor;
      round += 1;
      if (round > 40) break;
    }
    await Promise.all(writes);
    // Read on from where the paging stopped: the writes that raced with the last read come now, once.
    const rest = await all(h, orbit, `cursor=${seen.at(-1)?.cursor}`, 7);
    const everything = [...seen, ...rest];
    expect(everything.slice(0, N).map((e) => e.id)).toEqual(seeded);
    const ids = everything.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    const written = (await all(h, orbit, `actor=${orbitClientId}`)).filter((e) =>
      /^(before|b|during|d) \d+$/.test(String(e.details.name)),
    );
    expect(written).toHaveLength(4 * round);
    expect(ids.filter((id) => written.some((e) => e.id === id))).toHaveLength(4 * round);
    // The whole log after the cursor taken before the seeding, streamed, is the same sequence.
    const streamed = await stream(h, orbit, `?cursor=${cursorBefore}`);
    expect(streamed.lines.map((e) => e.id)).toEqual(everything.slice(N).map((e) => e.id));
  });

  it.skipIf(process.env.TEST_DATABASE !== 'postgresql')(
    'numbers an event when its transaction commits: a reader past a later event still gets it (PostgreSQL)',
    async () => {
      const knex = h.app.orm.em.getConnection().getKnex();
      const start = await page(h, orbit, '?limit=1000');
      expect(start.body.next_cursor).toBeNull();
      const trx = await knex.transaction();
      try {
        await trx.raw(
          'insert into audit_events (id, organization_id, created_at, action, target_type, details) values (?, ?, ?, ?, ?, ?)',
          [
            '11111111-2222-4333-8444-555555555555',
            orbitId,
            new Date(),
            'organization.renamed',
            'organization',
            '{}',
          ],
        );
        // Two events written and committed while the first transaction is still open.
        await createDataSource(h, orbit, 'committed first');
        await createDataSource(h, orbit, 'committed second');
        const read = await page(h, orbit, `?limit=1&cursor=${start.body.data.at(-1)?.cursor}`);
        expect(read.body.data.map((e) => e.details.name)).toEqual(['committed first']);
        await trx.commit();
        const rest = await all(h, orbit, `cursor=${read.body.next_cursor}`);
        expect(rest.map((e) => e.details.name ?? e.id)).toEqual([
          'committed second',
          '11111111-2222-4333-8444-555555555555',
        ]);
      } finally {
        if (!trx.isCompleted()) await trx.rollback();
      }
    },
  );

  it('streams NDJSON: every matching event, one JSON object per line, in the order of the pages', async () => {
    const { res, lines } = await stream(h, orbit);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-ndjson');
    const paged = await all(h, orbit);
    expect(lines.length).toBe(paged.length);
    expect(lines.map((e) => e.id)).toEqual(paged.map((e) => e.id));
    expect(lines[0]).toEqual(paged[0]);
    // Accept with several ranges and parameters still picks NDJSON; plain JSON stays the default.
    const negotiated = await get(
      h,
      orbit,
      '?action=client.created',
      'application/json;q=0.5, application/x-ndjson',
    );
    expect(negotiated.headers.get('content-type')).toBe('application/x-ndjson');
    expect((await negotiated.text()).trim().split('\n')).toHaveLength(1);
    const plain = await get(h, orbit, '?action=client.created', '*/*');
    expect(plain.headers.get('content-type')).toMatch(/^application\/json/);
    // The newer name of the type is understood; a q=0 range refuses NDJSON (RFC 9110 §12.5.1).
    const newer = await get(h, orbit, '?action=client.created', 'application/ndjson');
    expect(newer.headers.get('content-type')).toBe('application/x-ndjson');
    await newer.text();
    const refused = await get(
      h,
      orbit,
      '?action=client.created',
      'application/x-ndjson;q=0, application/json',
    );
    expect(refused.headers.get('content-type')).toMatch(/^application\/json/);
    await refused.text();
  });

  it('gives each event its cursor, from which a poller reads on later (after a stream too)', async () => {
    const { lines } = await stream(h, orbit);
    const last = lines.at(-1);
    expect(last?.cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    const nothingYet = await page(h, orbit, `?cursor=${last?.cursor}`);
    expect(nothingYet.body).toEqual({ data: [], next_cursor: null });
    await createDataSource(h, orbit, 'after the stream');
    const later = await page(h, orbit, `?cursor=${last?.cursor}`);
    expect(later.body.data.map((e) => e.details.name)).toEqual(['after the stream']);
    // The cursor of the last event of a page is its next_cursor.
    const first = await page(h, orbit, '?limit=3');
    expect(first.body.data.at(-1)?.cursor).toBe(first.body.next_cursor);
  });

  it('stops reading when the client of a stream goes away', async () => {
    const bulk = 5000;
    await insertAuditEvents(
      h.app.orm,
      orbitId,
      Array.from({ length: bulk }, (_, i) => ({
        at: new Date(Date.UTC(2033, 0, 1, 0, 0, 0, i)),
        action: 'member.linked',
        details: { filler: 'x'.repeat(4000) },
      })),
      'reserved',
    );
    const controller = new AbortController();
    const res = await fetch(`${h.url}/api/v1/audit-events?action=member.linked`, {
      headers: { authorization: `Bearer ${orbit}`, accept: 'application/x-ndjson' },
      signal: controller.signal,
    });
    const reader = res.body?.getReader();
    const first = await reader?.read();
    expect(first?.done).toBe(false);
    controller.abort();
    const line = await eventually(() =>
      h
        .logs()
        .split('\n')
        .find((l) => l.includes('audit event stream ended early')),
    );
    const sent = (JSON.parse(line) as { events: number }).events;
    expect(sent).toBeGreaterThan(0);
    expect(sent).toBeLessThan(bulk);
  });
});
