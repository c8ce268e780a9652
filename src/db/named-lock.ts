/**
 * A lock named by a string, held across instances for the length of one piece of work.
 */
import { kindOf, type Orm } from './orm.js';

/**
 * Runs `fn` while holding the lock `name`: no other instance on the same database runs work under the same name
 * at the same time (the second waits for the first to finish).
 *
 * - PostgreSQL: a transaction on a pool connection of its own holds `pg_advisory_xact_lock(hashtext(name))`
 *   (https://www.postgresql.org/docs/current/functions-admin.html#FUNCTIONS-ADVISORY-LOCKS) while `fn` runs; the
 *   lock goes with the transaction, also when `fn` throws or the connection drops. `fn` does its own database
 *   work on other connections (it is not inside that transaction). Two names may share a 32-bit hash: they then
 *   wait for each other, which costs time, never correctness.
 * - SQLite: `fn` runs as is. One process per database file, so the process's own coordination (one shared
 *   promise per piece of work) is all there is to do; holding a transaction on the pool's one connection while
 *   `fn` asks for it would deadlock.
 *
 * @param name what the lock protects, e.g. `slack-token-refresh:T:E0:T0ACME`
 * @returns what `fn` returns
 * @throws what `fn` throws, or the database's error when the lock cannot be taken
 */
export async function withNamedLock<T>(orm: Orm, name: string, fn: () => Promise<T>): Promise<T> {
  if (kindOf(orm) !== 'postgresql') return fn();
  const knex = orm.em.getConnection().getKnex();
  return knex.transaction(async (trx) => {
    await trx.raw('select pg_advisory_xact_lock(hashtext(?))', [name]);
    return fn();
  });
}
