/**
 * `npm run bench`: ack latency and throughput of `/org members` on our app in HTTP mode against a bare Bolt app
 * that only acks, both measured in the same run on the same machine.
 *
 * Processes (all on 127.0.0.1): this runner (autocannon), the Slack side (stand-in Web API + a `response_url` sink
 * that answers 200 at once), our app (`node --import tsx src/main.ts`, HTTP mode, on a temp SQLite file seeded with
 * an organization of 1,000 members) and the bare app. Each app gets signed `/org members [page]` commands from 50
 * callers (5 Admins, 45 Members, pages 1–50) at 50 concurrent connections: a warm-up, then a measured phase.
 *
 * Prints p50/p99 ack latency, requests/s, the ratios ours/bare, the slowest ack, our peak RSS, whether every
 * follow-up reply reached the sink, and PASS/FAIL against the targets (p99 ratio ≤ 1.5, no ack slower than 2.5 s,
 * no failed ack). Exits 0 either way; 1 only when the run itself broke.
 *
 * Options: `--duration <s>` (default 10), `--warmup <s>` (default 2), `--connections <n>` (default 50),
 * `--profile` (run our app with `--cpu-prof` and print where its CPU time goes), `--text <t>` (send `/org <t>`
 * instead of `members [page]`, to compare commands), `--only slack|token` (run one of the two benchmarks).
 *
 * Several instances (issue 12 §7, test/bench/matrix.ts): `--db postgres --instances 1,3` measures `/org members` and
 * the token endpoint on SQLite and on PostgreSQL with each instance count (several behind a round-robin proxy),
 * beside the bare baselines, in one table, then the scenario members-10k-with-writes. `--only` takes a comma list
 * of `slack`, `token`, `members-10k-with-writes` there.
 *
 * Start-up (issue 13, test/bench/startup.ts): spawn → ready and idle RSS of `node dist/main.js` beside `tsx
 * src/main.ts` and the bare Bolt app, after the other benchmarks or alone with `--only startup`; `--runs <n>` starts
 * per variant (default 5). Needs the build (`npm run build`).
 *
 * Message events (issue 15 §3, test/bench/messages.ts): signed `message` events through the leaked-secret guard
 * beside a bare Bolt app's empty `message` listener, three mixes of text, after the token endpoint or alone with
 * `--only messages` (then `--duration` defaults to 3 s and `--warmup` to 1 s per mix). Exits 1 when plain text cost
 * a SQL statement.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { summariseProfile } from './cpu-profile.js';
import { benchMatrix } from './matrix.js';
import { benchMessages } from './messages.js';
import { type Child, freePort, peakRssKiB, startChild, waitForHttp } from './processes.js';
import { seedOrganization } from './seed.js';
import type { SinkStats, SlackSideReady } from './slack-side.js';
import { type LoadSummary, runLoad, signedSlashCommands } from './slash-load.js';
import { benchStartup } from './startup.js';

/** Targets of issue 2 §10. */
const TARGET_P99_RATIO = 1.5;
const TARGET_MAX_ACK_MS = 2500;
const MEMBERS = 1000;
const ADMINS = 10;
const CALLERS = 50;
/** Seconds after which autocannon counts a request as timed out (well above Slack's 3 s). */
const REQUEST_TIMEOUT_S = 10;
/** Milliseconds to wait, after the load, for our app's follow-up replies to reach the sink. */
const DRAIN_TIMEOUT_MS = 60_000;

const { values: flags } = parseArgs({
  options: {
    duration: { type: 'string' },
    warmup: { type: 'string' },
    connections: { type: 'string', default: '50' },
    profile: { type: 'boolean', default: false },
    text: { type: 'string' },
    rate: { type: 'string', default: '100' },
    only: { type: 'string' },
    db: { type: 'string' },
    instances: { type: 'string' },
    runs: { type: 'string', default: '5' },
  },
});
/** Requests per second of the steady phase (both apps at the same fixed rate, 10 connections). */
const steadyRate = Number(flags.rate);
const durationS = Number(flags.duration ?? '10');
const warmupS = Number(flags.warmup ?? '2');
const connections = Number(flags.connections);

const out = (line = '') => process.stdout.write(`${line}\n`);
const ms = (v: number) => `${v.toFixed(v < 10 ? 2 : 1)} ms`;

async function sinkStats(sinkUrl: string): Promise<SinkStats> {
  const res = await fetch(`${sinkUrl}/stats`, { signal: AbortSignal.timeout(2000) });
  return (await res.json()) as SinkStats;
}

/** Warm-up (discarded), then the measured phase. */
async function measure(name: string, baseUrl: string, requests: Parameters<typeof runLoad>[1]) {
  out(`… ${name}: warm-up ${warmupS} s, then ${durationS} s at ${connections} connections`);
  const warm = await runLoad(baseUrl, requests, {
    connections,
    durationS: warmupS,
    timeoutS: REQUEST_TIMEOUT_S,
  });
  const run = await runLoad(baseUrl, requests, { connections, durationS, timeoutS: REQUEST_TIMEOUT_S });
  // The same commands at a fixed rate both apps can serve: latency at an ordinary load, not at saturation.
  const steady = await runLoad(baseUrl, requests, {
    connections: 10,
    durationS,
    timeoutS: REQUEST_TIMEOUT_S,
    overallRate: steadyRate,
  });
  return { warm, run, steady };
}

function row(name: string, s: LoadSummary): string {
  return (
    `${name.padEnd(10)} p50 ${ms(s.p50).padStart(9)}  p99 ${ms(s.p99).padStart(9)}  slowest ${ms(s.max).padStart(10)}` +
    `  ${s.rps.toFixed(0).padStart(6)} req/s  (${s.total} acks, ${s.non2xx} non-2xx, ${s.errors} errors, ${s.timeouts} timeouts)`
  );
}

/** Log lines of our app at warn (40) or above, by message. */
function warnings(child: Child): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of child.stdout) {
    try {
      const entry = JSON.parse(line) as { level?: number; msg?: string };
      if ((entry.level ?? 0) >= 40) counts.set(entry.msg ?? line, (counts.get(entry.msg ?? line) ?? 0) + 1);
    } catch {
      counts.set(line, (counts.get(line) ?? 0) + 1);
    }
  }
  return counts;
}

/** Runs `benchTokenEndpoint` from ./token-endpoint.ts when that file exists (written separately). */
async function tokenEndpointBench(): Promise<void> {
  if (!existsSync(new URL('./token-endpoint.ts', import.meta.url))) {
    out('Token endpoint: test/bench/token-endpoint.ts not present, skipped.');
    return;
  }
  const specifier = './token-endpoint.js';
  const mod: unknown = await import(specifier);
  const fn =
    mod && typeof mod === 'object' && 'benchTokenEndpoint' in mod ? mod.benchTokenEndpoint : undefined;
  if (typeof fn !== 'function')
    throw new Error('test/bench/token-endpoint.ts does not export benchTokenEndpoint()');
  out('Token endpoint (test/bench/token-endpoint.ts):');
  const result: unknown = await fn();
  const lines = Array.isArray(result)
    ? result.map(String)
    : typeof result === 'string'
      ? result.split('\n')
      : result && typeof result === 'object' && 'lines' in result && Array.isArray(result.lines)
        ? result.lines.map(String)
        : result === undefined
          ? []
          : [JSON.stringify(result)];
  for (const line of lines) out(`  ${line}`);
}

/** The message-events benchmark (./messages.ts): a few seconds per mix unless `--duration`/`--warmup` say. */
async function messagesBench(): Promise<void> {
  const { ok } = await benchMessages({
    durationS: Number(flags.duration ?? '3'),
    warmupS: Number(flags.warmup ?? '1'),
    connections,
    out,
  });
  if (!ok) {
    out('RESULT: FAIL (message events)');
    process.exitCode = 1;
  }
}

/** The start-up benchmark (./startup.ts), `--runs` starts per variant. */
async function startupBench(): Promise<void> {
  const runs = Number(flags.runs);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs: a count such as 5, not ${flags.runs}`);
  for (const line of await benchStartup({ runs })) out(line);
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'astrobee-bench-'));
  const children: Child[] = [];
  const guardMs = 2 * (warmupS + durationS) * 1000 + DRAIN_TIMEOUT_MS + 120_000;
  const guard = setTimeout(() => {
    process.stderr.write(`bench: gave up after ${guardMs} ms\n`);
    for (const c of children) c.process.kill('SIGKILL');
    process.exit(1);
  }, guardMs);
  guard.unref();
  const stopAll = () => Promise.all(children.map((c) => c.stop()));
  process.once('SIGINT', () => {
    void stopAll().then(() => process.exit(130));
  });

  if (flags.db !== undefined || flags.instances !== undefined || flags.only === 'members-10k-with-writes') {
    clearTimeout(guard);
    await benchMatrix({
      databases: (flags.db ?? 'postgres').split(',').map((d) => {
        if (d !== 'sqlite' && d !== 'postgres') throw new Error(`--db: sqlite or postgres, not ${d}`);
        return d;
      }),
      instances: (flags.instances ?? '1').split(',').map((n) => {
        const count = Number(n);
        if (!Number.isInteger(count) || count < 1)
          throw new Error(`--instances: counts such as 1,3, not ${n}`);
        return count;
      }),
      only: flags.only ? flags.only.split(',') : [],
      durationS,
      warmupS,
      connections,
      steadyRate,
      out,
    });
    return;
  }
  if (flags.only === 'token') {
    await tokenEndpointBench();
    clearTimeout(guard);
    return;
  }
  if (flags.only === 'startup') {
    clearTimeout(guard);
    await startupBench();
    return;
  }
  if (flags.only === 'messages') {
    clearTimeout(guard);
    await messagesBench();
    return;
  }
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

    const databaseFile = join(dir, 'bench.sqlite');
    const users = await seedOrganization(`sqlite:${databaseFile}`, {
      teamId: slack.teamId,
      memberCount: MEMBERS,
      adminCount: ADMINS,
    });

    const [ourPort, barePort] = [await freePort(), await freePort()];
    const profileDir = join(dir, 'profile');
    const ours = startChild(
      'our app',
      'src/main.ts',
      {
        SLACK_BOT_TOKEN: botToken,
        SLACK_SIGNING_SECRET: signingSecret,
        SLACK_API_URL: slack.apiUrl,
        DATABASE_URL: `sqlite:${databaseFile}`,
        PUBLIC_URL: 'https://astrobee.example.com',
        MAIL_DISABLED: 'true',
        LOG_LEVEL: 'warn',
        PORT: String(ourPort),
      },
      flags.profile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [],
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

    // 5 Admins and 45 Members, each asking for a different page of the 50.
    const admins = users.filter((u) => u.role === 'admin').slice(0, 5);
    const members = users.filter((u) => u.role === 'member');
    const step = Math.floor(members.length / (CALLERS - admins.length));
    const callers = [
      ...admins,
      ...members.filter((_, i) => i % step === 0).slice(0, CALLERS - admins.length),
    ].map((u, i) => ({
      userId: u.slackUserId,
      text: flags.text ?? (i % 50 === 0 ? 'members' : `members ${(i % 50) + 1}`),
    }));
    const requests = signedSlashCommands({
      signingSecret,
      teamId: slack.teamId,
      callers,
      responseUrl: slack.sinkUrl,
    });

    out(
      `AstroBee Org benchmark — /org members, ${MEMBERS} members, Node ${process.version}, ${connections} connections`,
    );
    const bareResult = await measure('bare Bolt app', `http://127.0.0.1:${barePort}`, requests);
    const oursResult = await measure('our app', `http://127.0.0.1:${ourPort}`, requests);

    // Every ack of ours that did not carry the answer promises a reply on the response_url: wait for them.
    const expected = [oursResult.warm, oursResult.run, oursResult.steady].reduce(
      (n, phase) => n + phase.total - phase.non2xx - phase.answeredInAck,
      0,
    );
    const drainStart = Date.now();
    let delivered = (await sinkStats(slack.sinkUrl)).posts;
    while (delivered < expected && Date.now() - drainStart < DRAIN_TIMEOUT_MS) {
      await new Promise((r) => setTimeout(r, 200));
      delivered = (await sinkStats(slack.sinkUrl)).posts;
    }
    const drainMs = Date.now() - drainStart;
    const ourPeak = peakRssKiB(ours.pid);
    const barePeak = peakRssKiB(bare.pid);
    const ourWarnings = warnings(ours);

    await stopAll();

    const b = bareResult.run;
    const o = oursResult.run;
    const p99Ratio = o.p99 / b.p99;
    const rpsRatio = o.rps / b.rps;
    out();
    out(row('bare', b));
    out(row('ours', o));
    out();
    out(
      `ratio ours/bare: p99 latency ${p99Ratio.toFixed(2)}×, throughput ${rpsRatio.toFixed(2)}×, p50 ${b.p50 > 0 ? `${(o.p50 / b.p50).toFixed(2)}×` : 'n/a (bare p50 < 1 ms)'}`,
    );
    out(`slowest ack: ours ${ms(o.max)}, bare ${ms(b.max)}`);
    out(`answered inside the ack: ours ${o.answeredInAck} of ${o.total}`);
    out();
    out(`steady load, ${steadyRate} commands/s on 10 connections (informational):`);
    out(row('bare', bareResult.steady));
    out(row('ours', oursResult.steady));
    out(
      `ratio ours/bare at ${steadyRate}/s: p99 latency ${(oursResult.steady.p99 / Math.max(bareResult.steady.p99, 1)).toFixed(2)}×`,
    );
    out(
      `peak RSS (VmHWM): ours ${ourPeak === null ? 'n/a' : `${(ourPeak / 1024).toFixed(0)} MiB`}, ` +
        `bare ${barePeak === null ? 'n/a' : `${(barePeak / 1024).toFixed(0)} MiB`}`,
    );
    out(
      `follow-up replies on response_url: ${delivered} of ${expected} acks` +
        (delivered >= expected
          ? ` (all in by ${(drainMs / 1000).toFixed(1)} s after the load)`
          : ` (missing after ${DRAIN_TIMEOUT_MS / 1000} s)`),
    );
    if (ourWarnings.size > 0) {
      out('our app logged at warn or above:');
      for (const [msg, n] of ourWarnings) out(`  ${n}× ${msg.slice(0, 200)}`);
    }
    const failedAcks = o.non2xx + o.errors + o.timeouts;
    const checks = [
      { ok: p99Ratio <= TARGET_P99_RATIO, text: `p99 ratio ${p99Ratio.toFixed(2)} ≤ ${TARGET_P99_RATIO}` },
      { ok: o.max <= TARGET_MAX_ACK_MS, text: `slowest ack ${ms(o.max)} ≤ ${TARGET_MAX_ACK_MS} ms` },
      { ok: failedAcks === 0, text: `failed or timed-out acks ${failedAcks} = 0` },
    ];
    out();
    for (const c of checks) out(`${c.ok ? 'PASS' : 'FAIL'}  ${c.text}`);
    out(checks.every((c) => c.ok) ? 'RESULT: PASS' : 'RESULT: FAIL (a measurement; the exit code stays 0)');

    if (flags.profile && existsSync(profileDir)) {
      // The main thread's profile; tsx's module-loader hooks thread writes a second one.
      const file = readdirSync(profileDir)
        .filter((f) => f.endsWith('.cpuprofile'))
        .sort()
        .find((f) => /\.0\.\d+\.cpuprofile$/.test(f));
      if (file) {
        const summary = summariseProfile(join(profileDir, file));
        out();
        out(
          `CPU profile of our app's main thread (${(summary.busyMs / 1000).toFixed(1)} s busy, ${join(profileDir, file)}):`,
        );
        out('  by package (self time):');
        for (const p of summary.packages) out(`    ${(p.share * 100).toFixed(1).padStart(5)}%  ${p.name}`);
        out('  by function (self time):');
        for (const f of summary.functions) out(`    ${(f.share * 100).toFixed(1).padStart(5)}%  ${f.name}`);
      }
    }
    out();
    if (flags.only !== 'slack') await tokenEndpointBench();
    if (flags.only !== 'slack') {
      clearTimeout(guard);
      out();
      await messagesBench();
    }
    if (flags.only !== 'slack') {
      // Each start has its own time limit (test/bench/startup.ts); the guard covers the load benchmarks.
      clearTimeout(guard);
      out();
      await startupBench();
    }
  } finally {
    await stopAll();
    clearTimeout(guard);
    if (!flags.profile) rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(
    `bench: the run broke: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
