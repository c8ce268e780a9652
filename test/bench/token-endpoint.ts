/**
 * Benchmark of `POST /oauth/token` (issue 4 §7): client-credentials token requests at 50 concurrent connections
 * against our app (`node --import tsx src/main.ts`, HTTP mode, temp SQLite file), and in the same run against a bare
 * Node `http` server that checks an HMAC-SHA256 of the body and answers 200 — the floor of what any HTTP endpoint
 * that authenticates a request can cost here. Each target runs in its own child process; autocannon runs here.
 *
 * `benchTokenEndpoint()` returns the figures as lines: requests/s and p50/p99 latency of each, the throughput ratio
 * ours/bare and PASS/FAIL against the target (ratio ≥ 0.5). Run alone with `npx tsx test/bench/token-endpoint.ts`.
 *
 * Run with `BENCH_ROLE=bare-hmac PORT=<n> HMAC_KEY=<hex>` this file is the bare server itself (prints READY).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { initOrm } from '../../src/db/orm.js';
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
  durationSeconds?: number;
}

/** Figures of one autocannon run. */
export interface LoadFigures {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
}

async function load(
  url: string,
  headers: Record<string, string>,
  body: string,
  connections: number,
  seconds: number,
): Promise<LoadFigures> {
  const result = await autocannon({ url, method: 'POST', headers, body, connections, duration: seconds });
  return {
    requestsPerSecond: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}

/** Seeds an organization, its admin and one API client; returns the client's credentials. */
async function seed(databaseUrl: string, teamId: string): Promise<{ clientId: string; secret: string }> {
  const orm = await initOrm(databaseUrl);
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
  const duration = options.durationSeconds ?? 10;
  const dir = mkdtempSync(join(tmpdir(), 'astrobee-token-bench-'));
  const standin = new SlackStandIn({ signingSecret: randomBytes(16).toString('hex') });
  const children: Child[] = [];
  try {
    await standin.start();
    const databaseUrl = `sqlite:${join(dir, 'bench.sqlite')}`;
    const { clientId, secret } = await seed(databaseUrl, standin.team.id);

    const appPort = await freePort();
    const app = startChild('app', 'src/main.ts', {
      SLACK_BOT_TOKEN: standin.botToken,
      SLACK_SIGNING_SECRET: standin.signingSecret,
      SLACK_API_URL: standin.apiUrl,
      PORT: String(appPort),
      DATABASE_URL: databaseUrl,
      LOG_LEVEL: 'warn',
    });
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

    await load(tokenUrl, tokenHeaders, tokenBody, connections, warmup);
    const ours = await load(tokenUrl, tokenHeaders, tokenBody, connections, duration);
    await load(bareUrl, bareHeaders, bareBody, connections, warmup);
    const base = await load(bareUrl, bareHeaders, bareBody, connections, duration);

    const ratio = base.requestsPerSecond > 0 ? ours.requestsPerSecond / base.requestsPerSecond : 0;
    const row = (name: string, f: LoadFigures) =>
      `${name.padEnd(30)} ${f.requestsPerSecond.toFixed(0).padStart(7)} req/s   p50 ${String(f.p50Ms).padStart(4)} ms   ` +
      `p99 ${String(f.p99Ms).padStart(4)} ms   non-2xx ${f.non2xx}   errors ${f.errors}`;
    const ok = ratio >= TARGET_RATIO && ours.non2xx === 0 && ours.errors === 0;
    return {
      lines: [
        `${connections} connections, ${warmup} s warm-up, ${duration} s measured, each server in its own process`,
        row('POST /oauth/token (ours)', ours),
        row('bare node http + HMAC check', base),
        `p99 ours ${ours.p99Ms} ms vs bare ${base.p99Ms} ms`,
        `throughput ratio ours/bare ${ratio.toFixed(2)} (target ≥ ${TARGET_RATIO}) ${ok ? 'PASS' : 'FAIL'}`,
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
