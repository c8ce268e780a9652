import type { CustomRoute } from '@slack/bolt';
import type { Orm } from '../db/orm.js';
import type { Logger } from '../logger.js';
import { healthz } from './healthz.js';

/**
 * The HTTP routes served beside `/slack/events` on the same server (Bolt `customRoutes`, in HTTP and Socket Mode).
 */
export function httpRoutes(deps: { orm: Orm; logger: Logger }): CustomRoute[] {
  const logger = deps.logger.child({ component: 'http' });
  return [{ path: '/healthz', method: ['GET'], handler: healthz(deps.orm, logger) }];
}
