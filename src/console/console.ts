/**
 * Console mode (DESIGN.md §2 "Console mode"): with no Slack credentials, `npm start` runs the real app in HTTP mode
 * on `PORT` — in distribution mode, installed in two workspaces — against the loopback Slack stand-in of
 * `src/standin/`, and lets a person in a terminal — or a script on standard input — play the Slack users of both.
 * Logs go to a file, not the terminal; mail (invitations) is printed in the terminal instead of being sent.
 */
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import pino from 'pino';
import { installUrls, startApp } from '../app.js';
import type { Config } from '../config.js';
import { databaseKind, withoutPassword } from '../db/orm.js';
import { createLogger } from '../logger.js';
import { installThroughBrowser } from '../standin/browser-install.js';
import { SlackStandIn } from '../standin/slack-standin.js';
import type { StandInChannelInput, StandInUserInput } from '../standin/types.js';
import { Activity } from './activity.js';
import { parseConsoleLine } from './commands.js';
import { consoleMailSender } from './mail.js';
import { ConsoleSession } from './session.js';
import { Terminal } from './terminal.js';

/** A workspace the console plays: its team, bot user, people and channels, and who installs the app there. */
export interface ConsoleWorkspace {
  readonly team: { readonly id: string; readonly name: string; readonly domain: string };
  readonly botUserId: string;
  readonly users: readonly StandInUserInput[];
  readonly channels: readonly StandInChannelInput[];
  /** The workspace admin who clicks "Allow" when the console installs the app at start. */
  readonly installer: string;
}

/**
 * The first workspace of console mode. Its ids stay the same from run to run: the database outlives the process, and
 * the organization it holds is bound to this team id and these user ids.
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
  installer: 'U0ADA',
} as const;

/** The second workspace of console mode (`as nia` acts there); fixed ids, as for the first. */
export const NEBULA_WORKSPACE = {
  team: { id: 'T0NEBULA', name: 'Nebula Works', domain: 'nebula-works' },
  users: [
    { id: 'U0NIA', name: 'nia', realName: 'Nia Okafor', email: 'nia@nebula.example.com', isAdmin: true },
    { id: 'U0NED', name: 'ned', realName: 'Ned Varga', email: 'ned@nebula.example.com' },
  ] satisfies StandInUserInput[],
  channels: [
    { id: 'C0NEBGENERAL', name: 'general', members: ['U0NIA', 'U0NED', 'U0NEBBOT'] },
  ] satisfies StandInChannelInput[],
  botUserId: 'U0NEBBOT',
  installer: 'U0NIA',
} as const satisfies ConsoleWorkspace;

/** The workspaces of console mode, in the order the banner and `users` list them. */
export const CONSOLE_WORKSPACES: readonly ConsoleWorkspace[] = [CONSOLE_WORKSPACE, NEBULA_WORKSPACE];

/**
 * The key that seals the installations' bot tokens in the console's database. Console-only demo material, not a
 * secret: the tokens it seals are the stand-in's, which die with the process (each start installs again). It is
 * fixed because the database outlives the process: at start the app re-seals every stored token that another key
 * sealed, and stops at one that no key of its ring opens.
 */
export const CONSOLE_INSTALLATION_KEY =
  'console-demo-installation-key-not-a-secret-use-only-with-the-stand-in';

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

/** Digits, as Slack's client ids have them (`1234567890.1234567890`). */
function digits(count: number): string {
  return Array.from(randomBytes(count), (b) => String(b % 10)).join('');
}

/** `ada, bob, cleo (ada is a workspace admin)` */
function describePeople(workspace: ConsoleWorkspace): string {
  const admins = workspace.users.filter((u) => u.isAdmin).map((u) => u.name);
  const names = workspace.users.map((u) => u.name).join(', ');
  if (admins.length === 0) return names;
  return `${names} (${admins.join(', ')} ${admins.length === 1 ? 'is a workspace admin' : 'are workspace admins'})`;
}

/**
 * Adds the console's workspaces to the stand-in (the first is its default workspace), their people in this
 * machine's time zone.
 */
function populate(standin: SlackStandIn, botName: string): void {
  const tz = localTimeZone();
  for (const workspace of CONSOLE_WORKSPACES) {
    const handle =
      workspace.team.id === standin.team.id
        ? standin.defaultWorkspace
        : standin.addWorkspace({ team: workspace.team, botUserId: workspace.botUserId, botName });
    for (const user of workspace.users) handle.addUser({ ...user, tz });
    for (const channel of workspace.channels)
      handle.addChannel({ ...channel, members: [...channel.members] });
  }
}

/**
 * Installs the app in every console workspace through the real install flow over HTTP (the app's install page,
 * the stand-in's authorize page, the app's OAuth redirect), as each workspace's admin. An installation stored by
 * an earlier run is installed again: its row is updated with the new (stand-in) token.
 * @throws Error naming the workspace when an install does not end on the app's success page
 */
async function installEverywhere(standin: SlackStandIn, appPort: number): Promise<void> {
  const installUrl = new URL(installUrls(`http://127.0.0.1:${appPort}`).installPage);
  for (const workspace of CONSOLE_WORKSPACES) {
    const outcome = await installThroughBrowser(standin, {
      installUrl: installUrl.toString(),
      target: { team: workspace.team.id },
      userId: workspace.installer,
    }).catch((error: unknown) => {
      throw new Error(
        `The app could not be installed in "${workspace.team.name}": ${error instanceof Error ? error.message : String(error)} ` +
          '(Slack sends the browser back to PUBLIC_URL/slack/oauth_redirect: if PUBLIC_URL is set, it must reach this app.)',
      );
    });
    if (outcome.status !== 200) {
      const text = outcome.html
        .replace(/<[^>]+>/g, ' ')
        .replace(/\s+/g, ' ')
        .trim();
      throw new Error(
        `The app could not be installed in "${workspace.team.name}" (HTTP ${outcome.status}): ${text}`,
      );
    }
  }
}

/**
 * Runs console mode until `quit`, `exit` or the end of input, then stops the app, the stand-in and the database,
 * and prints `Bye.` (on a terminal and through a pipe alike).
 *
 * The app runs in distribution mode, as a Slack app installed by many workspaces: the stand-in registers its OAuth
 * settings, and each console workspace ({@link CONSOLE_WORKSPACES}) installs it at start through the real install
 * flow; tokens are sealed with {@link CONSOLE_INSTALLATION_KEY} (`INSTALLATION_KEY` is not used).
 *
 * @param config the configuration (`mode` is 'console'; `port`, `databaseUrl`, `publicUrl` and `logLevel` are used)
 * @param io where lines come from (a TTY gets prompts and questions; piped input is run as a script, each
 *   command's replies printed before the next line is read) and where output goes
 * @returns the process exit code: 0; 1 at once, with what to set, when `databaseUrl` is PostgreSQL (console mode
 *   never writes its demo workspaces into a database that real installations may use)
 * @throws Error when the app cannot start (port taken, database unreadable) or cannot be installed in a workspace;
 *   nothing is left running then
 */
export async function runConsole(
  config: Config,
  io: { input: NodeJS.ReadableStream; output: NodeJS.WritableStream },
): Promise<number> {
  if (databaseKind(config.databaseUrl) === 'postgresql') {
    // Console mode writes demo workspaces and their installations: never into a database real installations use.
    // A PostgreSQL URL with no Slack variables is most likely a server whose Slack settings were forgotten.
    io.output.write(
      `Console mode runs on SQLite only, and DATABASE_URL is ${withoutPassword(config.databaseUrl)}.\n` +
        'To serve Slack, set SLACK_SIGNING_SECRET with SLACK_BOT_TOKEN (or SLACK_CLIENT_ID, SLACK_CLIENT_SECRET and\n' +
        'SLACK_STATE_SECRET), or SLACK_APP_TOKEN for Socket Mode. To try the console, leave DATABASE_URL unset.\n',
    );
    return 1;
  }
  const logFile = consoleLogFile(config.databaseUrl);
  const destination = pino.destination({ dest: logFile, mkdir: true, sync: true, append: true });
  const logger = createLogger(config.logLevel, destination);
  const { team, botName, botUserId } = CONSOLE_WORKSPACE;
  const standin = new SlackStandIn({
    signingSecret: randomBytes(24).toString('hex'),
    team,
    botName,
    botUserId,
    logger: logger.child({ component: 'standin' }),
  });
  await standin.start();
  populate(standin, botName);

  const interactive = (io.input as { isTTY?: boolean }).isTTY === true;
  const terminal = new Terminal(io.input, io.output, interactive);
  const port = await consolePort(config);
  const publicUrl =
    config.publicUrl === `http://localhost:${config.port}` ? `http://localhost:${port}` : config.publicUrl;
  // The app's OAuth settings, as Slack's app settings page would hold them; new each run, like the stand-in.
  const oauth = {
    clientId: `${digits(10)}.${digits(13)}`,
    clientSecret: randomBytes(16).toString('hex'),
    stateSecret: randomBytes(24).toString('hex'),
    authorizeUrl: standin.authorizeUrl,
  };
  standin.oauthApp({
    clientId: oauth.clientId,
    clientSecret: oauth.clientSecret,
    redirectUri: installUrls(publicUrl).redirect,
  });
  const appConfig: Config = {
    ...config,
    port,
    publicUrl,
    mode: 'http',
    slack: { signingSecret: standin.signingSecret, apiUrl: standin.apiUrl, oauth },
    installationKeys: [CONSOLE_INSTALLATION_KEY],
  };
  let running: Awaited<ReturnType<typeof startApp>> | undefined;
  const shutDown = async (): Promise<void> => {
    terminal.close();
    await running?.stop();
    await standin.stop();
    // Anything still settling (a Web API call cut short) must not write to the closed log file.
    logger.level = 'silent';
    destination.end();
  };
  try {
    running = await startApp(appConfig, {
      logger,
      mailSender: consoleMailSender((lines) => terminal.print(lines)),
    });
    await installEverywhere(standin, running.port);
  } catch (error) {
    await shutDown();
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
    actingUserId: CONSOLE_WORKSPACE.installer,
    botName,
    // Mail the app queued while answering is sent (printed) at once rather than on the worker's next round.
    ...(outbox ? { afterPayload: () => outbox.drain().then(() => undefined) } : {}),
  });
  standin.on('record', session.onRecord);

  const [first, ...others] = CONSOLE_WORKSPACES;
  terminal.print([
    `AstroBee Org — console mode: the real app on http://localhost:${running.port}, Slack played by a local stand-in.`,
    ...CONSOLE_WORKSPACES.map(
      (w) => `Workspace "${w.team.name}" (${w.team.id}) · users ${describePeople(w)}`,
    ),
    `The app is installed in ${CONSOLE_WORKSPACES.length === 2 ? 'both' : 'each'} through Slack's OAuth flow. Database ${withoutPassword(config.databaseUrl)}. Logs: ${logFile}.`,
    `Acting as ${session.actingName} in "${first?.team.name}"${others.map((w) => `; as ${w.users.find((u) => u.id === w.installer)?.name} acts in "${w.team.name}"`).join('')}. Type help for console commands, /org help for the app's.`,
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
    await shutDown();
  }
  // The same goodbye on a terminal and through a pipe, so a script's transcript shows that the session ended.
  io.output.write('Bye.\n');
  return 0;
}
