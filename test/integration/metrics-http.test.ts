/**
 * `GET /metrics`, `GET /readyz` and the access log through the running app: real signed Slack requests, a real token
 * endpoint, real mail to an SMTP sink, the loopback Slack stand-in (its fault switches play a 429 and a failing
 * `auth.test`), and the app's own log lines.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startApp } from '../../src/app.js';
import { createLogger } from '../../src/logger.js';
import { type Harness, startHarness, USERS, visibleText } from '../support/harness.js';
import { type MailSink, mailSink } from '../support/mail-sink.js';

const { ada } = USERS;
const METRICS_TOKEN = 'metrics-token-example-0123456789';
const SECOND = 1000;

/** The samples of a Prometheus text exposition: `name{labels}` → value. */
function samples(text: string): { name: string; labels: Record<string, string>; value: number }[] {
  const out: { name: string; labels: Record<string, string>; value: number }[] = [];
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1] ?? ''] = l[2] ?? '';
    out.push({ name: m[1] ?? '', labels, value: Number(m[3]) });
  }
  return out;
}

/** The value of the one sample named `name` whose labels include `labels`; undefined when there is none. */
function sampleValue(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const found = samples(text).filter(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
  if (found.length > 1) throw new Error(`${found.length} samples of ${name} ${JSON.stringify(labels)}`);
  return found[0]?.value;
}

function basic(clientId: string, secret: string): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`).toString('base64')}`;
}

describe('metrics, readiness and the access log', () => {
  let h: Harness;
  let sink: MailSink;

  const scrape = async (): Promise<string> => {
    const res = await fetch(`${h.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(res.status).toBe(200);
    return res.text();
  };
  const ready = async (): Promise<{ status: number; body: Record<string, unknown> }> => {
    const res = await fetch(`${h.url}/readyz`);
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const tokenRequest = (init: RequestInit) => fetch(`${h.url}/oauth/token`, init);

  beforeAll(async () => {
    sink = await mailSink({
      refuse: (address) =>
        address.includes('refused') ? { code: 550, message: 'No such mailbox here' } : null,
    });
    // The sink is not started yet: the first attempt finds SMTP down.
    h = await startHarness({
      env: { METRICS_TOKEN, SMTP_URL: sink.url, MAIL_WORKER_INTERVAL_MS: '3600000' },
    });
    await h.setupOrganization('Orbit Analytics');
  });
  afterAll(async () => {
    // The last test closed the ORM under the running app: stopping still works.
    await h.stop();
    await sink.stop();
  });

  it('asks for the bearer token when METRICS_TOKEN is set', async () => {
    const none = await fetch(`${h.url}/metrics`);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer\b/);
    expect(await none.text()).not.toContain('astrobee_');
    const wrong = await fetch(`${h.url}/metrics`, {
      headers: { authorization: `Bearer ${METRICS_TOKEN.slice(0, -1)}x` },
    });
    expect(wrong.status).toBe(401);
    const basicAuth = await fetch(`${h.url}/metrics`, {
      headers: { authorization: `Basic ${METRICS_TOKEN}` },
    });
    expect(basicAuth.status).toBe(401);
    const right = await fetch(`${h.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(right.status).toBe(200);
    expect(right.headers.get('content-type')).toContain('text/plain; version=0.0.4');
    const text = await right.text();
    // Process metrics from prom-client's defaults.
    // CPU seconds count from the registry's creation and may still read 0 on a busy machine.
    expect(sampleValue(text, 'process_cpu_user_seconds_total')).toBeGreaterThanOrEqual(0);
    const started = sampleValue(text, 'process_start_time_seconds') ?? 0;
    expect(Math.abs(started - Date.now() / 1000)).toBeLessThan(3600);
    expect(sampleValue(text, 'nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
  });

  it('times acknowledgements and follow-ups by payload kind, and counts Web API calls by method and outcome', async () => {
    const before = await scrape();
    const commands =
      sampleValue(before, 'astrobee_slack_ack_duration_seconds_count', { kind: 'slash_command' }) ?? 0;
    expect(commands).toBeGreaterThanOrEqual(1); // /org setup
    expect(visibleText(await h.ask(ada.id, 'whoami'))).toContain('You are an Admin');
    await h.standin.appHomeOpened(ada.id);
    // The Home tab is published after the ack: wait until that work has settled.
    await vi.waitFor(
      async () =>
        expect(
          sampleValue(await scrape(), 'astrobee_slack_follow_up_duration_seconds_count', {
            kind: 'event_callback',
          }),
        ).toBe(1),
      { timeout: 10_000, interval: 50 },
    );
    const after = await scrape();
    expect(sampleValue(after, 'astrobee_slack_ack_duration_seconds_count', { kind: 'slash_command' })).toBe(
      commands + 1,
    );
    expect(
      sampleValue(after, 'astrobee_slack_follow_up_duration_seconds_count', { kind: 'slash_command' }),
    ).toBe(commands + 1);
    expect(sampleValue(after, 'astrobee_slack_ack_duration_seconds_count', { kind: 'event_callback' })).toBe(
      1,
    );
    // An ack within Slack's 3 seconds lands in the 3 s bucket.
    expect(
      sampleValue(after, 'astrobee_slack_ack_duration_seconds_bucket', { kind: 'event_callback', le: '3' }),
    ).toBe(1);
    expect(
      sampleValue(after, 'astrobee_slack_follow_up_duration_seconds_count', { kind: 'event_callback' }),
    ).toBe(1);
    // The app's start (auth.test) and the Home tab (views.publish) went through the counting client.
    expect(
      sampleValue(after, 'astrobee_slack_api_calls_total', { method: 'auth.test', outcome: 'ok' }),
    ).toBeGreaterThan(0);
    expect(
      sampleValue(after, 'astrobee_slack_api_calls_total', { method: 'views.publish', outcome: 'ok' }),
    ).toBeGreaterThan(0);
  });

  it('counts token endpoint requests by outcome', async () => {
    const reply = await h.ask(ada.id, 'clients create Metrics export');
    const text = visibleText(reply);
    const clientId = /cli_[a-z2-7]{20}/.exec(text)?.[0] ?? '';
    const secret = /abo_cs_[0-9A-Za-z]+/.exec(text)?.[0] ?? '';
    expect(secret).not.toBe('');
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const good = await tokenRequest({
      method: 'POST',
      headers: { ...form, authorization: basic(clientId, secret) },
      body: 'grant_type=client_credentials',
    });
    expect(good.status).toBe(200);
    const badSecret = await tokenRequest({
      method: 'POST',
      headers: { ...form, authorization: basic(clientId, `${secret.slice(0, -2)}xx`) },
      body: 'grant_type=client_credentials',
    });
    expect(badSecret.status).toBe(401);
    expect((await tokenRequest({ method: 'GET' })).status).toBe(405);
    const unsupported = await tokenRequest({
      method: 'POST',
      headers: { ...form, authorization: basic(clientId, secret) },
      body: 'grant_type=password',
    });
    expect(unsupported.status).toBe(400);
    const metrics = await scrape();
    const outcome = (o: string) =>
      sampleValue(metrics, 'astrobee_oauth_token_requests_total', { outcome: o });
    expect(outcome('issued')).toBe(1);
    expect(outcome('invalid_client')).toBe(1);
    expect(outcome('invalid_request')).toBe(1);
    expect(outcome('unsupported_grant_type')).toBe(1);
    expect(metrics).not.toContain(secret);
  });

  it('shows the mail backlog and its age, and counts mails sent and failed', async () => {
    await h.ask(ada.id, 'invite grace@example.com');
    await h.ask(ada.id, 'invite refused@example.com');
    h.clock.advance(90 * SECOND);
    let metrics = await scrape();
    expect(sampleValue(metrics, 'astrobee_outbox_backlog', { outbox: 'mail' })).toBe(2);
    expect(
      sampleValue(metrics, 'astrobee_outbox_oldest_age_seconds', { outbox: 'mail' }),
    ).toBeGreaterThanOrEqual(90);
    expect(sampleValue(metrics, 'astrobee_outbox_backlog', { outbox: 'slack' })).toBeGreaterThanOrEqual(0);

    expect(await h.app.outbox?.drain()).toMatchObject({ retrying: 2 });
    await sink.start();
    h.clock.advance(10 * 60 * SECOND);
    expect(await h.app.outbox?.drain()).toMatchObject({ sent: 1, failed: 1 });
    metrics = await scrape();
    expect(sampleValue(metrics, 'astrobee_mails_total', { outcome: 'retrying' })).toBe(2);
    expect(sampleValue(metrics, 'astrobee_mails_total', { outcome: 'sent' })).toBe(1);
    expect(sampleValue(metrics, 'astrobee_mails_total', { outcome: 'failed' })).toBe(1);
    expect(sampleValue(metrics, 'astrobee_outbox_backlog', { outbox: 'mail' })).toBe(0);
    expect(sampleValue(metrics, 'astrobee_outbox_oldest_age_seconds', { outbox: 'mail' })).toBe(0);
  });

  it('answers /readyz 200 when the database, migrations and Slack are fine; a 429 counts as rate_limited', async () => {
    const ok = await ready();
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ status: 'ready', checks: { database: 'ok', migrations: 'ok', slack: 'ok' } });

    h.standin.addFault({ method: 'auth.test', status: 429, retryAfterSeconds: 1, count: 1 });
    h.clock.advance(60 * SECOND); // past the trusted period of the last auth.test
    const limited = await ready();
    expect(limited.status).toBe(503);
    expect(limited.body).toMatchObject({ status: 'unavailable', failed: ['slack'] });
    expect(
      sampleValue(await scrape(), 'astrobee_slack_api_calls_total', {
        method: 'auth.test',
        outcome: 'rate_limited',
      }),
    ).toBe(1);
    // A failure is not remembered: the next probe asks again, and Slack answers.
    expect((await ready()).status).toBe(200);
  });

  it('answers /readyz 503 while Slack refuses auth.test', async () => {
    h.standin.addFault({ method: 'auth.test', status: 503 });
    h.clock.advance(60 * SECOND);
    try {
      const down = await ready();
      expect(down.status).toBe(503);
      expect(down.body).toMatchObject({
        checks: { database: 'ok', migrations: 'ok', slack: 'failed' },
        failed: ['slack'],
      });
      expect(
        sampleValue(await scrape(), 'astrobee_slack_api_calls_total', {
          method: 'auth.test',
          outcome: 'http_503',
        }),
      ).toBeGreaterThanOrEqual(1);
    } finally {
      h.standin.clearFaults();
    }
    expect((await ready()).status).toBe(200);
  });

  it('answers /readyz 503 {"status":"draining"} while the app drains', async () => {
    const other = await startApp(
      { ...h.config, port: 0 },
      { logger: createLogger('silent'), clock: h.clock, orm: h.app.orm },
    );
    try {
      expect((await fetch(`http://127.0.0.1:${other.port}/readyz`)).status).toBe(200);
      other.lifecycle.begin();
      const res = await fetch(`http://127.0.0.1:${other.port}/readyz`);
      expect(res.status).toBe(503);
      expect(await res.json()).toEqual({ status: 'draining' });
    } finally {
      await other.stop();
    }
  });

  it('writes one access log line per request to our routes, with the route pattern and never the token', async () => {
    const token = randomBytes(16).toString('hex');
    const query = randomBytes(16).toString('hex');
    const mark = h.logs().length;
    const page = await fetch(`${h.url}/invitations/${token}?token=${query}`, {
      headers: { 'x-request-id': 'req-example-1' },
    });
    expect(page.headers.get('x-request-id')).toBe('req-example-1');
    await page.text();
    await fetch(`${h.url}/healthz`);
    await fetch(`${h.url}/readyz`);
    await scrape();
    await tokenRequest({ method: 'GET' });
    await h.ask(ada.id, 'whoami');
    // The line is written when the response has finished; the server is in this process.
    await new Promise((resolve) => setImmediate(resolve));
    const logged = h.logs().slice(mark);
    const lines = logged
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.msg === 'http request');
    const invitation = lines.filter((l) => l.route === '/invitations/:token');
    expect(invitation).toHaveLength(1);
    expect(invitation[0]).toMatchObject({
      level: 30,
      method: 'GET',
      status: page.status,
      requestId: 'req-example-1',
      component: 'http',
    });
    expect(typeof invitation[0]?.durationMs).toBe('number');
    const oauth = lines.filter((l) => l.route === '/oauth/token');
    expect(oauth).toMatchObject([{ level: 30, method: 'GET', status: 405 }]);
    expect(typeof oauth[0]?.requestId).toBe('string');
    expect(lines.filter((l) => ['/healthz', '/readyz', '/metrics'].includes(String(l.route)))).toEqual([]);
    // Slack's requests are logged at debug (the harness logs at debug), with the route and no query.
    expect(lines.filter((l) => l.route === '/slack/events')).toMatchObject([{ level: 20, status: 200 }]);
    expect(logged).not.toContain(token);
    expect(logged).not.toContain(query);
  });

  it('answers /readyz 503 naming the database when it is closed; /metrics still answers', async () => {
    await h.app.orm.close(true);
    const down = await ready();
    expect(down.status).toBe(503);
    expect(down.body).toMatchObject({ status: 'unavailable', checks: { database: 'failed' } });
    expect(down.body.failed).toContain('database');
    h.clock.advance(60 * SECOND);
    const metrics = await scrape();
    expect(sampleValue(metrics, 'astrobee_outbox_backlog', { outbox: 'mail' })).toBeUndefined();
    expect(sampleValue(metrics, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
  });
});
