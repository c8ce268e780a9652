/**
 * `npm run bench -- --db postgres --instances 1,3` (issue 12 §7): `/org members` and `POST /oauth/token` on our app
 * on SQLite (one instance, the embedded default) and on PostgreSQL with 1 and N instances, beside the bare
 * baselines (a bare Bolt app that only acks; a bare `http` server that checks an HMAC), printed in one table; and
 * the scenario "members-10k-with-writes": `/org members` in an organization of 10,000 members at a steady rate,
 * without and then with another Admin changing a role every second (each write drops the team directory), p99 ack
 * of both and their ratio (target ≤ 1.5).
 *
 * Processes: this runner (autocannon), the Slack side (stand-in + response_url sink), a PostgreSQL server of its own
 * (test/support/postgres-server.ts, one database per configuration), the app instances
 * (test/support/app-instances.ts) and, for more than one instance, the round-robin proxy in a child process of its
 * own (so it does not share the load generator's thread).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { openOrm } from '../../src/adapters.js';
import { ClientsService } from '../../src/domain/clients/clients.service.js';
import { Member } from '../../src/domain/members/member.entity.js';
import { Organization } from '../../src/domain/organizations/organization.entity.js';
import { signSlackRequest } from '../../src/standin/signing.js';
import { type AppInstances, startAppInstances } from '../support/app-instances.js';
import { adminQuery, type PostgresServer, startPostgres } from '../support/postgres-server.js';
import { type Child, freePort, startChild } from './processes.js';
import { seedOrganization } from './seed.js';
import type { SlackSideReady } from './slack-side.js';
import { runLoad, type SignedRequest, signedSlashCommands } from './slash-load.js';

/** Options of {@link benchMatrix}. Seconds unless said. */
export interface MatrixOptions {
  /** Databases besides the SQLite reference: `postgres`. */
  databases: ('sqlite' | 'postgres')[];
  /** Instance counts on PostgreSQL (SQLite runs one). */
  instances: number[];
  /** Which parts: `slack` (members), `token`, `members-10k-with-writes`; all when empty. */
  only: string[];
  durationS: number;
  warmupS: number;
  connections: number;
  /** Commands per second of the members-10k-with-writes scenario. */
  steadyRate: number;
  out: (line?: string) => void;
}

/** Target of issue 12 §7: p99 ack with writes / without ≤ 1.5. */
const TARGET_WRITE_RATIO = 1.5;
const MEMBERS = 1000;
const BIG_ORG = 10_000;
const ADMINS = 10;
const REQUEST_TIMEOUT_S = 10;

/** One row of the table. Latencies in ms. */
interface Row {
  what: string;
  setup: string;
  p50: number;
  p99: number;
  rps: number;
  failed: number;
}

interface Config {
  label: string;
  db: 'sqlite' | 'postgres';
  instances: number;
}

/** The entry point of a set of instances: one instance's URL, or the proxy's in front of several. */
interface Target {
  url: string;
  stop(): Promise<void>;
}

/**
 * Runs the matrix and prints it with `options.out`.
 * @throws Error when a process does not start (the run breaks; measurements never throw)
 */
export async function benchMatrix(options: MatrixOptions): Promise<void> {
  const { out } = options;
  const wants = (part: string) => options.only.length === 0 || options.only.includes(part);
  const dir = mkdtempSync(join(tmpdir(), 'astrobee-matrix-'));
  const children: Child[] = [];
  const signingSecret = randomBytes(16).toString('hex');
  const botToken = `xoxb-bench-${randomBytes(6).toString('hex')}`;
  let postgres: PostgresServer | undefined;
  const rows: Row[] = [];
  try {
    const slackSide = startChild('slack side', 'test/bench/slack-side.ts', {
      SIGNING_SECRET: signingSecret,
      BOT_TOKEN: botToken,
    });
    children.push(slackSide);
    const slack = JSON.parse(
      (await slackSide.waitForLine((l) => l.startsWith('READY '), 30_000)).slice('READY '.length),
    ) as SlackSideReady;
    const needsPostgres = options.databases.includes('postgres');
    if (needsPostgres) postgres = await startPostgres();

    const configs: Config[] = [{ label: 'SQLite ×1', db: 'sqlite', instances: 1 }];
    if (needsPostgres)
      for (const n of options.instances)
        configs.push({ label: `PostgreSQL ×${n}`, db: 'postgres', instances: n });

    let databases = 0;
    const newDatabase = async (db: 'sqlite' | 'postgres'): Promise<string> => {
      databases += 1;
      if (db === 'sqlite') return `sqlite:${join(dir, `bench-${databases}.sqlite`)}`;
      if (!postgres) throw new Error('no PostgreSQL server');
      await adminQuery(postgres.url, `create database bench_${databases}`);
      return postgres.urlOf(`bench_${databases}`);
    };
    const appEnv = (databaseUrl: string) => ({
      SLACK_BOT_TOKEN: botToken,
      SLACK_SIGNING_SECRET: signingSecret,
      SLACK_API_URL: slack.apiUrl,
      DATABASE_URL: databaseUrl,
      PUBLIC_URL: 'https://astrobee.example.com',
      MAIL_DISABLED: 'true',
      LOG_LEVEL: 'warn',
    });
    const startTarget = async (config: Config, databaseUrl: string) => {
      const apps = await startAppInstances(config.instances, appEnv(databaseUrl));
      children.push(...apps.children);
      const target = await entryPoint(apps, children);
      return { apps, target };
    };

    const memberLoad = (users: { slackUserId: string; role: string }[]) =>
      signedSlashCommands({
        signingSecret,
        teamId: slack.teamId,
        callers: callersOf(users),
        responseUrl: slack.sinkUrl,
      });

    // Baselines.
    if (wants('slack') || wants('token')) {
      const barePort = await freePort();
      const bare = startChild('bare app', 'test/bench/bare-app.ts', {
        SLACK_BOT_TOKEN: botToken,
        SLACK_SIGNING_SECRET: signingSecret,
        SLACK_API_URL: slack.apiUrl,
        PORT: String(barePort),
      });
      const hmacPort = await freePort();
      const key = randomBytes(32).toString('hex');
      const hmac = startChild('bare-hmac', 'test/bench/token-endpoint.ts', {
        BENCH_ROLE: 'bare-hmac',
        PORT: String(hmacPort),
        HMAC_KEY: key,
      });
      children.push(bare, hmac);
      await Promise.all([
        bare.waitForLine((l) => l === 'READY', 60_000),
        hmac.waitForLine((l) => l === 'READY', 60_000),
      ]);
      if (wants('slack')) {
        const fake = Array.from({ length: 50 }, (_, i) => ({
          slackUserId: `UBENCH${String(i).padStart(5, '0')}`,
          role: i < 5 ? 'admin' : 'member',
        }));
        out('… bare Bolt app: /org members');
        rows.push(
          await slackRow(
            '/org members',
            'bare Bolt app',
            `http://127.0.0.1:${barePort}`,
            memberLoad(fake),
            options,
          ),
        );
      }
      if (wants('token')) {
        out('… bare http + HMAC');
        const body = 'grant_type=client_credentials';
        const { createHmac } = await import('node:crypto');
        const headers = {
          'content-type': 'application/x-www-form-urlencoded',
          'x-signature': `v0=${createHmac('sha256', Buffer.from(key, 'hex')).update(body).digest('hex')}`,
        };
        rows.push(
          await tokenRow('bare http + HMAC', `http://127.0.0.1:${hmacPort}/`, headers, body, options),
        );
      }
      await Promise.all([bare.stop(), hmac.stop()]);
    }

    if (wants('slack') || wants('token')) {
      for (const config of configs) {
        const databaseUrl = await newDatabase(config.db);
        const users = await seedOrganization(databaseUrl, {
          teamId: slack.teamId,
          memberCount: MEMBERS,
          adminCount: ADMINS,
        });
        const credentials = await seedClient(databaseUrl, slack.teamId, users[0]?.slackUserId ?? '');
        const { apps, target } = await startTarget(config, databaseUrl);
        try {
          if (wants('slack')) {
            out(`… ${config.label}: /org members`);
            rows.push(await slackRow('/org members', config.label, target.url, memberLoad(users), options));
          }
          if (wants('token')) {
            out(`… ${config.label}: POST /oauth/token`);
            const headers = {
              'content-type': 'application/x-www-form-urlencoded',
              authorization: `Basic ${Buffer.from(`${credentials.clientId}:${credentials.secret}`).toString('base64')}`,
            };
            rows.push(
              await tokenRow(
                config.label,
                `${target.url}/oauth/token`,
                headers,
                'grant_type=client_credentials',
                options,
              ),
            );
          }
        } finally {
          await target.stop();
          await apps.stop();
        }
      }
      out();
      out(
        `/org members (${MEMBERS} members) and POST /oauth/token, ${options.connections} connections, ` +
          `${options.warmupS} s warm-up, ${options.durationS} s measured; several instances behind a round-robin proxy`,
      );
      out(
        `${'what'.padEnd(18)} ${'setup'.padEnd(20)} ${'p50'.padStart(9)} ${'p99'.padStart(9)} ${'req/s'.padStart(8)}  failed`,
      );
      for (const r of rows)
        out(
          `${r.what.padEnd(18)} ${r.setup.padEnd(20)} ${ms(r.p50).padStart(9)} ${ms(r.p99).padStart(9)} ` +
            `${r.rps.toFixed(0).padStart(8)}  ${r.failed}`,
        );
      out();
    }

    if (wants('members-10k-with-writes')) {
      const config = configs[configs.length - 1] as Config;
      const databaseUrl = await newDatabase(config.db);
      out(`… members-10k-with-writes on ${config.label}: seeding ${BIG_ORG.toLocaleString('en-US')} members`);
      const users = await seedOrganization(databaseUrl, {
        teamId: slack.teamId,
        memberCount: BIG_ORG,
        adminCount: ADMINS,
      });
      const { apps, target } = await startTarget(config, databaseUrl);
      try {
        const requests = memberLoad(users);
        const steady = (seconds: number) =>
          runLoad(target.url, requests, {
            connections: 10,
            durationS: seconds,
            timeoutS: REQUEST_TIMEOUT_S,
            overallRate: options.steadyRate,
          });
        await steady(options.warmupS);
        const quiet = await steady(options.durationS);
        // Another Admin (the last seeded one) changes a Member's role every second, through the same entry point.
        const writer = users.filter((u) => u.role === 'admin').at(-1)?.slackUserId ?? '';
        const subject = users.filter((u) => u.role === 'member').at(-1)?.slackUserId ?? '';
        let writing = true;
        const writes = { sent: 0, ok: 0, slowestMs: 0 };
        const writeLoop = (async () => {
          for (let i = 0; writing; i += 1) {
            const started = Date.now();
            const { status } = await slashCommand(
              target.url,
              signingSecret,
              slack,
              writer,
              `role <@${subject}> ${i % 2 ? 'member' : 'admin'}`,
            );
            writes.sent += 1;
            if (status === 200) writes.ok += 1;
            writes.slowestMs = Math.max(writes.slowestMs, Date.now() - started);
            await new Promise((r) => setTimeout(r, Math.max(0, 1000 - (Date.now() - started))));
          }
        })();
        const busy = await steady(options.durationS);
        writing = false;
        await writeLoop;
        const ratio = busy.p99 / Math.max(quiet.p99, 1);
        // What a reload of the team directory costs: one role change, then two `/org members` on each instance
        // (straight to it): the first rebuilds the dropped snapshot of 10,000 members, the second is served from it.
        const reloads: { first: number; second: number }[] = [];
        for (const url of apps.urls) {
          await slashCommand(url, signingSecret, slack, writer, `role <@${subject}> admin`);
          await slashCommand(url, signingSecret, slack, writer, `role <@${subject}> member`);
          const first = await slashCommand(url, signingSecret, slack, writer, 'members');
          const second = await slashCommand(url, signingSecret, slack, writer, 'members');
          reloads.push({ first: first.ms, second: second.ms });
        }
        out();
        out(
          `members-10k-with-writes: /org members in an organization of ${BIG_ORG.toLocaleString('en-US')} members, ` +
            `${options.steadyRate} commands/s on 10 connections, ${config.label}`,
        );
        out(
          `  without writes  p50 ${ms(quiet.p50)}  p99 ${ms(quiet.p99)}  slowest ${ms(quiet.max)}  (${quiet.total} acks, ${quiet.non2xx + quiet.errors + quiet.timeouts} failed)`,
        );
        out(
          `  a role change/s p50 ${ms(busy.p50)}  p99 ${ms(busy.p99)}  slowest ${ms(busy.max)}  (${busy.total} acks, ${busy.non2xx + busy.errors + busy.timeouts} failed)`,
        );
        out(`  role changes: ${writes.ok} of ${writes.sent} answered 200, slowest ${ms(writes.slowestMs)}`);
        out(
          `  team directory reload (first /org members after a write, then the next; each instance): ${reloads
            .map((r) => `${ms(r.first)} then ${ms(r.second)}`)
            .join(', ')}`,
        );
        out(
          `  p99 ratio with/without writes ${ratio.toFixed(2)} (target ≤ ${TARGET_WRITE_RATIO}) ${ratio <= TARGET_WRITE_RATIO ? 'PASS' : 'FAIL'}`,
        );
      } finally {
        await target.stop();
        await apps.stop();
      }
    }
  } finally {
    await Promise.all(children.map((c) => c.stop()));
    await postgres?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const ms = (v: number) => `${v.toFixed(v < 10 ? 2 : 1)} ms`;

/** 5 Admins and 45 Members, each asking for a different page of the first 50. */
function callersOf(users: { slackUserId: string; role: string }[]): { userId: string; text: string }[] {
  const admins = users.filter((u) => u.role === 'admin').slice(0, 5);
  const members = users.filter((u) => u.role === 'member');
  const step = Math.max(1, Math.floor(members.length / 45));
  return [...admins, ...members.filter((_, i) => i % step === 0).slice(0, 45)].map((u, i) => ({
    userId: u.slackUserId,
    text: i === 0 ? 'members' : `members ${i + 1}`,
  }));
}

/** One instance is reached directly; several through the round-robin proxy, started as a child process. */
async function entryPoint(apps: AppInstances, children: Child[]): Promise<Target> {
  if (apps.urls.length === 1) return { url: apps.urls[0] as string, stop: async () => {} };
  const port = await freePort();
  const proxy = startChild('proxy', 'test/bench/proxy-process.ts', {
    UPSTREAMS: apps.urls.join(','),
    PORT: String(port),
  });
  children.push(proxy);
  await proxy.waitForLine((l) => l === 'READY', 30_000);
  return { url: `http://127.0.0.1:${port}`, stop: () => proxy.stop() };
}

async function slackRow(
  what: string,
  setup: string,
  url: string,
  requests: SignedRequest[],
  options: MatrixOptions,
): Promise<Row> {
  const load = { connections: options.connections, timeoutS: REQUEST_TIMEOUT_S };
  await runLoad(url, requests, { ...load, durationS: options.warmupS });
  const s = await runLoad(url, requests, { ...load, durationS: options.durationS });
  return { what, setup, p50: s.p50, p99: s.p99, rps: s.rps, failed: s.non2xx + s.errors + s.timeouts };
}

async function tokenRow(
  setup: string,
  url: string,
  headers: Record<string, string>,
  body: string,
  options: MatrixOptions,
): Promise<Row> {
  const run = (duration: number) =>
    autocannon({ url, method: 'POST', headers, body, connections: options.connections, duration });
  await run(options.warmupS);
  const r = await run(options.durationS);
  return {
    what: 'POST /oauth/token',
    setup,
    p50: r.latency.p50,
    p99: r.latency.p99,
    rps: r.requests.average,
    failed: r.non2xx + r.errors + r.timeouts,
  };
}

/**
 * Sends one signed `/org <text>` as `userId` and waits for the acknowledgement.
 * @returns the HTTP status (0 when the request failed) and the milliseconds until the acknowledgement
 */
async function slashCommand(
  baseUrl: string,
  signingSecret: string,
  slack: SlackSideReady,
  userId: string,
  text: string,
): Promise<{ status: number; ms: number }> {
  const body = new URLSearchParams({
    team_id: slack.teamId,
    user_id: userId,
    command: '/org',
    text,
    channel_id: 'C0BENCH',
    api_app_id: 'A0STANDIN',
    response_url: `${slack.sinkUrl}/commands/single`,
    trigger_id: `${Date.now()}.1.single`,
  }).toString();
  const started = performance.now();
  try {
    const res = await fetch(`${baseUrl}/slack/events`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        ...signSlackRequest(signingSecret, body),
      },
      body,
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_S * 1000),
    });
    await res.arrayBuffer();
    return { status: res.status, ms: performance.now() - started };
  } catch {
    return { status: 0, ms: performance.now() - started };
  }
}

/** An API client of the organization of `teamId`, created by its Admin `adminSlackUserId`. */
async function seedClient(
  databaseUrl: string,
  teamId: string,
  adminSlackUserId: string,
): Promise<{ clientId: string; secret: string }> {
  const orm = await openOrm(databaseUrl);
  try {
    const em = orm.em.fork();
    const organization = await em.findOneOrFail(Organization, { slackTeamId: teamId });
    const member = await em.findOneOrFail(Member, { organization, slackUserId: adminSlackUserId });
    const issued = await new ClientsService(em, { now: () => new Date() }).create(
      { slackTeamId: teamId, slackUserId: adminSlackUserId, organization, member },
      'Bench client',
    );
    return { clientId: issued.client.id, secret: issued.secret };
  } finally {
    await orm.close();
  }
}
