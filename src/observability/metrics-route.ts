/**
 * `GET /metrics`: the app's metrics in Prometheus' text format, optionally behind a bearer token (`METRICS_TOKEN`).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../logger.js';
import type { AppMetrics } from './metrics.js';

/** SHA-256 of a string: equal-length digests let `timingSafeEqual` compare tokens of any length in constant time. */
function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/**
 * True when the request carries `Authorization: Bearer <token>` (RFC 6750 §2.1) with exactly `token`; the
 * comparison takes the same time whatever the presented value.
 */
export function hasBearerToken(req: IncomingMessage, token: string): boolean {
  const header = req.headers.authorization;
  const match = typeof header === 'string' ? /^Bearer[ ]+(\S+)\s*$/i.exec(header) : null;
  const presented = match?.[1] ?? '';
  return timingSafeEqual(digest(presented), digest(token)) && presented.length > 0;
}

/**
 * The `/metrics` handler. With `token`, a request without the right bearer token gets 401 with
 * `WWW-Authenticate: Bearer` (RFC 6750 §3) and no metrics; without one, every request gets them (keep the port
 * off the public internet). A failed collection (the database does not answer the backlog query) is logged and
 * answered 500.
 */
export function metricsRoute(deps: { metrics: AppMetrics; token?: string; logger: Logger }) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (deps.token !== undefined && !hasBearerToken(req, deps.token)) {
      res.writeHead(401, {
        'www-authenticate': 'Bearer realm="metrics"',
        'content-type': 'application/json; charset=utf-8',
        'cache-control': 'no-store',
      });
      res.end(JSON.stringify({ error: 'unauthorized' }));
      return;
    }
    let body: string;
    try {
      body = await deps.metrics.render();
    } catch (err) {
      deps.logger.error({ err }, 'metrics could not be collected');
      res.writeHead(500, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
      res.end(JSON.stringify({ error: 'server_error' }));
      return;
    }
    res.writeHead(200, { 'content-type': deps.metrics.contentType, 'cache-control': 'no-store' });
    res.end(req.method === 'HEAD' ? undefined : body);
  };
}
