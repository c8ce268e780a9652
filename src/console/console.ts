/**
 * Console mode (DESIGN.md §2 "Console mode"): with no Slack credentials, `npm start` runs the real app in HTTP mode
 * on `PORT`, against the loopback Slack stand-in of `src/standin/`, and lets a person in a terminal — or a script on
 * standard input — play the Slack users of a small workspace. Logs go to a file, not the terminal; mail (invitations)
 * is printed in the terminal instead of being sent.
 */
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import pino from 'pino';
import { startApp } from '../app.js';
import type { Config } from '../config.js';
import { createLogger } from '../logger.js';
import { SlackStandIn } from '../standin/slack-standin.js';
import type { StandInChannelInput, StandInUserInput } from '../standin/types.js';
import { Activity } from './activity.js';
import { parseConsoleLine } from './commands.js';
import { consoleMailSender } from './mail.js';
import { ConsoleSession } from './session.js';
import { Terminal } from './terminal.js';

/**
 * The workspace of console mode. Its ids stay the same from run to run: the database outlives the process, and the
 * organization it holds is bound to this team id and these user ids.
 */
export const CONSOLE_WORKSPACE = {
  team: { id: 'T0CONSOLE', name: 'AstroBee Demo', domain: 'astrobee-demo' },
  botName: 'AstroBee',
  users: [
    { id: 'U0ADA', name: 'ada', realName: 'Ada Lovelace', email: 'ada@example.com', isAdmin: true },
    { id: 'U0BOB', name: 'bob', realName: 'Bob Quill', email: 'bob@example.com' },
    { id: 'U0CLEO', name: 'cleo', realName: 'Cleo Marsh', email: 'cleo@example.com' },
  ] satisfies StandInUserInput[],
  channels: [
    { id: 'C0GENERAL', name: 'general', members: ['U0ADA', 'U0BOB', 'U0CLEO', 'U0BOT'] },
  ] satisfies StandInChannelInput[],
  botUserId: 'U0BOT',
} as const;

/** Where console mode writes its JSON log lines: `console.log` beside the SQLite file, or in the temp directory. */
export function consoleLogFile(databaseUrl: string): string {
  const file = databaseUrl.startsWith('sqlite:') ? databaseUrl.slice('sqlite:'.length) : ':memory:';
  return file === ':memory:' || file === ''
    ? join(tmpdir(), 'astrobee-console.log')
    : join(dirname(file), 'console.log');
}

/**
 * The port to serve on. With `PORT=0` a free port is chosen here, before the app starts, so that links built from
 * the default `PUBLIC_URL` (`http://localhost:<PORT>`, e.g. in invitation mail) point at the port really used.
 */
async function consolePort(config: Config): Promise<number> {
  if (config.port !== 0) return config.port;
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The IANA time zone of this machine, so dates in messages read in local time. */
function localTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

/**
 * Runs console mode until `quit`, `exit` or the end of input, then stops the app, the stand-in and the database.
 *
 * @param config the configuration (`mode` is 'console'; `port`, `databaseUrl` and `logLevel` are used)
 * @param io where lines come from (a TTY gets prompts and questions; piped input is run as a script, each
 *   command's replies printed before the next line is read) and where output goes
 * @returns the process exit code: 0
 * @throws Error when the app cannot start (port taken, database unreadable); nothing is left running then
 */
export async function runConsole(
  config: Config,
  io: { input: NodeJS.ReadableStream; output: NodeJS.WritableStream },
): Promise<number> {
  const logFile = consoleLogFile(config.databaseUrl);
  const destination = pino.destination({ dest: logFile, mkdir: true, sync: true, append: true });
  const logger = createLogger(config.logLevel, destination);
  const { team, users, channels, botName, botUserId } = CONSOLE_WORKSPACE;
  const standin = new SlackStandIn({
    signingSecret: randomBytes(24).toString('hex'),
    team,
    botName,
    botUserId,
    logger: logger.child({ component: 'standin' }),
  });
  await standin.start();
  const tz = localTimeZone();
  for (const user of users) standin.addUser({ ...user, tz });
  for (const channel of channels) standin.addChannel({ ...channel, members: [...channel.members] });

  const interactive = (io.input as { isTTY?: boolean }).isTTY === true;
  const terminal = new Terminal(io.input, io.output, interactive);
  const port = await consolePort(config);
  const appConfig: Config = {
    ...config,
    port,
    publicUrl:
      config.publicUrl === `http://localhost:${config.port}` ? `http://localhost:${port}` : config.publicUrl,
    mode: 'http',
    slack: { botToken: standin.botToken, signingSecret: standin.signingSecret, apiUrl: standin.apiUrl },
  };
  let running: Awaited<ReturnType<typeof startApp>>;
  try {
    running = await startApp(appConfig, {
      logger,
      mailSender: consoleMailSender((lines) => terminal.print(lines)),
    });
  } catch (error) {
    terminal.close();
    await standin.stop();
    destination.end();
    throw error;
  }
  const activity = new Activity();
  running.app.use(async ({ next }) => {
    activity.begin();
    try {
      await next();
    } finally {
      activity.end();
    }
  });
  standin.deliverTo({ kind: 'http', url: `http://127.0.0.1:${running.port}/slack/events` });

  const { outbox } = running;
  const session = new ConsoleSession({
    standin,
    terminal,
    activity,
    actingUserId: 'U0ADA',
    botName,
    // Mail the app queued while answering is sent (printed) at once rather than on the worker's next round.
    ...(outbox ? { afterPayload: () => outbox.drain().then(() => undefined) } : {}),
  });
  standin.on('record', session.onRecord);

  terminal.print([
    `AstroBee Org — console mode: the real app on http://localhost:${running.port}, Slack played by a local stand-in.`,
    `Workspace "${team.name}" (${team.id}) · users ${users.map((u) => u.name).join(', ')} (ada is a workspace admin) · database ${config.databaseUrl}`,
    `Logs: ${logFile}. Acting as ada. Type help for console commands, /org help for the app's.`,
    `Slack stand-in: ${new URL(standin.apiUrl).origin} (fault switches: POST/GET/DELETE ${new URL(standin.apiUrl).origin}/standin/faults).`,
  ]);

  try {
    for (;;) {
      const line = await terminal.read(`${session.actingName}> `);
      if (line === null) break;
      if ((await session.run(parseConsoleLine(line))) === 'quit') break;
    }
  } finally {
    standin.off('record', session.onRecord);
    terminal.close();
    await running.stop();
    await standin.stop();
    // Anything still settling (a Web API call cut short) must not write to the closed log file.
    logger.level = 'silent';
    destination.end();
  }
  if (interactive) io.output.write('Bye.\n');
  return 0;
}
