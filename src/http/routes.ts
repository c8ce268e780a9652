import type { CustomRoute } from '@slack/bolt';
import { accessTokenBatchStore, SqlClientCredentialStore } from '../db/client-credentials.js';
import type { Orm } from '../db/orm.js';
import { failureCounting } from '../db/shared-limits.js';
import { type Clock, systemClock } from '../domain/actor.js';
import type { ClientChangeSignal, ClientCredentialStore } from '../domain/clients/ports.js';
import { type ClientSettings, DEFAULT_CLIENT_SETTINGS } from '../domain/clients/settings.js';
import { TokenBatcher } from '../domain/clients/token-batcher.js';
import type { InvitationNotifier, InvitationOutbox } from '../domain/invitations/ports.js';
import { defaultInvitationSettings, type InvitationSettings } from '../domain/invitations/settings.js';
import type { Logger } from '../logger.js';
import { OutboxMailQueue } from '../mail/invitation-outbox.js';
import type { AppMetrics } from '../observability/metrics.js';
import { metricsRoute } from '../observability/metrics-route.js';
import { API_PREFIX, apiHandler } from './api/api.js';
import { healthz } from './healthz.js';
import { invitationPage } from './invitations/invitation-page.js';
import { FailedAuthLimiter, type FailedAuthLimits } from './oauth/failed-auth-limiter.js';
import type { ProxyTrust } from './oauth/http-util.js';
import { revocationEndpoint, tokenEndpoint } from './oauth/token-endpoint.js';
import { databaseCheck, migrationsCheck, type ReadinessCheck, readyz } from './readyz.js';

/** Every method, so the OAuth endpoints and the API answer a wrong one themselves (405, JSON). */
const ALL_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

/**
 * The HTTP routes served beside `/slack/events` on the same server, in HTTP and Socket Mode (Bolt's `customRoutes`
 * shape, dispatched by our own {@link Router} in src/http/server.ts).
 */
export function httpRoutes(deps: {
  orm: Orm;
  logger: Logger;
  clock?: Clock;
  clients?: ClientSettings;
  failedAuthLimits?: FailedAuthLimits;
  invitations?: InvitationSettings;
  /** The OAuth hot paths' statements; SQL on `orm` by default. */
  credentials?: ClientCredentialStore;
  /** The invitations' outbox port; the mail outbox table by default. */
  outbox?: InvitationOutbox;
  /**
   * The invitations' notifier port (the Slack side's, wired by `src/app.ts`): an answer on the invitation page
   * refreshes what Slack shows of the invitation exactly as an answer in Slack does.
   */
  invitationNotifier: InvitationNotifier;
  /** Runs the Slack delivery worker, so the Slack messages an answer on the invitation page updates go out now. */
  deliver?: () => Promise<void>;
  /** Writes of clients by other instances (PostgreSQL): the token batcher drops what it keeps of them. */
  clientChanges?: ClientChangeSignal;
  /** Which proxies are believed about the client's address (`TRUST_PROXY`): the failed-auth limiter keys on it. */
  proxyTrust?: ProxyTrust;
  /**
   * The app's metrics: `GET /metrics` serves them (behind `metricsToken` when set) and the token endpoint counts
   * its outcomes. Absent: no `/metrics`.
   */
  metrics?: { metrics: AppMetrics; token?: string };
  /**
   * `GET /readyz`: the checks beside the database and migrations ones (the Slack connection), and whether the app
   * is draining. Absent: `/readyz` checks the database and migrations only.
   */
  readiness?: { checks?: Record<string, ReadinessCheck>; isDraining?: () => boolean };
}): CustomRoute[] {
  const logger = deps.logger.child({ component: 'http' });
  const oauth = {
    orm: deps.orm,
    logger: deps.logger.child({ component: 'oauth' }),
    clock: deps.clock ?? systemClock,
    settings: deps.clients ?? DEFAULT_CLIENT_SETTINGS,
    limiter: new FailedAuthLimiter(deps.failedAuthLimits, failureCounting(deps.orm)),
    credentials: deps.credentials ?? new SqlClientCredentialStore(),
    ...(deps.proxyTrust ? { proxyTrust: deps.proxyTrust } : {}),
  };
  const batcher = new TokenBatcher({
    ...oauth,
    store: accessTokenBatchStore(deps.orm),
    ...(deps.clientChanges ? { changes: deps.clientChanges } : {}),
  });
  const api = apiHandler({ ...oauth, logger: deps.logger.child({ component: 'api' }) });
  return [
    {
      path: '/oauth/token',
      method: ALL_METHODS,
      handler: tokenEndpoint({
        ...oauth,
        batcher,
        ...(deps.metrics ? { countOutcome: deps.metrics.metrics.countTokenRequest } : {}),
      }),
    },
    { path: '/oauth/revoke', method: ALL_METHODS, handler: revocationEndpoint(oauth) },
    { path: API_PREFIX, method: ALL_METHODS, handler: api },
    { path: `${API_PREFIX}/*path`, method: ALL_METHODS, handler: api },
    { path: '/healthz', method: ['GET'], handler: healthz(deps.orm, logger) },
    {
      path: '/readyz',
      method: ['GET'],
      handler: readyz({
        checks: {
          database: databaseCheck(deps.orm),
          migrations: migrationsCheck(deps.orm),
          ...deps.readiness?.checks,
        },
        logger,
        ...(deps.readiness?.isDraining ? { isDraining: deps.readiness.isDraining } : {}),
      }),
    },
    ...(deps.metrics
      ? [
          {
            path: '/metrics',
            method: ['GET', 'HEAD'],
            handler: metricsRoute({ ...deps.metrics, logger }),
          },
        ]
      : []),
    {
      path: '/invitations/:token',
      method: ALL_METHODS,
      handler: invitationPage({
        orm: deps.orm,
        logger,
        clock: deps.clock ?? systemClock,
        settings: deps.invitations ?? defaultInvitationSettings(),
        ports: { outbox: deps.outbox ?? new OutboxMailQueue(), notifier: deps.invitationNotifier },
        ...(deps.deliver ? { deliver: deps.deliver } : {}),
      }),
    },
  ];
}
