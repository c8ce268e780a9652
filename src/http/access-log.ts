import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Logger } from '../logger.js';

/** Routes that get no access log line: probes and scrapes, which would drown the rest. */
export const UNLOGGED_ROUTES: ReadonlySet<string> = new Set(['/healthz', '/readyz', '/metrics']);

/** An incoming `X-Request-Id` is kept when it is a short token; anything else is replaced by our own id. */
const REQUEST_ID = /^[\w.-]{1,64}$/;

/**
 * Gives a request its request id (the caller's `X-Request-Id` when it is a short token, else a new one), echoes it in
 * the response's `X-Request-Id`, and writes one access log line when the response is finished (or the connection
 * closed first): `{ method, route, status, durationMs, requestId }`. `route` is the route's pattern
 * (`/invitations/:token`), never the path or its query string, which can hold a token. Routes in
 * {@link UNLOGGED_ROUTES} are left alone.
 * @param level `info` for the app's own routes; Slack's `/slack/events` requests are logged at `debug` (the edge
 *   logs what matters of them with its own request id)
 */
export function logAccess(
  logger: Logger,
  req: IncomingMessage,
  res: ServerResponse,
  route: string,
  level: 'info' | 'debug' = 'info',
): void {
  if (UNLOGGED_ROUTES.has(route) || !logger.isLevelEnabled(level)) return;
  const started = performance.now();
  const given = req.headers['x-request-id'];
  const requestId = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID().slice(0, 8);
  res.setHeader('x-request-id', requestId);
  let written = false;
  const write = () => {
    if (written) return;
    written = true;
    logger[level](
      {
        method: req.method,
        route,
        status: res.writableFinished ? res.statusCode : 0,
        durationMs: Math.round((performance.now() - started) * 100) / 100,
        requestId,
      },
      res.writableFinished ? 'http request' : 'http request: connection closed before the answer',
    );
  };
  res.once('finish', write);
  res.once('close', write);
}
