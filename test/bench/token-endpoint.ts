/**
 * Benchmark of `POST /oauth/token` (issue 4 §7): client-credentials token requests at 50 concurrent connections
 * against our app (`node --import tsx src/main.ts`, HTTP mode, temp SQLite file), and in the same run against a bare
 * Node `http` server that checks an HMAC-SHA256 of the body and answers 200 — the floor of what any HTTP endpoint
 * that authenticates a request can cost here. Each target runs in its own child process; autocannon runs here.
 *
 * `benchTokenEndpoint()` returns the figures as lines: requests/s and p50/p99 latency of each, the throughput ratio
 * ours/bare and PASS/FAIL against the target (ratio ≥ 0.5). The two are measured in alternating rounds, the ratio is
 * the median of the rounds' ratios, and the CPU other processes used meanwhile is reported: on a shared machine a
 * neighbour's burst during one server's run would otherwise decide the ratio. Run alone with `npx tsx test/bench/token-endpoint.ts`.
 *
 * Run with `BENCH_ROLE=bare-hmac PORT=<n> HMAC_KEY=<hex>` this file is the bare server itself (prints READY).
 * With `TOKEN_BENCH_PROFILE_DIR=<dir>` our app runs with `--cpu-prof` and writes its CPU profile there.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { openOrm } from '../../src/adapters.js';
import { ClientsService } from '../../src/domain/clients/clients.service.js';
import { Member } from '../../src/domain/members/member.entity.js';
import { Organization } from '../../src/domain/organizations/organization.entity.js';
import { SlackStandIn } from '../../src/standin/index.js';
import { type Child, freePort, startChild, waitForHttp } from './processes.js';

/** Target: our token endpoint serves at least half the bare server's requests per second. */
export const TARGET_RATIO = 0.5;

/** Options of {@link benchTokenEndpoint}. Seconds. */
export interface TokenBenchOptions {
  connections?: number;
  warmupSeconds?: number;
  /** Measured seconds per server, split over `rounds`. */
  durationSeconds?: number;
  /** Rounds of ours-then-bare (odd rounds) or bare-then-ours (even rounds), so drifting load hits both alike. */
  rounds?: number;
}

/** Figures of one autocannon run. */
export interface LoadFigures {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
  /** Requests answered (2xx or not). */
  total: number;
  /** CPU that processes other than the two servers and this one used meanwhile, in cores (Linux; else NaN). */
  backgroundCores: number;
}

/** USER_HZ of Linux: /proc times are in 1/100 s. */
const CLOCK_TICKS = 100;

/** Busy CPU time of the whole machine so far, in ms (`/proc/stat`); NaN where unavailable. */
function machineBusyMs(): number {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
    const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = line
      .trim()
      .split(/\s+/)
      .slice(1)
      .map(Number);
    return ((user + nice + system + irq + softirq + steal) * 1000) / CLOCK_TICKS;
  } catch {
    return Number.NaN;
  }
}

/** CPU time a process has used so far, in ms (`/proc/<pid>/stat` utime + stime); NaN where unavailable. */
function processCpuMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return Number.NaN;
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

async function load(
  url: string,
  headers: Record<string, string>,
  body: string,
  connections: number,
  seconds: number,
  servers: number[],
): Promise<LoadFigures> {
  const own = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000 + servers.reduce((sum, pid) => sum + processCpuMs(pid), 0);
  };
  const machine0 = machineBusyMs();
  const own0 = own();
  const result = await autocannon({ url, method: 'POST', headers, body, connections, duration: seconds });
  const background = machineBusyMs() - machine0 - (own() - own0);
  return {
    requestsPerSecond: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    total: result.requests.total,
    backgroundCores: Math.max(0, background) / (seconds * 1000),
  };
}

/** Seeds an organization, its admin and one API client; returns the client's credentials. */
async function seed(databaseUrl: string, teamId: string): Promise<{ clientId: string; secret: string }> {
  const orm = await openOrm(databaseUrl);
  try {
    const em = orm.em.fork();
    const now = new Date();
    const organization = new Organization('Bench Org', teamId, now);
    const admin = new Member({
      organization,
      email: 'bench@example.com',
      role: 'admin',
      slackUserId: 'UBENCH',
      now,
    });
    em.persist([organization, admin]);
    await em.flush();
    const issued = await new ClientsService(em, { now: () => new Date() }).create(
      { slackTeamId: teamId, slackUserId: 'UBENCH', organization, member: admin },
      'Bench client',
    );
    return { clientId: issued.client.id, secret: issued.secret };
  } finally {
    await orm.close();
  }
}

/**
 * Runs the benchmark: warm-up then a measured phase against each server, one after the other.
 * @returns printable lines: both servers' req/s, p50 and p99 (ms), the ratio, and PASS/FAIL
 */
export async function benchTokenEndpoint(options: TokenBenchOptions = {}): Promise<{ lines: string[] }> {
  const connections = options.connections ?? 50;
  const warmup = options.warmupSeconds ?? 2;
  const duration = options.durationSeconds ?? 12;
  const rounds = options.rounds ?? 4;
  const dir = mkdtempSync(join(tmpdir(), 'astrobee-token-bench-'));
  const standin = new SlackStandIn({ signingSecret: randomBytes(16).toString('hex') });
  const children: Child[] = [];
  try {
    await standin.start();
    const databaseUrl = `sqlite:${join(dir, 'bench.sqlite')}`;
    const { clientId, secret } = await seed(databaseUrl, standin.team.id);

    const appPort = await freePort();
    const app = startChild(
      'app',
      'src/main.ts',
      {
        SLACK_BOT_TOKEN: standin.botToken,
        SLACK_SIGNING_SECRET: standin.signingSecret,
        SLACK_API_URL: standin.apiUrl,
        PORT: String(appPort),
        DATABASE_URL: databaseUrl,
        PUBLIC_URL: 'https://astrobee.example.com',
        MAIL_DISABLED: 'true',
        LOG_LEVEL: 'warn',
      },
      process.env.TOKEN_BENCH_PROFILE_DIR
        ? ['--cpu-prof', `--cpu-prof-dir=${process.env.TOKEN_BENCH_PROFILE_DIR}`]
        : [],
    );
    children.push(app);
    await waitForHttp(`http://127.0.0.1:${appPort}/healthz`, 30_000, app, [200]);

    const barePort = await freePort();
    const key = randomBytes(32).toString('hex');
    const bare = startChild('bare-hmac', 'test/bench/token-endpoint.ts', {
      BENCH_ROLE: 'bare-hmac',
      PORT: String(barePort),
      HMAC_KEY: key,
    });
    children.push(bare);
    await bare.waitForLine((l) => l === 'READY', 30_000);

    const tokenUrl = `http://127.0.0.1:${appPort}/oauth/token`;
    const tokenHeaders = {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`,
    };
    const tokenBody = 'grant_type=client_credentials';
    const bareUrl = `http://127.0.0.1:${barePort}/`;
    const bareBody = tokenBody;
    const bareHeaders = {
      'content-type': 'application/x-www-form-urlencoded',
      'x-signature': `v0=${createHmac('sha256', Buffer.from(key, 'hex')).update(bareBody).digest('hex')}`,
    };

    const servers = [app.pid, bare.pid];
    const runOurs = (seconds: number) =>
      load(tokenUrl, tokenHeaders, tokenBody, connections, seconds, servers);
    const runBare = (seconds: number) => load(bareUrl, bareHeaders, bareBody, connections, seconds, servers);
    await runOurs(warmup);
    await runBare(warmup);
    const oursRounds: LoadFigures[] = [];
    const bareRounds: LoadFigures[] = [];
    const slice = duration / rounds;
    for (let round = 0; round < rounds; round += 1) {
      if (round % 2 === 0) {
        oursRounds.push(await runOurs(slice));
        bareRounds.push(await runBare(slice));
      } else {
        bareRounds.push(await runBare(slice));
        oursRounds.push(await runOurs(slice));
      }
    }
    const combine = (all: LoadFigures[]): LoadFigures => ({
      requestsPerSecond: all.reduce((sum, f) => sum + f.total, 0) / duration,
      p50Ms: median(all.map((f) => f.p50Ms)),
      p99Ms: median(all.map((f) => f.p99Ms)),
      non2xx: all.reduce((sum, f) => sum + f.non2xx, 0),
      errors: all.reduce((sum, f) => sum + f.errors, 0),
      total: all.reduce((sum, f) => sum + f.total, 0),
      backgroundCores: Math.max(...all.map((f) => f.backgroundCores)),
    });
    const ours = combine(oursRounds);
    const base = combine(bareRounds);
    const ratios = oursRounds.map((f, i) => {
      const b = bareRounds[i]?.requestsPerSecond ?? 0;
      return b > 0 ? f.requestsPerSecond / b : 0;
    });
    const ratio = median(ratios);
    const row = (name: string, f: LoadFigures) =>
      `${name.padEnd(30)} ${f.requestsPerSecond.toFixed(0).padStart(7)} req/s   p50 ${String(f.p50Ms).padStart(4)} ms   ` +
      `p99 ${String(f.p99Ms).padStart(4)} ms   non-2xx ${f.non2xx}   errors ${f.errors}`;
    const ok = ratio >= TARGET_RATIO && ours.non2xx === 0 && ours.errors === 0;
    const background = Math.max(ours.backgroundCores, base.backgroundCores);
    return {
      lines: [
        `${connections} connections, ${warmup} s warm-up each, ${duration} s measured each in ${rounds} alternating rounds, each server in its own process`,
        row('POST /oauth/token (ours)', ours),
        row('bare node http + HMAC check', base),
        `p99 ours ${ours.p99Ms} ms vs bare ${base.p99Ms} ms (medians of the rounds)`,
        `ratio per round ${ratios.map((r) => r.toFixed(2)).join(' ')}`,
        `other processes used up to ${Number.isNaN(background) ? '?' : background.toFixed(2)} cores during a round${background > 0.2 ? ' (a busy machine: figures are noisy)' : ''}`,
        `throughput ratio ours/bare ${ratio.toFixed(2)} (median of the rounds; target ≥ ${TARGET_RATIO}) ${ok ? 'PASS' : 'FAIL'}`,
      ],
    };
  } finally {
    await Promise.all(children.map((c) => c.stop()));
    await standin.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The bare server: 200 when `x-signature` is `v0=<hex HMAC-SHA256 of the body>`, else 401. */
function serveBare(port: number, keyHex: string): void {
  const key = Buffer.from(keyHex, 'hex');
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const expected = Buffer.from(
        `v0=${createHmac('sha256', key).update(Buffer.concat(chunks)).digest('hex')}`,
      );
      const given = Buffer.from(String(req.headers['x-signature'] ?? ''));
      const ok = given.length === expected.length && timingSafeEqual(given, expected);
      res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' });
      res.end(ok ? '{"ok":true}' : '{"ok":false}');
    });
  });
  server.listen(port, '127.0.0.1', () => process.stdout.write('READY\n'));
  process.once('SIGTERM', () => server.close(() => process.exit(0)));
}

const role = process.env.BENCH_ROLE;
if (role === 'bare-hmac') {
  serveBare(Number(process.env.PORT), process.env.HMAC_KEY ?? '');
} else if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop() ?? '\0')) {
  const result = await benchTokenEndpoint();
  for (const line of result.lines) process.stdout.write(`${line}\n`);
}
