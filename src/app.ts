/**
 * The composition root for HTTP and Socket Mode: opens the database (running migrations), builds the Bolt app with
 * its receiver, registers the middleware and listeners, and starts it.
 */
import { App, type Receiver, SocketModeReceiver } from '@slack/bolt';
import { WebClient, type WebClientOptions } from '@slack/web-api';
import { openOrm, standardPorts, teamDirectoryOn } from './adapters.js';
import type { Config } from './config.js';
import { clientChangesOf, PostgresChangeListener } from './db/change-notifications.js';
import { eventReceiptStore } from './db/event-receipts.js';
import { withNamedLock } from './db/named-lock.js';
import { kindOf, type Orm } from './db/orm.js';
import { RetentionJob } from './db/retention.js';
import { type Clock, systemClock } from './domain/actor.js';
import { invitationSettingsFrom } from './domain/invitations/settings.js';
import { proxyTrust } from './http/oauth/http-util.js';
import type { ReadinessCheck } from './http/readyz.js';
import { httpRoutes } from './http/routes.js';
import { type AppServer, startAppServer } from './http/server.js';
import { KeyRing } from './lib/key-ring.js';
import { countByKind, type DrainReport, DrainState } from './lifecycle/drain.js';
import { type Logger, toSlackLogger } from './logger.js';
import { type MailSender, SmtpMailSender } from './mail/mail-sender.js';
import { OutboxWorker } from './mail/outbox-worker.js';
import { outboxBacklogs } from './observability/backlog.js';
import { AppMetrics } from './observability/metrics.js';
import { type OrgContext, payloadIdentity, requestContextMiddleware } from './slack/context.js';
import { DELIVER_WAIT_MS, SlackDeliveryWorker } from './slack/deliveries/worker.js';
import { SlackHttpEdge } from './slack/edge/http-edge.js';
import { SlackSocketEdge } from './slack/edge/socket-edge.js';
import { createErrorHandler } from './slack/error-handler.js';
import { eventReceiptsMiddleware } from './slack/event-receipts.js';
import {
  INSTALL_PATH,
  installPage,
  installRoutes,
  REDIRECT_PATH,
} from './slack/installations/install-routes.js';
import { DatabaseInstallationStore } from './slack/installations/installation-store.js';
import {
  InstallationAccess,
  manifestBotScopes,
  type SlackAccess,
  staticTokenAccess,
} from './slack/installations/slack-access.js';
import { mailFailedNotifier } from './slack/notifications/mail-failed.js';
import { NudgeJob } from './slack/nudges/nudge-job.js';
import { registerListeners } from './slack/register.js';

/** The key ring purpose of installation tokens (a key derived for it serves nothing else). */
const INSTALLATION_TOKEN_PURPOSE = 'slack-installation-token';

/** Milliseconds the server, change listener and ORM get to close after a drain cut work off. */
const CUT_OFF_CLOSE_MS = 2000;

/** A started app. */
export interface RunningApp {
  app: App<OrgContext>;
  orm: Orm;
  /** The HTTP port actually bound (useful with PORT=0). */
  port: number;
  /** The mail outbox worker (tests call `outbox.drain()`); null when there is no way to send mail. */
  outbox: OutboxWorker | null;
  /** The Slack delivery worker (messages and views promised by changes; tests call `deliveries.drain()`). */
  deliveries: SlackDeliveryWorker;
  /** How the bot reaches Slack: a static token, or the installations (distribution mode). */
  access: SlackAccess;
  /** The retention job (tests call `retention.runOnce()`). */
  retention: RetentionJob;
  /** The hygiene nudges job (tests call `nudges.runOnce()`); not started when `NUDGES_ENABLED=false`. */
  nudges: NudgeJob;
  /** PostgreSQL: the connection listening for other instances' writes (tests end it); undefined on SQLite. */
  changes?: PostgresChangeListener;
  /**
   * The drain state: `isDraining()` (for `GET /readyz` and the HTTP server's 503 gate) and the Slack payloads in
   * flight.
   */
  lifecycle: DrainState;
  /** Stops at once: the workers finish the row they hold, requests in progress get 2 s; payloads are not awaited. */
  /** The app's own metrics registry (served at `GET /metrics`). */
  metrics: AppMetrics;
  stop(): Promise<void>;
  /**
   * Drains, then stops (SIGTERM, SIGINT): new HTTP requests are answered 503 and Socket Mode disconnects; the Slack
   * payloads in flight are finished, including their listeners' work after the acknowledgement; then the Slack
   * delivery worker finishes its current delivery and the mail outbox worker the mail it holds (neither claims
   * another: the rest stays queued); then the server, the change listener and the ORM (when startApp opened it) are
   * closed. Never rejects.
   * @param deadlineMs milliseconds the work in flight may take; past it, what is unfinished is logged at error and
   *   reported, and everything is closed anyway
   * @returns whether the drain was clean, how long it took, and what was cut off
   */
  drain(deadlineMs: number): Promise<DrainReport>;
}

/**
 * Web API options for calls made while a user waits: few retries, a timeout, and a 429 answered at once rather
 * than pausing the whole queue (`@slack/web-api` defaults: 10 retries over ~30 minutes, no timeout).
 */
export function webClientOptions(apiUrl: string): WebClientOptions {
  return {
    slackApiUrl: apiUrl,
    retryConfig: { retries: 2, factor: 2, minTimeout: 250, maxTimeout: 2000 },
    timeout: 10_000,
    rejectRateLimitedCalls: true,
  };
}

/**
 * Web API options of the Slack delivery worker: no retries inside the client and a 429 answered at once, so the
 * worker itself schedules the next attempt (after `Retry-After`, or with backoff) without holding anyone up.
 */
export function deliveryClientOptions(apiUrl: string): WebClientOptions {
  return { ...webClientOptions(apiUrl), retryConfig: { retries: 0 } };
}

/**
 * Distribution mode's two pages for a `PUBLIC_URL`: the install page ("Add to Slack") and the OAuth redirect, which
 * Slack's app settings must list as a redirect URL (docs.slack.dev/authentication/installing-with-oauth).
 * @param publicUrl the app's public base URL, without a trailing slash
 */
export function installUrls(publicUrl: string): { installPage: string; redirect: string } {
  return { installPage: `${publicUrl}${INSTALL_PATH}`, redirect: `${publicUrl}${REDIRECT_PATH}` };
}

/** Milliseconds a successful `auth.test` of the readiness check is trusted before it is made again. */
export const SLACK_READINESS_TTL_MS = 30_000;

/**
 * The readiness check of a static bot token: `auth.test` answers ok (docs.slack.dev/reference/methods/auth.test).
 * A success is trusted for {@link SLACK_READINESS_TTL_MS} of `clock` time, so frequent probes cost Slack one call
 * per period; a failure is not kept, and the next probe asks again.
 */
function slackTokenCheck(client: WebClient, clock: Clock): ReadinessCheck {
  let okUntil = 0;
  return async () => {
    const now = clock.now().getTime();
    if (now < okUntil) return;
    await client.auth.test();
    okUntil = now + SLACK_READINESS_TTL_MS;
  };
}

/**
 * Builds and starts the bot in HTTP mode or Socket Mode (`config.mode`).
 * @param deps `logger` (root), `clock` (tests move it), `orm` (an open ORM to reuse; opened from
 *   `config.databaseUrl` with migrations otherwise), `mailSender` (console mode prints mail; default: SMTP over
 *   `config.smtpUrl`, or none, in which case mail stays queued in the outbox))
 * @throws Error when the mode is 'console' (see src/console) or Slack credentials are missing
 */
export async function startApp(
  config: Config,
  deps: {
    logger: Logger;
    clock?: Clock;
    orm?: Orm;
    mailSender?: MailSender;
  },
): Promise<RunningApp> {
  const { logger } = deps;
  const lifecycle = new DrainState();
  const clock = deps.clock ?? systemClock;
  const orm = deps.orm ?? (await openOrm(config.databaseUrl, { logger }));
  // PostgreSQL (several instances): every instance hears the others' writes, for its caches.
  const changes =
    kindOf(orm) === 'postgresql'
      ? new PostgresChangeListener({ url: String(orm.config.get('clientUrl')), logger })
      : undefined;
  const slackLogger = toSlackLogger(logger);
  const invitations = invitationSettingsFrom({
    invitationKey: config.invitationKey,
    signingSecret: config.slack.signingSecret,
    perDay: config.invitationsPerDay,
    mailFrom: config.mailFrom,
  });
  // Each app counts its own Web API calls in its own registry: every client built below shares this fetch.
  const metrics = new AppMetrics({ backlogs: outboxBacklogs(orm), clock });
  const countingFetch = metrics.webApiFetch();
  const clientOptions = { ...webClientOptions(config.slack.apiUrl), fetch: countingFetch };
  const { botToken, signingSecret, appToken, oauth } = config.slack;
  const serviceOptions = {
    clients: config.clients,
    invitations: invitations.settings,
    ports: standardPorts(),
  };
  const purposes = {
    direct: { ...clientOptions, logger: slackLogger },
    delivery: { ...deliveryClientOptions(config.slack.apiUrl), fetch: countingFetch, logger: slackLogger },
  };
  let access: SlackAccess;
  let installation: { access: InstallationAccess; store: DatabaseInstallationStore } | undefined;
  if (oauth) {
    if (!config.installationKeys) throw new Error('INSTALLATION_KEY is required in distribution mode');
    const store = new DatabaseInstallationStore({
      orm,
      clock,
      keyRing: new KeyRing(config.installationKeys, INSTALLATION_TOKEN_PURPOSE),
      stateSecret: oauth.stateSecret,
    });
    const installationAccess = new InstallationAccess({
      clientId: oauth.clientId,
      clientSecret: oauth.clientSecret,
      authorizationUrl: oauth.authorizeUrl,
      redirectUri: installUrls(config.publicUrl).redirect,
      scopes: manifestBotScopes(),
      store,
      clientOptions: purposes,
      logger: slackLogger,
      renderHtmlForInstallPath: installPage,
      refreshLock: (name, fn) => withNamedLock(orm, name, fn),
    });
    const { resealed, unopenable } = await store.resealAll();
    if (resealed > 0) {
      logger.info({ resealed }, 'installation tokens sealed again with the newest INSTALLATION_KEY');
    }
    if (unopenable.length > 0) {
      logger.error(
        { installations: unopenable },
        "no key of INSTALLATION_KEY opens these installations' tokens: put the old key back after the new one, or have these workspaces install again",
      );
    }
    access = installationAccess;
    installation = { access: installationAccess, store };
  } else if (botToken) {
    access = staticTokenAccess(botToken, purposes);
  } else {
    throw new Error(
      'SLACK_BOT_TOKEN (or SLACK_CLIENT_ID, SLACK_CLIENT_SECRET, SLACK_STATE_SECRET) is required in HTTP and Socket Mode',
    );
  }
  const clientForPayload = async (body: unknown) => {
    const identity = payloadIdentity({ body } as Parameters<typeof payloadIdentity>[0]);
    if (!identity.teamId) return undefined;
    const client = await access.clientFor({
      teamId: identity.teamId,
      enterpriseId: identity.enterpriseId ?? null,
    });
    return client ?? undefined;
  };
  const deliveries = new SlackDeliveryWorker({
    orm,
    client: (organization) =>
      access.clientFor(
        { teamId: organization.slackTeamId, enterpriseId: organization.slackEnterpriseId },
        'delivery',
      ),
    clock,
    logger,
    serviceOptions,
    intervalMs: config.slackDeliveryIntervalMs,
    maxAttempts: config.slackDeliveryMaxAttempts,
    leaseMs: config.slackDeliveryClaimMs,
  });
  const deliver = () => deliveries.kick(DELIVER_WAIT_MS);
  const readinessChecks: Record<string, ReadinessCheck> = {
    slack: installation
      ? // Distribution mode: the installation store answers (each payload's installation is read from it), and
        // INSTALLATION_KEY opens the installations' tokens.
        () => installation.store.checkKeys()
      : slackTokenCheck(
          new WebClient(botToken, {
            ...deliveryClientOptions(config.slack.apiUrl),
            timeout: 3_000,
            fetch: countingFetch,
            logger: slackLogger,
          }),
          clock,
        ),
  };
  // Socket Mode: the WebSocket is open (the receiver is built below).
  let socketOpen = () => false;
  if (config.mode === 'socket') {
    readinessChecks.socket = async () => {
      if (!socketOpen()) throw new Error('the Socket Mode connection is not open');
    };
  }
  const customRoutes = [
    ...(installation ? installRoutes({ access: installation.access, orm, logger }) : []),
    ...httpRoutes({
      orm,
      logger,
      clock,
      clients: config.clients,
      invitations: invitations.settings,
      outbox: serviceOptions.ports.outbox,
      credentials: serviceOptions.ports.credentials,
      invitationNotifier: serviceOptions.ports.invitationNotifier,
      deliver,
      ...(changes ? { clientChanges: clientChangesOf(changes) } : {}),
      proxyTrust: proxyTrust(config.trustProxy),
      metrics: { metrics, ...(config.metricsToken ? { token: config.metricsToken } : {}) },
      readiness: { checks: readinessChecks, isDraining: lifecycle.isDraining },
    }),
  ];

  // Our own receivers (src/slack/edge) check every payload's signature and shape before Bolt sees it.
  let receiver: Receiver;
  let httpEdge: SlackHttpEdge | undefined;
  if (config.mode === 'socket') {
    if (!appToken) throw new Error('SLACK_APP_TOKEN is required in Socket Mode');
    // The Socket Mode client takes its Web API options (slackApiUrl for apps.connections.open) from here.
    const socket = new SocketModeReceiver({
      appToken,
      logger: slackLogger,
      installerOptions: { clientOptions },
    });
    receiver = new SlackSocketEdge(socket, {
      inFlight: lifecycle,
      logger,
      noteClient: clientForPayload,
      timing: metrics.payloadTiming,
    });
    socketOpen = () => socket.client.websocket?.isActive() === true;
  } else if (config.mode === 'http') {
    if (!signingSecret) throw new Error('SLACK_SIGNING_SECRET is required in HTTP mode');
    // Never started itself: our server (below) hands it every request that is not one of our routes.
    httpEdge = new SlackHttpEdge({
      signingSecret,
      logger,
      noteClient: clientForPayload,
      inFlight: lifecycle,
      timing: metrics.payloadTiming,
    });
    receiver = httpEdge;
  } else {
    throw new Error('console mode is started by src/console, not startApp');
  }

  const app = new App<OrgContext>({
    ...access.appAuth,
    receiver,
    logger: slackLogger,
    clientOptions,
    extendedErrorHandler: true,
    // With a static token, auth.test runs in init() below, awaited: a bad token or an unreachable Slack stops the
    // start with a message (Bolt would otherwise call it in the background and crash the process on an unhandled
    // rejection). In distribution mode each payload's installation is authorized when it arrives.
    deferInitialization: true,
    // Bolt's conversation store is not used: it would only cost a lookup per payload.
    convoStore: false,
  });
  try {
    await changes?.start();
  } catch (err) {
    if (!deps.orm) await orm.close();
    throw err;
  }
  try {
    await app.init();
  } catch (err) {
    await changes?.close();
    if (!deps.orm) await orm.close();
    const detail = err instanceof Error ? err.message : String(err);
    throw new Error(
      `Slack's Web API at ${config.slack.apiUrl} could not verify SLACK_BOT_TOKEN (auth.test: ${detail})`,
    );
  }
  // An event's retries and a payload delivered twice are dropped before they cost a context (src/slack/event-receipts.ts).
  app.use(eventReceiptsMiddleware({ receipts: eventReceiptStore(orm), clock, logger }));
  app.use(
    requestContextMiddleware({
      orm,
      logger,
      clock,
      serviceOptions,
      directory: teamDirectoryOn(orm, changes),
      deliver,
    }),
  );
  registerListeners(app);
  app.error(
    createErrorHandler({
      logger,
      clientFor: clientForPayload,
      ...(installation ? { installUrl: installUrls(config.publicUrl).installPage } : {}),
    }),
  );

  // One server on PORT in both modes: our routes are dispatched directly (Bolt's custom-route dispatch costs more
  // than the token endpoint itself); in HTTP mode everything else goes to the Slack edge, signature checks and all.
  const server: AppServer = await startAppServer({
    routes: customRoutes,
    port: config.port,
    logger: logger.child({ component: 'http' }),
    ...(httpEdge ? { fallback: httpEdge.requestListener } : {}),
    isDraining: lifecycle.isDraining,
  });
  const { port } = server;
  if (!httpEdge) {
    try {
      await app.start();
    } catch (err) {
      await server.close();
      await changes?.close();
      throw err;
    }
  }
  logger.info(
    { mode: config.mode, distribution: access.distribution, port },
    installation
      ? `AstroBee Org is running; workspaces install it at ${installUrls(config.publicUrl).installPage}`
      : 'AstroBee Org is running',
  );
  deliveries.start();

  const mailSender = deps.mailSender ?? (config.smtpUrl ? new SmtpMailSender(config.smtpUrl) : undefined);
  const outbox = mailSender
    ? new OutboxWorker({
        orm,
        sender: mailSender,
        clock,
        logger,
        settings: invitations.settings,
        invitationNotifier: serviceOptions.ports.invitationNotifier,
        publicUrl: config.publicUrl,
        mailFrom: config.mailFrom,
        intervalMs: config.mailWorkerIntervalMs,
        maxAttempts: config.mailMaxAttempts,
        leaseMs: config.mailClaimMs,
        onFailed: mailFailedNotifier({ orm, clock, deliver }),
        onOutcome: metrics.countMail,
      })
    : null;
  outbox?.start();
  if (!outbox) {
    logger.warn(
      { mailDisabled: config.mailDisabled },
      'mail is off (MAIL_DISABLED=true): no invitation mail is sent; it stays queued in the outbox, and only invitees in the workspace learn of their invitation, by Slack DM',
    );
  }
  const retention = new RetentionJob({
    orm,
    clock,
    logger,
    settings: { outboxDays: config.retention.outboxDays, auditDays: config.retention.auditDays },
    intervalMs: config.retention.intervalMs,
  });
  retention.start();
  const { enabled: nudgesEnabled, ...nudgeSettings } = config.nudges;
  const nudges = new NudgeJob({ orm, clock, logger, settings: nudgeSettings, deliver });
  if (nudgesEnabled) nudges.start();
  if (invitations.keySource === 'random') {
    logger.warn('INVITATION_KEY is not set: mail still queued at a restart cannot be sent (resend it)');
  }

  const closeAll = async () => {
    await server.close();
    await changes?.close();
    if (!deps.orm) await orm.close();
  };
  const drainLog = logger.child({ component: 'drain' });
  return {
    app,
    orm,
    port,
    outbox,
    deliveries,
    access,
    retention,
    nudges,
    ...(changes ? { changes } : {}),
    lifecycle,
    metrics,
    async stop() {
      lifecycle.begin();
      await retention.stop();
      await nudges.stop();
      await outbox?.stop();
      await deliveries.stop();
      // In HTTP mode the receiver was never started (our server is its server), so there is nothing to stop.
      if (!httpEdge) await app.stop();
      await closeAll();
    },
    async drain(deadlineMs) {
      const started = Date.now();
      lifecycle.begin();
      drainLog.info(
        { deadlineMs, payloads: lifecycle.inFlight().length, mailsHeld: outbox?.mailsHeld ?? 0 },
        'draining: new requests are refused',
      );
      const work = (async () => {
        // Socket Mode: no new envelope arrives once the WebSocket is closed.
        if (!httpEdge) {
          await app
            .stop()
            .catch((err: unknown) => drainLog.warn({ err }, 'Socket Mode did not close cleanly'));
        }
        // The mail worker takes no new mail from now on; the Slack delivery worker still sends what the payloads
        // in flight queue, and stops once they are done.
        await Promise.all([
          retention.stop(),
          nudges.stop(),
          outbox?.stop(),
          lifecycle.idle().then(() => deliveries.stop()),
        ]);
      })();
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<'deadline'>((resolve) => {
        timer = setTimeout(() => resolve('deadline'), deadlineMs);
      });
      const outcome = await Promise.race([work.then(() => 'done' as const), deadline]);
      clearTimeout(timer);
      const payloads = outcome === 'done' ? [] : lifecycle.inFlight();
      const report: DrainReport = {
        clean: outcome === 'done',
        elapsedMs: Date.now() - started,
        cutOff: {
          payloads,
          payloadsByKind: countByKind(payloads),
          mailsHeld: outcome === 'done' ? 0 : (outbox?.mailsHeld ?? 0),
          deliveriesHeld: outcome === 'done' ? 0 : deliveries.deliveriesHeld,
        },
      };
      if (report.clean) {
        drainLog.info({ elapsedMs: report.elapsedMs }, 'drained: all work in flight finished');
      } else {
        drainLog.error(
          { deadlineMs, ...report.cutOff, requestIds: payloads.map((p) => p.requestId) },
          `drain deadline passed after ${deadlineMs} ms: cut off ${payloads.length} payload(s), ${report.cutOff.mailsHeld} mail(s) held, ${report.cutOff.deliveriesHeld} Slack delivery(ies) held`,
        );
      }
      // After a cut-off, work still running may hold a connection: closing gets a short while, then is left.
      const closing = closeAll().catch((err: unknown) =>
        drainLog.warn({ err }, 'could not close everything after the drain'),
      );
      if (report.clean) await closing;
      else
        await Promise.race([
          closing,
          new Promise((resolve) => setTimeout(resolve, CUT_OFF_CLOSE_MS).unref()),
        ]);
      return report;
    },
  };
}
