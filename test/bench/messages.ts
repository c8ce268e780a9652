/**
 * `npm run bench -- --only messages` (issue 15 §3): message events per second through the leaked-secret guard,
 * beside a bare Bolt app whose `message` listener does nothing (test/bench/bare-app.ts), same load generator and
 * concurrency.
 *
 * Processes (all on 127.0.0.1): the runner (autocannon), the Slack side (test/bench/slack-side.ts), our app
 * (`src/main.ts`, HTTP mode, a temp SQLite file with an organization of 50 members and one API client whose secret
 * the guard has already neutralised) with the preload test/bench/query-counter.ts, and the bare app. Each request is
 * a signed Events API `event_callback` holding a `message` event (docs.slack.dev/reference/events/message) with a
 * new `event_id`, posted by one of the members in a channel. Three mixes of text:
 *
 * - `plain`: no candidate at all (the common case): must cost no SQL statement;
 * - `lookalike`: a word with our client-secret prefix and a wrong checksum;
 * - `neutralised`: a real client secret the guard already neutralised (one hash lookup that finds nothing to do).
 *
 * Bolt acknowledges an Events API delivery before its listeners run, so the latencies are those of the ack, and
 * events/s counts acks; for our app the run also waits until its SQL statements stop (the guard's work left queued
 * behind the acks) and reports events handled per second over load + drain. The SQL statements our app issued
 * while handling the requests of each mix are counted in the app (the preload); for `plain` they must be 0,
 * warm-up included, or the benchmark fails (exit code 1).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { findLeakCandidates } from '../../src/domain/clients/leaks.js';
import { signSlackRequest } from '../../src/standin/signing.js';
import { type Child, freePort, startChild, waitForHttp } from './processes.js';
import { type QueryCounts, readQueryCounts } from './query-counter.js';
import { seedNeutralisedSecret, seedOrganization } from './seed.js';
import type { SlackSideReady } from './slack-side.js';
import type { LoadSummary, SignedRequest } from './slash-load.js';

/** One kind of message text the benchmark sends. */
export interface MessageMix {
  /** Short name, as printed. */
  name: 'plain' | 'lookalike' | 'neutralised';
  /** The message text (the same for every event of the mix). */
  text: string;
  /** Candidates `findLeakCandidates` must find in `text` (checked before the load). */
  candidates: number;
}

/**
 * `secret` with its last checksum character changed: the right prefix and length, a wrong checksum.
 * @param secret a well-formed credential
 */
export function lookalikeOf(secret: string): string {
  const last = secret.at(-1);
  return `${secret.slice(0, -1)}${last === 'A' ? 'B' : 'A'}`;
}

/**
 * The three mixes, around `neutralisedSecret` (a real client secret whose client is disabled and whose secret has
 * expired). Each text is checked against the guard's own recogniser, so a mix cannot silently measure another case.
 * @throws Error when a text does not hold the number of candidates its mix promises
 */
export function messageMixes(neutralisedSecret: string): MessageMix[] {
  const mixes: MessageMix[] = [
    {
      name: 'plain',
      text: 'Deploy of the reporting service is done, dashboards are at https://example.com/reports — ping me if a number looks off. Standup moves to 10:30 tomorrow.',
      candidates: 0,
    },
    {
      name: 'lookalike',
      text: `Is this the right key for staging? ${lookalikeOf(neutralisedSecret)} (copied from the wiki)`,
      candidates: 0,
    },
    {
      name: 'neutralised',
      text: `Old exporter secret, already rotated: ${neutralisedSecret} (please ignore)`,
      candidates: 1,
    },
  ];
  for (const mix of mixes) {
    const found = findLeakCandidates(mix.text).length;
    if (found !== mix.candidates)
      throw new Error(`mix ${mix.name}: ${found} candidates in its text, expected ${mix.candidates}`);
    if (mix.name !== 'plain' && !mix.text.includes('abo_')) throw new Error(`mix ${mix.name}: no prefix`);
  }
  return mixes;
}

/**
 * A generator of signed Events API deliveries of `message` events with `text`, each with a new `event_id` and `ts`
 * and signed at the time it is made, posted in turn by `userIds` in channel `C0BENCH`.
 */
export function messageEvents(options: {
  signingSecret: string;
  teamId: string;
  botUserId: string;
  userIds: string[];
  text: string;
}): () => SignedRequest {
  const run = randomBytes(4).toString('hex').toUpperCase();
  let seq = 0;
  return () => {
    seq += 1;
    const now = Date.now();
    const body = JSON.stringify({
      token: 'bench-verification-token',
      team_id: options.teamId,
      context_team_id: options.teamId,
      context_enterprise_id: null,
      api_app_id: 'A0STANDIN',
      event: {
        type: 'message',
        channel: 'C0BENCH',
        channel_type: 'channel',
        user: options.userIds[seq % options.userIds.length],
        text: options.text,
        ts: `${Math.floor(now / 1000)}.${String(seq).padStart(6, '0')}`,
        event_ts: `${Math.floor(now / 1000)}.${String(seq).padStart(6, '0')}`,
      },
      type: 'event_callback',
      event_id: `Ev${run}${seq}`,
      event_time: Math.floor(now / 1000),
      authorizations: [
        {
          enterprise_id: null,
          team_id: options.teamId,
          user_id: options.botUserId,
          is_bot: true,
          is_enterprise_install: false,
        },
      ],
      is_ext_shared_channel: false,
    });
    return {
      method: 'POST',
      path: '/slack/events',
      headers: { 'content-type': 'application/json', ...signSlackRequest(options.signingSecret, body) },
      body,
    };
  };
}

/**
 * Runs autocannon against `baseUrl` for `durationS` seconds, each request made anew by `next`.
 * Latencies in ms; `answeredInAck` counts 200 answers with a body.
 */
export async function runMessageLoad(
  baseUrl: string,
  next: () => SignedRequest,
  options: { connections: number; durationS: number; timeoutS: number },
): Promise<LoadSummary> {
  let answeredInAck = 0;
  const result = await autocannon({
    url: baseUrl,
    connections: options.connections,
    duration: options.durationS,
    timeout: options.timeoutS,
    requests: [
      {
        method: 'POST',
        path: '/slack/events',
        setupRequest: (req) => ({ ...req, ...next() }),
        onResponse: (status: number, body: string) => {
          if (status === 200 && body.length > 0) answeredInAck += 1;
        },
      },
    ],
  });
  return {
    p50: result.latency.p50,
    p99: result.latency.p99,
    max: result.latency.max,
    rps: result.requests.average,
    total: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    durationS: result.duration,
    answeredInAck,
  };
}

/**
 * Waits until the app's SQL statement count has not moved for `quietMs` (at most `maxMs`).
 * @returns the counts then, and the ms from the call to the last change seen
 */
async function drain(
  counterUrl: string,
  quietMs = 500,
  maxMs = 60_000,
): Promise<{ counts: QueryCounts; drainMs: number }> {
  const start = Date.now();
  let counts = await readQueryCounts(counterUrl);
  let lastChange = start;
  let lastTotal = counts.request + counts.background;
  while (Date.now() - lastChange < quietMs && Date.now() - start < maxMs) {
    await new Promise((r) => setTimeout(r, 50));
    counts = await readQueryCounts(counterUrl);
    const total = counts.request + counts.background;
    if (total !== lastTotal) {
      lastTotal = total;
      lastChange = Date.now();
    }
  }
  return { counts, drainMs: lastChange - start };
}

/** One mix measured on both apps. */
export interface MixResult {
  mix: MessageMix['name'];
  bare: LoadSummary;
  ours: LoadSummary;
  /** Our events handled per second: the measured phase's events over its duration plus the drain after it. */
  oursHandledPerS: number;
  drainMs: number;
  /** SQL statements our app issued in request handling, warm-up and measured phase together. */
  statements: number;
  /** Events of the warm-up and measured phase together (our app). */
  events: number;
  /** Statements issued outside request handling meanwhile (the app's timers and workers). */
  backgroundStatements: number;
}

const REQUEST_TIMEOUT_S = 10;
const MEMBERS = 50;

/**
 * Runs the benchmark and prints its table, a `JSON {…}` line and the check of the plain mix.
 * @returns ok: false when the plain mix cost a SQL statement or an event was not acknowledged (the caller fails)
 */
export async function benchMessages(options: {
  durationS: number;
  warmupS: number;
  connections: number;
  out: (line?: string) => void;
}): Promise<{ ok: boolean; results: MixResult[] }> {
  const { durationS, warmupS, connections, out } = options;
  const dir = mkdtempSync(join(tmpdir(), 'astrobee-bench-messages-'));
  const children: Child[] = [];
  try {
    const signingSecret = randomBytes(16).toString('hex');
    const botToken = `xoxb-bench-${randomBytes(6).toString('hex')}`;
    const slackSide = startChild('slack side', 'test/bench/slack-side.ts', {
      SIGNING_SECRET: signingSecret,
      BOT_TOKEN: botToken,
    });
    children.push(slackSide);
    const readyLine = await slackSide.waitForLine((l) => l.startsWith('READY '), 30_000);
    const slack = JSON.parse(readyLine.slice('READY '.length)) as SlackSideReady;

    const databaseUrl = `sqlite:${join(dir, 'bench.sqlite')}`;
    const users = await seedOrganization(databaseUrl, {
      teamId: slack.teamId,
      memberCount: MEMBERS,
      adminCount: 5,
    });
    const secret = await seedNeutralisedSecret(databaseUrl, slack.teamId);
    const mixes = messageMixes(secret);

    const [ourPort, barePort, counterPort] = [await freePort(), await freePort(), await freePort()];
    const counterUrl = `http://127.0.0.1:${counterPort}`;
    const ours = startChild(
      'our app',
      'src/main.ts',
      {
        SLACK_BOT_TOKEN: botToken,
        SLACK_SIGNING_SECRET: signingSecret,
        SLACK_API_URL: slack.apiUrl,
        DATABASE_URL: databaseUrl,
        PUBLIC_URL: 'https://astrobee.example.com',
        MAIL_DISABLED: 'true',
        LOG_LEVEL: 'warn',
        PORT: String(ourPort),
        QUERY_COUNTER_PORT: String(counterPort),
      },
      [],
      ['test/bench/query-counter.ts'],
    );
    children.push(ours);
    const bare = startChild('bare app', 'test/bench/bare-app.ts', {
      SLACK_BOT_TOKEN: botToken,
      SLACK_SIGNING_SECRET: signingSecret,
      SLACK_API_URL: slack.apiUrl,
      PORT: String(barePort),
    });
    children.push(bare);
    await Promise.all([
      waitForHttp(`http://127.0.0.1:${ourPort}/healthz`, 60_000, ours, [200]),
      bare.waitForLine((l) => l === 'READY', 60_000),
    ]);
    await readQueryCounts(counterUrl); // the preload is in place

    out(
      `AstroBee Org benchmark — message events through the leaked-secret guard, Node ${process.version}, ` +
        `${connections} connections, warm-up ${warmupS} s + ${durationS} s per mix and app`,
    );
    const userIds = users.map((u) => u.slackUserId);
    const load = { connections, timeoutS: REQUEST_TIMEOUT_S };
    const results: MixResult[] = [];
    // `plain` first: nothing another mix leaves behind (a timer, a cache) runs during its count.
    for (const mix of mixes) {
      const next = messageEvents({
        signingSecret,
        teamId: slack.teamId,
        botUserId: slack.botUserId,
        userIds,
        text: mix.text,
      });
      out(`… ${mix.name}: bare Bolt app, then our app`);
      const bareUrl = `http://127.0.0.1:${barePort}`;
      await runMessageLoad(bareUrl, next, { ...load, durationS: warmupS });
      const bareRun = await runMessageLoad(bareUrl, next, { ...load, durationS });

      const ourUrl = `http://127.0.0.1:${ourPort}`;
      const before = await readQueryCounts(counterUrl);
      const warm = await runMessageLoad(ourUrl, next, { ...load, durationS: warmupS });
      await drain(counterUrl);
      const ourRun = await runMessageLoad(ourUrl, next, { ...load, durationS });
      const { counts: after, drainMs } = await drain(counterUrl);
      results.push({
        mix: mix.name,
        bare: bareRun,
        ours: ourRun,
        oursHandledPerS: ourRun.total / (ourRun.durationS + drainMs / 1000),
        drainMs,
        statements: after.request - before.request,
        events: warm.total + ourRun.total,
        backgroundStatements: after.background - before.background,
      });
    }
    await Promise.all(children.map((c) => c.stop()));

    const f = (v: number) => v.toFixed(0).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
    const msText = (v: number) => `${v.toFixed(v < 10 ? 1 : 0)} ms`;
    out();
    out('| mix | app | events/s (acks) | p50 | p99 | slowest | handled/s | SQL per event | failed acks |');
    out('|---|---|---|---|---|---|---|---|---|');
    for (const r of results) {
      const failed = (s: LoadSummary) => s.non2xx + s.errors + s.timeouts;
      out(
        `| ${r.mix} | bare Bolt | ${f(r.bare.rps)} | ${msText(r.bare.p50)} | ${msText(r.bare.p99)} | ${msText(r.bare.max)} | | | ${failed(r.bare)} |`,
      );
      out(
        `| ${r.mix} | ours | ${f(r.ours.rps)} | ${msText(r.ours.p50)} | ${msText(r.ours.p99)} | ${msText(r.ours.max)} | ${f(r.oursHandledPerS)} | ${(r.statements / Math.max(r.events, 1)).toFixed(2)} | ${failed(r.ours)} |`,
      );
    }
    out();
    for (const r of results) {
      out(
        `${r.mix.padEnd(12)} ours/bare: events/s ${(r.ours.rps / r.bare.rps).toFixed(2)}×, handled/s ${(r.oursHandledPerS / r.bare.rps).toFixed(2)}×, ` +
          `p99 ${(r.ours.p99 / Math.max(r.bare.p99, 1)).toFixed(2)}×; our drain after the load ${r.drainMs} ms; ` +
          `${r.statements} SQL statements for ${r.events} events (${r.backgroundStatements} by timers meanwhile)`,
      );
    }
    out(
      `JSON ${JSON.stringify({
        scenario: 'messages',
        node: process.version,
        connections,
        durationS,
        results: results.map((r) => ({
          mix: r.mix,
          bare: { eventsPerS: Math.round(r.bare.rps), p50Ms: r.bare.p50, p99Ms: r.bare.p99 },
          ours: {
            eventsPerS: Math.round(r.ours.rps),
            handledPerS: Math.round(r.oursHandledPerS),
            p50Ms: r.ours.p50,
            p99Ms: r.ours.p99,
            drainMs: r.drainMs,
            sqlStatements: r.statements,
            events: r.events,
          },
          ratioEventsPerS: Number((r.ours.rps / r.bare.rps).toFixed(3)),
          ratioP99: Number((r.ours.p99 / Math.max(r.bare.p99, 1)).toFixed(3)),
        })),
      })}`,
    );
    const plain = results.find((r) => r.mix === 'plain');
    const failedAcks = results.reduce((n, r) => n + r.ours.non2xx + r.ours.errors + r.ours.timeouts, 0);
    const checks = [
      {
        ok: plain !== undefined && plain.statements === 0 && plain.events > 0,
        text: `plain text costs no SQL statement: ${plain?.statements} in ${plain?.events} events`,
      },
      { ok: failedAcks === 0, text: `our failed or timed-out acks ${failedAcks} = 0` },
    ];
    out();
    for (const c of checks) out(`${c.ok ? 'PASS' : 'FAIL'}  ${c.text}`);
    return { ok: checks.every((c) => c.ok), results };
  } finally {
    await Promise.all(children.map((c) => c.stop()));
    rmSync(dir, { recursive: true, force: true });
  }
}
