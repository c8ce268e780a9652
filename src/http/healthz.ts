import type { ServerResponse } from 'node:http';
import type { Orm } from '../db/orm.js';
import type { Logger } from '../logger.js';

/**
 * `GET /healthz`: 200 `{"status":"ok"}` when the database answers a query, else 503 `{"status":"unavailable"}`.
 * Uses its own EntityManager fork, never the global one.
 */
export function healthz(orm: Orm, logger: Logger) {
  return async (_req: unknown, res: ServerResponse): Promise<void> => {
    let ok = false;
    try {
      await orm.em.fork().getConnection().execute('select 1');
      ok = true;
    } catch (err) {
      logger.error({ err }, 'health check: database did not answer');
    }
    res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(JSON.stringify({ status: ok ? 'ok' : 'unavailable' }));
  };
}
