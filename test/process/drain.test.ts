/**
 * Issue 13 §2, with real processes and real signals: the bot (`node --import tsx src/main.ts`) in HTTP mode against
 * the Slack stand-in, on a real SQLite file.
 *
 * - SIGTERM while a command's follow-up is slow (`users.info` delayed at the stand-in, after the acknowledgement):
 *   new requests get 503 `{"error":"draining"}` with `Connection: close` and `Retry-After`, the follow-up still
 *   reaches the stand-in through the `response_url`, its write is in the database, and the exit code is 0;
 * - with a `DRAIN_TIMEOUT_MS` shorter than the work: a non-zero exit and a log line naming what was cut off;
 * - an unhandled rejection in a listener (a test-only preload, test/process/listener-crash.preload.ts): logged with
 *   the payload's request id, and a non-zero exit.
 *
 * The three processes start together (one start's cost, not three).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openOrm } from '../../src/adapters.js';
import { createLogger } from '../../src/logger.js';
import { SlackStandIn } from '../../src/standin/index.js';
import { type Child, freePort, startChild, waitForHttp } from '../bench/processes.js';
import { USERS } from '../support/harness.js';
import { type MailSink, mailSink, type SinkBehaviour } from '../support/mail-sink.js';

const { ada, bob } = USERS;

/** One bot process, its stand-in and its SQLite file. */
interface Bot {
  child: Child;
  standin: SlackStandIn;
  url: string;
  file: string;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
}

const dirs: string[] = [];
const bots: Bot[] = [];

async function startBot(env: Record<string, string>, nodeArgs: string[] = []): Promise<Bot> {
  const standin = new SlackStandIn({ signingSecret: randomBytes(16).toString('hex') });
  await standin.start();
  for (const user of Object.values(USERS)) standin.addUser(user);
  const dir = mkdtempSync(join(tmpdir(), 'astrobee-drain-'));
  dirs.push(dir);
  const file = join(dir, 'bot.sqlite');
  const port = await freePort();
  const child = startChild(
    'bot',
    'src/main.ts',
    {
      SLACK_BOT_TOKEN: standin.botToken,
      SLACK_SIGNING_SECRET: standin.signingSecret,
      SLACK_API_URL: standin.apiUrl,
      DATABASE_URL: `sqlite:${file}`,
      PORT: String(port),
      LOG_LEVEL: 'info',
      PUBLIC_URL: 'https://astrobee.example.com',
      MAIL_DISABLED: 'true',
      ...env,
    },
    nodeArgs,
  );
  const exited = new Promise<number | null>((resolve) => child.process.once('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  const bot = { child, standin, url, file, exited };
  bots.push(bot);
  await waitForHttp(`${url}/healthz`, 60_000, child, [200]);
  standin.deliverTo({ kind: 'http', url: `${url}/slack/events` });
  return bot;
}

/** The JSON log lines a process printed. */
function logLines(bot: Bot): Record<string, unknown>[] {
  return bot.child.stdout.flatMap((line) => {
    try {
      return [JSON.parse(line) as Record<string, unknown>];
    } catch {
      return [];
    }
  });
}

/** The organizations' names stored in a bot's SQLite file (read after it exited). */
async function organizationNames(file: string): Promise<string[]> {
  const orm = await openOrm(`sqlite:${file}`, { logger: createLogger('silent') });
  try {
    const rows = await orm.em.getConnection().execute<{ name: string }[]>('select name from organizations');
    return rows.map((r) => r.name);
  } finally {
    await orm.close();
  }
}

describe('graceful drain and crash handling (real processes, real signals)', () => {
  let clean: Bot;
  let cut: Bot;
  let crash: Bot;
  /** The SMTP server of `cut`: it never answers a message's data (the worker holds that mail). */
  let stallingSmtp: MailSink & SinkBehaviour;

  beforeAll(async () => {
    stallingSmtp = await mailSink({ stall: () => true });
    await stallingSmtp.start();
    [clean, cut, crash] = await Promise.all([
      startBot({ DRAIN_TIMEOUT_MS: '15000' }),
      startBot({
        DRAIN_TIMEOUT_MS: '300',
        SMTP_URL: stallingSmtp.url,
        MAIL_FROM: 'AstroBee <no-reply@example.com>',
        MAIL_DISABLED: 'false',
        MAIL_WORKER_INTERVAL_MS: '100',
      }),
      startBot({}, ['--import', 'tsx', '--import', './test/process/listener-crash.preload.ts']),
    ]);
  }, 90_000);

  afterAll(async () => {
    for (const bot of bots) {
      await bot.child.stop(1000);
      await bot.standin.stop();
    }
    await stallingSmtp?.stop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  it('SIGTERM with a slow follow-up in flight: 503 to new requests, the follow-up arrives and is stored, exit 0', {
    timeout: 30_000,
  }, async () => {
    const { standin, child } = clean;
    // The follow-up of `/org setup` (after its acknowledgement) calls users.info first: Slack is slow today.
    standin.addFault({ method: 'users.info', delayMs: 2500, count: 1 });
    const ack = await standin.command(ada.id, 'setup Orbit Analytics');
    expect(ack.status).toBe(200);
    child.process.kill('SIGTERM');
    await child.waitForLine((line) => line.includes('draining: new requests are refused'), 10_000);

    const refused = await fetch(`${clean.url}/healthz`);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('connection')).toBe('close');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await refused.json()).toEqual({ error: 'draining' });
    const lateCommand = await standin.command(ada.id, 'overview');
    expect(lateCommand.status).toBe(503);

    expect(await clean.exited).toBe(0);
    const reply = standin.ephemerals.find((e) => e.user === ada.id && e.text.includes('is set up'));
    expect(reply, 'the follow-up reached the response_url').toBeDefined();
    expect(await organizationNames(clean.file)).toEqual(['Orbit Analytics']);
    expect(logLines(clean).some((l) => l.msg === 'drained: all work in flight finished')).toBe(true);
  });

  it('a deadline shorter than the work: non-zero exit, and a log line naming the payload and the mail cut off', {
    timeout: 30_000,
  }, async () => {
    const { standin, child } = cut;
    expect((await standin.command(ada.id, 'setup Orbit Analytics')).status).toBe(200);
    await standin.waitFor(() => standin.ephemerals.find((e) => e.text.includes('is set up')), 10_000);
    // An invitation whose mail the SMTP server never finishes: the outbox worker holds it.
    expect((await standin.command(ada.id, 'invite invitee@example.com member')).status).toBe(200);
    await standin.waitFor(() => stallingSmtp.stalled.length === 1, 10_000, 'the mail held by the worker');
    // And a command whose follow-up waits on a very slow Slack (users.info for the mention).
    standin.addFault({ method: 'users.info', delayMs: 20_000, count: 1 });
    expect((await standin.command(ada.id, `invite <@${bob.id}> member`)).status).toBe(200);
    child.process.kill('SIGTERM');

    const code = await cut.exited;
    expect(code).not.toBe(0);
    expect(code).not.toBeNull();
    const report = logLines(cut).find((l) => String(l.msg).startsWith('drain deadline passed'));
    expect(report, child.stdout.slice(-5).join('\n')).toMatchObject({
      level: 50,
      payloadsByKind: { command: 1 },
      mailsHeld: 1,
      payloads: [{ kind: 'command' }],
    });
    const requestIds = report?.requestIds as string[];
    expect(requestIds).toHaveLength(1);
    expect(requestIds[0]).toMatch(/^[0-9a-f]{8}$/);
    expect(String(report?.msg)).toContain('cut off 1 payload(s), 1 mail(s) held');
  });

  it('an unhandled rejection in a listener is logged with the request id and ends the process non-zero', {
    timeout: 30_000,
  }, async () => {
    const { standin } = crash;
    expect((await standin.command(ada.id, 'setup Orbit Analytics')).status).toBe(200);

    const code = await crash.exited;
    expect(code).not.toBe(0);
    expect(code).not.toBeNull();
    const lines = logLines(crash);
    const fatal = lines.find((l) => l.event === 'unhandledRejection');
    expect(fatal, crash.child.stdout.slice(-5).join('\n')).toMatchObject({ level: 60 });
    expect(JSON.stringify(fatal?.err)).toContain('simulated listener crash');
    const requestId = fatal?.requestId;
    expect(requestId).toMatch(/^[0-9a-f]{8}$/);
    // The short drain after the crash let the command finish: its listener's log line carries the same request id.
    expect(lines.find((l) => l.msg === 'organization set up')?.requestId).toBe(requestId);
  });
});
