import type { ServerResponse } from 'node:http';
import type { Orm } from '../db/orm.js';
import type { Logger } from '../logger.js';

/** One readiness check: resolves when the part it checks is usable, rejects (or times out) when it is not. */
export type ReadinessCheck = () => Promise<void>;

/** Milliseconds one check may take before it counts as failed (a probe must answer even when a part hangs). */
export const READINESS_CHECK_TIMEOUT_MS = 3_000;

/** The database answers a query. */
export function databaseCheck(orm: Orm): ReadinessCheck {
  return async () => {
    await orm.em.fork().getConnection().execute('select 1');
  };
}

/** No migration of this build is left to run on the database (another instance may have run newer ones: fine). */
export function migrationsCheck(orm: Orm): ReadinessCheck {
  return async () => {
    const pending = await orm.getMigrator().getPendingMigrations();
    if (pending.length > 0) throw new Error(`${pending.length} migration(s) pending`);
  };
}

function withTimeout(check: ReadinessCheck, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    check(),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/**
 * `GET /readyz` (readiness, as opposed to `/healthz`'s liveness): runs every check at once, each within
 * {@link READINESS_CHECK_TIMEOUT_MS}, and answers 200 `{"status":"ready","checks":{"<name>":"ok",…}}`, or 503
 * `{"status":"unavailable","checks":{…,"<name>":"failed"},"failed":["<name>"]}` naming the failed checks (their
 * errors are logged at warn, never sent). While the app drains (`isDraining()`), 503 `{"status":"draining"}`
 * without running any check. Never cached.
 * @param deps `checks` by name (`database`, `migrations`, `slack` …), `isDraining` (default never)
 */
export function readyz(deps: {
  checks: Record<string, ReadinessCheck>;
  logger: Logger;
  isDraining?: () => boolean;
  timeoutMs?: number;
}) {
  const timeoutMs = deps.timeoutMs ?? READINESS_CHECK_TIMEOUT_MS;
  const send = (res: ServerResponse, status: number, body: Record<string, unknown>) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
    res.end(JSON.stringify(body));
  };
  return async (_req: unknown, res: ServerResponse): Promise<void> => {
    if (deps.isDraining?.()) {
      send(res, 503, { status: 'draining' });
      return;
    }
    const names = Object.keys(deps.checks);
    const results = await Promise.allSettled(
      names.map((name) => withTimeout(deps.checks[name] as ReadinessCheck, timeoutMs)),
    );
    const checks: Record<string, 'ok' | 'failed'> = {};
    const failed: string[] = [];
    results.forEach((result, i) => {
      const name = names[i] as string;
      checks[name] = result.status === 'fulfilled' ? 'ok' : 'failed';
      if (result.status === 'rejected') {
        failed.push(name);
        deps.logger.warn({ check: name, err: result.reason }, 'readiness check failed');
      }
    });
    if (failed.length === 0) send(res, 200, { status: 'ready', checks });
    else send(res, 503, { status: 'unavailable', checks, failed });
  };
}
