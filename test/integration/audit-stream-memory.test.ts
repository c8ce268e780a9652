/**
 * The NDJSON stream of `GET /api/v1/audit-events` (issue 14 §4) does not hold the events in memory: 100,000 events
 * of about 1 KB each (`npm run test:long`; 10,000 of about 12 KB in `npm test`: over 100 MB of JSON lines either
 * way) stream from the bot running as its own process
 * (`node --import tsx src/main.ts`, HTTP mode against the Slack stand-in), on the test project's database, while the
 * peak resident set size of that process (`VmHWM`) grows by far less than the stream's size.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openOrm } from '../../src/adapters.js';
import { ClientsService } from '../../src/domain/clients/clients.service.js';
import { Member } from '../../src/domain/members/member.entity.js';
import { Organization } from '../../src/domain/organizations/organization.entity.js';
import { createLogger } from '../../src/logger.js';
import { SlackStandIn } from '../../src/standin/index.js';
import { type Child, freePort, peakRssKiB, startChild, waitForHttp } from '../bench/processes.js';
import { insertAuditEvents } from '../support/audit-rows.js';
import { TestClock, type TestDatabase, testDatabase } from '../support/db.js';

/**
 * Events in the stream (besides the client's own `client.created`): 10,000 in `npm test`, 100,000 in
 * `npm run test:long`. Either way the stream carries 125 to 150 MB of JSON lines (each event's `details.note` is
 * sized so), so the memory bound below means the same.
 */
const EVENTS = Number(process.env.AUDIT_STREAM_EVENTS ?? 10_000);
/** Bytes of `details.note` per event, so that the whole stream is 125 to 150 MB. */
const NOTE_BYTES = Math.round(1_250 * (100_000 / EVENTS));
/**
 * Largest growth of the bot's peak RSS the stream may cause, in KiB: half the stream's size. One batch (1,000 events,
 * up to 12.5 MB of text here) with the ORM's parsed copies of it is what the stream holds at a time (measured: up to
 * 40 MB with 10,000 events, a few MB with 100,000).
 */
const MAX_GROWTH_KIB = 64 * 1024;
/**
 * The bot's old generation, in MiB: below what holding the stream would take (its JSON text alone is over 100 MB,
 * the ORM's objects more). Without a cap V8 lets garbage pile up before a major collection (measured here: +150 MB
 * of peak RSS for a stream that holds one batch at a time), so the RSS would measure the collector's laziness; with
 * it, a stream that held its events would end the process with an out-of-memory error.
 */
const HEAP_MIB = 128;

describe(`the NDJSON stream of ${EVENTS} audit events, in a process of its own`, () => {
  let db: TestDatabase;
  let standin: SlackStandIn;
  let child: Child;
  let url: string;
  let bearer: string;

  beforeAll(async () => {
    db = await testDatabase();
    const orm = await openOrm(db.url, { logger: createLogger('silent') });
    const clock = new TestClock();
    let clientId: string;
    let secret: string;
    try {
      const em = orm.em.fork();
      const organization = new Organization('Orbit Analytics', 'T0ORBIT', clock.now());
      const admin = new Member({
        organization,
        email: 'ada@example.com',
        role: 'admin',
        slackUserId: 'U0ADA',
        now: clock.now(),
      });
      em.persist([organization, admin]);
      await em.flush();
      const issued = await new ClientsService(em, clock).create(
        { slackTeamId: 'T0ORBIT', slackUserId: 'U0ADA', organization, member: admin },
        'Security export',
      );
      clientId = issued.client.id;
      secret = issued.secret;
      const filler = 'lorem ipsum dolor sit amet '.repeat(Math.ceil(NOTE_BYTES / 27)).slice(0, NOTE_BYTES);
      await insertAuditEvents(
        orm,
        organization.id,
        Array.from({ length: EVENTS }, (_, i) => ({
          at: new Date(Date.UTC(2026, 10, 1) + i * 1000),
          action: 'member.role_changed',
          actorSlackUserId: 'U0ADA',
          targetType: 'member',
          targetId: `mem_${i}`,
          details: { from: 'member', to: 'admin', note: filler, n: i },
        })),
        'reserved',
      );
    } finally {
      await orm.close();
    }

    standin = new SlackStandIn({ signingSecret: randomBytes(16).toString('hex') });
    await standin.start();
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    child = startChild(
      'bot',
      'src/main.ts',
      {
        SLACK_BOT_TOKEN: standin.botToken,
        SLACK_SIGNING_SECRET: standin.signingSecret,
        SLACK_API_URL: standin.apiUrl,
        DATABASE_URL: db.url,
        PORT: String(port),
        LOG_LEVEL: 'warn',
        PUBLIC_URL: 'https://astrobee.example.com',
        MAIL_DISABLED: 'true',
      },
      [`--max-old-space-size=${HEAP_MIB}`],
    );
    await waitForHttp(`${url}/healthz`, 60_000, child, [200]);
    const res = await fetch(`${url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: clientId,
        client_secret: secret,
      }),
    });
    expect(res.status).toBe(200);
    bearer = ((await res.json()) as { access_token: string }).access_token;
  }, 120_000);

  afterAll(async () => {
    await child?.stop(1000);
    await standin?.stop();
    await db?.drop();
  }, 30_000);

  /** Streams the whole log, counting lines and bytes without keeping them. */
  async function streamAll(query = ''): Promise<{ lines: number; bytes: number; last: string }> {
    const res = await fetch(`${url}/api/v1/audit-events${query}`, {
      headers: { authorization: `Bearer ${bearer}`, accept: 'application/x-ndjson' },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-ndjson');
    const reader = res.body?.getReader();
    if (!reader) throw new Error('no body');
    let lines = 0;
    let bytes = 0;
    let tail = Buffer.alloc(0);
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      bytes += value.length;
      for (const byte of value) if (byte === 10) lines += 1;
      tail = Buffer.concat([tail, Buffer.from(value)]).subarray(-65_536);
    }
    const text = tail.toString('utf8').trimEnd();
    return { lines, bytes, last: text.slice(text.lastIndexOf('\n') + 1) };
  }

  it('sends every event, one line each, while the bot’s peak RSS grows by far less than the stream', {
    timeout: 120_000,
  }, async () => {
    // Warm up the route (code loaded, pools open, one full batch read) before the baseline.
    await streamAll('?since=2026-11-01T00:00:00Z&until=2026-11-01T00:20:00Z');
    const before = peakRssKiB(child.pid);
    const streamed = await streamAll();
    const after = peakRssKiB(child.pid);
    expect(streamed.lines).toBe(EVENTS + 1);
    expect(JSON.parse(streamed.last)).toMatchObject({
      action: 'member.role_changed',
      target: { type: 'member', id: `mem_${EVENTS - 1}` },
    });
    expect(streamed.bytes).toBeGreaterThan(100 * 1024 * 1024);
    if (before === null || after === null) return; // no /proc: the count above still holds
    const growth = after - before;
    console.info(`audit stream of ${streamed.bytes} bytes: peak RSS ${before} → ${after} KiB`);
    expect(growth).toBeLessThan(MAX_GROWTH_KIB);
  });
});
