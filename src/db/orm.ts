/**
 * The ORM options and factory: MikroORM 6 on SQLite (WAL, busy timeout, foreign keys), migrations from `migrations/`.
 * The MikroORM CLI uses the same options (`mikro-orm.config.ts`).
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Migrator } from '@mikro-orm/migrations';
import { MikroORM, type Options } from '@mikro-orm/sqlite';
import { migrationsList } from '../../migrations/index.js';
import type { Logger } from '../logger.js';

export type Orm = MikroORM;
export type { EntityManager } from '@mikro-orm/sqlite';

/** Milliseconds a connection waits for another process's write lock before SQLITE_BUSY. */
export const SQLITE_BUSY_TIMEOUT_MS = 5000;

/** A sqlite3 connection as handed to the pool's `afterCreate`. */
interface Sqlite3Connection {
  exec(sql: string, callback: (err: Error | null) => void): void;
}

/**
 * Turns `DATABASE_URL` into a SQLite file name.
 * @param databaseUrl `sqlite:<path>` or `sqlite::memory:`
 * @throws Error for a PostgreSQL URL (not supported by this build yet) or anything else
 */
export function sqliteFileName(databaseUrl: string): string {
  if (databaseUrl.startsWith('sqlite:')) return databaseUrl.slice('sqlite:'.length);
  throw new Error(
    `DATABASE_URL: only sqlite:<path> is supported by this build (got ${databaseUrl.split(':')[0]})`,
  );
}

/**
 * The ORM options for `DATABASE_URL`: the one place where the settings live. {@link initOrm} opens the database
 * with them, and `mikro-orm.config.ts` hands them to the MikroORM CLI, so the CLI diffs the same entities and runs
 * the same migrations (`migrationsList`) as the bot. The entity list comes from the composition root
 * (`src/adapters.ts`, `ormEntities`: this module's `src/db/entities.ts` and the Slack side's own), as src/db imports
 * no front end. The pool holds one connection: SQLite serialises writers
 * anyway, and one connection makes every transaction in this process wait its turn instead of failing with
 * SQLITE_BUSY.
 *
 * @param databaseUrl see {@link sqliteFileName}
 * @param options `entities`: every entity schema (see `ormEntities`); `logger` for ORM messages (at debug level)
 * @returns options for `MikroORM.init` or the CLI's `defineConfig`; `migrations.path` is `migrations/` of the
 *   working directory, where `mikro-orm migration:create` writes a new migration (the bot itself reads only
 *   `migrationsList`)
 * @throws Error as {@link sqliteFileName}
 */
export function ormOptions(
  databaseUrl: string,
  options: { entities: NonNullable<Options['entities']>; logger?: Logger },
): Options {
  const logger = options.logger;
  return {
    dbName: sqliteFileName(databaseUrl),
    entities: options.entities,
    extensions: [Migrator],
    migrations: {
      path: 'migrations',
      migrationsList,
      transactional: true,
      allOrNothing: true,
      snapshot: false,
      silent: true,
    },
    pool: {
      min: 1,
      max: 1,
      afterCreate: (conn: Sqlite3Connection, done: (err: Error | null, conn: Sqlite3Connection) => void) => {
        conn.exec(
          `PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS};`,
          (err) => done(err, conn),
        );
      },
    },
    discovery: { warnWhenNoEntities: true, requireEntitiesArray: true },
    forceUtcTimezone: true,
    debug: false,
    ...(logger ? { logger: (message: string) => logger.child({ component: 'orm' }).debug(message) } : {}),
  };
}

/**
 * Makes the folder of a SQLite file, so that a first start (or a first CLI run) on a new path works.
 * @param databaseUrl see {@link sqliteFileName}
 */
export function ensureDatabaseFolder(databaseUrl: string): void {
  const dbName = sqliteFileName(databaseUrl);
  if (dbName !== ':memory:') mkdirSync(dirname(dbName), { recursive: true });
}

/**
 * Opens the database with {@link ormOptions}.
 *
 * @param databaseUrl see {@link sqliteFileName}
 * @param options `entities`: every entity schema (see {@link ormOptions}); `logger` for ORM messages; `migrate`
 *   (default true) runs pending migrations before returning; `overrides` replace options (tests)
 */
export async function initOrm(
  databaseUrl: string,
  options: {
    entities: NonNullable<Options['entities']>;
    logger?: Logger;
    migrate?: boolean;
    overrides?: Partial<Options>;
  },
): Promise<Orm> {
  ensureDatabaseFolder(databaseUrl);
  const orm = await MikroORM.init({
    ...ormOptions(databaseUrl, {
      entities: options.entities,
      ...(options.logger ? { logger: options.logger } : {}),
    }),
    ...options.overrides,
  });
  if (options.migrate !== false) await migrate(orm);
  return orm;
}

/**
 * Runs pending migrations.
 * @returns the names of the migrations applied now
 */
export async function migrate(orm: Orm): Promise<string[]> {
  const applied = await orm.getMigrator().up();
  return applied.map((m) => m.name);
}
