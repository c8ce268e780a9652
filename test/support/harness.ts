/**
 * The running app in HTTP mode, driven like Slack drives it: the loopback stand-in of Slack's Web API delivers
 * signed payloads to `POST /slack/events` and records every Web API call and `response_url` post. Real migrations
 * on a real SQLite file, real Bolt, real HTTP.
 */
import { randomBytes } from 'node:crypto';
import { createServer as createNetServer } from 'node:net';
import { Writable } from 'node:stream';
import { type RunningApp, startApp } from '../../src/app.js';
import { type Config, loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import type {
  CommandOptions,
  DeliveryResult,
  RecordedEphemeral,
  StandInUserInput,
  StandInWorkspace,
} from '../../src/standin/index.js';
import {
  addToSlackLink,
  type InstallOutcome,
  type InstallTarget,
  installThroughBrowser,
  SlackStandIn,
} from '../../src/standin/index.js';
import { TestClock, type TestDatabase, testDatabase } from './db.js';
import { type MailSink, mailSink } from './mail-sink.js';

export { addToSlackLink, type InstallOutcome };

/** Slack users every harness starts with. Ada is a workspace admin (she runs setup); the others are not. */
export const USERS = {
  ada: { id: 'U0ADA', name: 'ada', realName: 'Ada Lovelace', email: 'ada@example.com', isAdmin: true },
  bob: { id: 'U0BOB', name: 'bob', realName: 'Bob Quill', email: 'bob@example.com' },
  cleo: { id: 'U0CLEO', name: 'cleo', realName: 'Cleo Marsh', email: 'cleo@example.com' },
  eve: { id: 'U0EVE', name: 'eve', realName: 'Eve Outsider', email: 'eve@example.com' },
} satisfies Record<string, StandInUserInput>;

export interface HarnessOptions {
  /** Extra Slack users (beside {@link USERS}). */
  users?: StandInUserInput[];
  /** Extra or overriding environment variables for `loadConfig`. */
  env?: Record<string, string>;
  clock?: TestClock;
  /**
   * Distribution mode: the app is registered with the stand-in's OAuth (`oauthApp`) and runs with client
   * credentials instead of a bot token; workspaces are installed with {@link Harness.install}. The app listens on
   * a port chosen up front so that `PUBLIC_URL` (the OAuth redirect) names it.
   */
  distribution?: { tokenRotation?: boolean; tokenLifetimeSeconds?: number };
}

/** The OAuth app the distribution harness registers (invented credentials). */
export const OAUTH_APP = {
  clientId: '1111111111.2222222222',
  clientSecret: 'client-secret-example-0123456789',
  stateSecret: 'state-secret-example-0123456789abcdef',
  installationKey: 'installation-key-example-0123456789abcdef',
};

/** A TCP port free right now on 127.0.0.1. */
async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}

export interface Harness {
  standin: SlackStandIn;
  app: RunningApp;
  config: Config;
  clock: TestClock;
  /** Base URL of the app's HTTP server (`/slack/events`, `/healthz`, …). */
  url: string;
  /** The app's database (SQLite file or PostgreSQL database, per the test project). */
  db: TestDatabase;
  /** Every JSON log line written so far, as one string. */
  logs(): string;
  /** A fresh EntityManager fork for assertions on the database. */
  em(): RunningApp['orm']['em'];
  /** Sends `/org <text>` as `userId` and returns the ack. */
  command(userId: string, text: string, options?: CommandOptions): Promise<DeliveryResult>;
  /**
   * Sends `/org <text>` as `userId` and returns the reply the user sees: the ephemeral answer in the ack, or the
   * first ephemeral posted to the command's `response_url`.
   */
  ask(userId: string, text: string, options?: CommandOptions): Promise<RecordedEphemeral>;
  /**
   * As {@link ask}, in workspace `ws` (a handle from `standin.addWorkspace`), and returns the text the user sees
   * (see {@link visibleText}).
   */
  askIn(ws: StandInWorkspace, userId: string, text: string): Promise<string>;
  /** Runs `/org setup <name>` as Ada and returns the reply. */
  setupOrganization(name?: string): Promise<RecordedEphemeral>;
  /**
   * Distribution mode: installs the app as a browser would — `GET /slack/install` (keeps its state cookie), follows
   * the "Add to Slack" link to the stand-in's authorize page for `target` (a workspace, or an enterprise for an
   * org-wide install) as `userId`, then follows the redirect back to `GET /slack/oauth_redirect`.
   */
  install(target: InstallTarget, userId: string): Promise<InstallOutcome>;
  /** Stops the app and starts it again on the same database file (a restart). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts the stand-in and the app (HTTP mode, port 0) on a fresh database (see `testDatabase`). */
export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const clock = options.clock ?? new TestClock(new Date());
  const standin = new SlackStandIn({ signingSecret: randomBytes(16).toString('hex') });
  await standin.start();
  for (const user of [...Object.values(USERS), ...(options.users ?? [])]) standin.addUser(user);

  const db = await testDatabase();
  let distributionEnv: Record<string, string> = {};
  if (options.distribution) {
    const port = await freePort();
    const publicUrl = `http://127.0.0.1:${port}`;
    standin.oauthApp({
      clientId: OAUTH_APP.clientId,
      clientSecret: OAUTH_APP.clientSecret,
      redirectUri: `${publicUrl}/slack/oauth_redirect`,
      ...(options.distribution.tokenRotation ? { tokenRotation: true } : {}),
      ...(options.distribution.tokenLifetimeSeconds
        ? { tokenLifetimeSeconds: options.distribution.tokenLifetimeSeconds }
        : {}),
    });
    distributionEnv = {
      SLACK_BOT_TOKEN: '',
      SLACK_CLIENT_ID: OAUTH_APP.clientId,
      SLACK_CLIENT_SECRET: OAUTH_APP.clientSecret,
      SLACK_STATE_SECRET: OAUTH_APP.stateSecret,
      SLACK_AUTHORIZE_URL: standin.authorizeUrl,
      INSTALLATION_KEY: OAUTH_APP.installationKey,
      PORT: String(port),
      PUBLIC_URL: publicUrl,
    };
  }
  const config = loadConfig({
    SLACK_BOT_TOKEN: standin.botToken,
    SLACK_SIGNING_SECRET: standin.signingSecret,
    SLACK_API_URL: standin.apiUrl,
    PORT: '0',
    DATABASE_URL: db.url,
    PUBLIC_URL: 'http://127.0.0.1:3000',
    LOG_LEVEL: 'debug',
    // Mail is off on purpose unless the test brings an SMTP sink (then the outbox worker sends to it).
    ...(options.env?.SMTP_URL ? { MAIL_FROM: 'AstroBee <no-reply@example.com>' } : { MAIL_DISABLED: 'true' }),
    ...distributionEnv,
    ...options.env,
  });

  const chunks: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk.toString('utf8'));
      done();
    },
  });
  const logger = createLogger(config.logLevel, sink);

  let app = await startApp(config, { logger, clock });
  const point = () => standin.deliverTo({ kind: 'http', url: `http://127.0.0.1:${app.port}/slack/events` });
  point();

  const harness: Harness = {
    standin,
    get app() {
      return app;
    },
    config,
    clock,
    get url() {
      return `http://127.0.0.1:${app.port}`;
    },
    db,
    logs: () => chunks.join(''),
    em: () => app.orm.em.fork(),
    command: (userId, text, opts) => standin.command(userId, text, opts),
    ask: (userId, text, opts) => replyTo(standin, userId, text, () => standin.command(userId, text, opts)),
    askIn: async (ws, userId, text) =>
      visibleText(await replyTo(standin, userId, text, () => ws.command(userId, text))),
    setupOrganization: (name = 'Orbit Analytics') => harness.ask(USERS.ada.id, `setup ${name}`),
    install: (target, userId) =>
      installThroughBrowser(standin, { installUrl: `${harness.url}/slack/install`, target, userId }),
    async restart() {
      await app.stop();
      app = await startApp(config, { logger, clock });
      point();
    },
    async stop() {
      await app.stop();
      await standin.stop();
      await db.drop();
    },
  };
  return harness;
}

/**
 * Sends a command with `send` and returns the reply `userId` sees: the ephemeral answer in the ack, or the first
 * ephemeral posted to the command's `response_url`.
 * @throws Error when the app answers other than 200, or no reply comes within 5 s
 */
async function replyTo(
  standin: SlackStandIn,
  userId: string,
  text: string,
  send: () => Promise<DeliveryResult>,
): Promise<RecordedEphemeral> {
  const before = new Set(standin.ephemerals);
  const ack = await send();
  if (ack.status !== 200) throw new Error(`/org ${text} was answered ${ack.status}: ${ack.body}`);
  return standin.waitFor(
    () => standin.ephemerals.find((e) => e.user === userId && !before.has(e)),
    5000,
    `a reply to /org ${text}`,
  );
}

/** All the text a user sees in a message: `text` plus every string inside its blocks. */
export function visibleText(message: { text: string; blocks: unknown[] }): string {
  const out: string[] = [message.text];
  const walk = (node: unknown): void => {
    if (typeof node === 'string') out.push(node);
    else if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') Object.values(node).forEach(walk);
  };
  walk(message.blocks);
  return out.join('\n');
}

/** Another app process on a harness's database and stand-in: one of several instances behind a load balancer. */
export interface Instance {
  app: RunningApp;
  /** Base URL of its HTTP server. */
  url: string;
  /** Every JSON log line it wrote so far, as one string. */
  logs(): string;
  /** Makes the stand-in deliver Slack payloads to this instance (until another is aimed at). */
  aim(): void;
  stop(): Promise<void>;
}

/**
 * Starts another instance of the app on `h`'s configuration, database and clock (its own ORM, port and logs), as a
 * second process would be. The harness's own app is `instanceOf(h)`. Stop it before `h.stop()`.
 */
export async function startInstance(h: Harness): Promise<Instance> {
  const chunks: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk.toString('utf8'));
      done();
    },
  });
  const config = { ...h.config, port: 0 };
  const app = await startApp(config, { logger: createLogger(config.logLevel, sink), clock: h.clock });
  return instanceAt(
    h.standin,
    app,
    () => chunks.join(''),
    () => app.stop(),
  );
}

/** The harness's own app as an {@link Instance} (its `stop` is `h.stop`'s business, so it does nothing). */
export function instanceOf(h: Harness): Instance {
  return instanceAt(
    h.standin,
    h.app,
    () => h.logs(),
    async () => {},
  );
}

function instanceAt(
  standin: SlackStandIn,
  app: RunningApp,
  logs: () => string,
  stop: () => Promise<void>,
): Instance {
  const url = `http://127.0.0.1:${app.port}`;
  return {
    app,
    url,
    logs,
    aim: () => standin.deliverTo({ kind: 'http', url: `${url}/slack/events` }),
    stop,
  };
}

/**
 * A harness whose mail goes to a real SMTP sink, with the organization `organization` set up. The outbox worker's
 * own timer is off (an hour): tests send the queued mail with `h.app.outbox?.drain()`.
 * Stop both with {@link stopHarnessWithMail}.
 */
export async function startHarnessWithMail(
  organization = 'Orbit Analytics',
): Promise<{ h: Harness; sink: MailSink }> {
  const sink = await mailSink();
  await sink.start();
  const h = await startHarness({ env: { SMTP_URL: sink.url, MAIL_WORKER_INTERVAL_MS: '3600000' } });
  await h.setupOrganization(organization);
  return { h, sink };
}

/** Stops what {@link startHarnessWithMail} started (either may be undefined after a failed start). */
export async function stopHarnessWithMail(h: Harness | undefined, sink: MailSink | undefined): Promise<void> {
  await h?.stop();
  await sink?.stop();
}

/**
 * The SQL the app sends while `work` runs and the payloads it caused are handled (`lifecycle.idle()`), through the
 * ORM connection's `query` event; the delivery worker's own rows (`slack_deliveries`) are left out.
 */
export async function queriesDuring(h: Harness, work: () => Promise<unknown>): Promise<string[]> {
  await h.app.deliveries.drain();
  const knex = h.app.orm.em.getConnection().getKnex();
  const seen: string[] = [];
  const listener = (q: { sql: string }) => seen.push(q.sql);
  knex.on('query', listener);
  try {
    await work();
    await h.app.lifecycle.idle();
  } finally {
    knex.removeListener('query', listener);
  }
  return seen.filter((sql) => !sql.includes('slack_deliveries'));
}
