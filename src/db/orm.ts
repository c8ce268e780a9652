/**
 * The ORM options and factory: MikroORM 6 on SQLite (WAL, busy timeout, foreign keys; one process per file) or on
 * PostgreSQL (several instances), migrations from `migrations/`. The MikroORM CLI uses the same options
 * (`mikro-orm.config.ts`).
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { MikroORM, type Options } from '@mikro-orm/core';
import type { AbstractSqlDriver, SqlEntityManager } from '@mikro-orm/knex';
import { Migrator } from '@mikro-orm/migrations';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';
import { SqliteDriver } from '@mikro-orm/sqlite';
import { migrationsList } from '../../migrations/index.js';
import type { Logger } from '../logger.js';

/** The open ORM, on either database. */
export type Orm = MikroORM<AbstractSqlDriver, EntityManager>;
/** A unit of work on either database. */
export type EntityManager = SqlEntityManager<AbstractSqlDriver>;

/** The databases this build runs on. */
export type DatabaseKind = 'sqlite' | 'postgresql';

/** Milliseconds a connection waits for another process's write lock before SQLITE_BUSY. */
export const SQLITE_BUSY_TIMEOUT_MS = 5000;

/**
 * Tables our migrations create that no entity maps, so the schema generator (and `migration:check`) leaves them
 * alone: `slack_event_receipts` (src/db/event-receipts.ts) and `rate_limits` (PostgreSQL only, rate-limiter-flexible's
 * table, src/db/shared-limits.ts), both read and written by SQL of their own.
 */
export const UNMAPPED_TABLES: readonly string[] = ['slack_event_receipts', 'rate_limits'];

/** Connections each instance keeps to PostgreSQL at most (`pg` pool through knex). */
export const POSTGRES_POOL_MAX = 10;

/** A sqlite3 connection as handed to the pool's `afterCreate`. */
interface Sqlite3Connection {
  exec(sql: string, callback: (err: Error | null) => void): void;
}

/**
 * Which database `DATABASE_URL` names.
 * @param databaseUrl `sqlite:<path>`, `sqlite::memory:` or `postgres://…` / `postgresql://…` (libpq URI)
 * @throws Error for anything else
 */
export function databaseKind(databaseUrl: string): DatabaseKind {
  if (databaseUrl.startsWith('sqlite:')) return 'sqlite';
  if (/^postgres(ql)?:\/\//.test(databaseUrl)) return 'postgresql';
  throw new Error(`DATABASE_URL must be sqlite:<path> or postgres://… (got ${databaseUrl.split(':')[0]})`);
}

/**
 * Turns `DATABASE_URL` into a SQLite file name.
 * @param databaseUrl `sqlite:<path>` or `sqlite::memory:`
 * @throws Error for a PostgreSQL URL or anything else
 */
export function sqliteFileName(databaseUrl: string): string {
  if (databaseUrl.startsWith('sqlite:')) return databaseUrl.slice('sqlite:'.length);
  throw new Error(`DATABASE_URL: not a SQLite URL (got ${databaseUrl.split(':')[0]})`);
}

/**
 * The ORM options for `DATABASE_URL`: the one place where the settings live. {@link initOrm} opens the database
 * with them, and `mikro-orm.config.ts` hands them to the MikroORM CLI, so the CLI diffs the same entities and runs
 * the same migrations (`migrationsList`) as the bot. The entity list comes from the composition root
 * (`src/adapters.ts`, `ormEntities`: this module's `src/db/entities.ts` and the Slack side's own), as src/db imports
 * no front end.
 *
 * - SQLite: the pool holds one connection. SQLite serialises writers anyway, and one connection makes every
 *   transaction in this process wait its turn instead of failing with SQLITE_BUSY.
 * - PostgreSQL: `clientUrl` is the URL as given (libpq syntax, `?sslmode=` etc. understood by `pg`), a pool of up to
 *   {@link POSTGRES_POOL_MAX} connections, every session in UTC.
 *
 * @param databaseUrl see {@link databaseKind}
 * @param options `entities`: every entity schema (see `ormEntities`); `logger` for ORM messages (at debug level)
 * @returns options for `MikroORM.init` or the CLI's `defineConfig`; `migrations.path` is `migrations/` of the
 *   working directory, where `mikro-orm migration:create` writes a new migration (the bot itself reads only
 *   `migrationsList`)
 * @throws Error as {@link databaseKind}
 */
export function ormOptions(
  databaseUrl: string,
  options: { entities: NonNullable<Options['entities']>; logger?: Logger },
): Options<AbstractSqlDriver, EntityManager> {
  const logger = options.logger;
  const common: Options<AbstractSqlDriver, EntityManager> = {
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
    discovery: { warnWhenNoEntities: true, requireEntitiesArray: true },
    schemaGenerator: { skipTables: [...UNMAPPED_TABLES] },
    forceUtcTimezone: true,
    debug: false,
    ...(logger ? { logger: (message: string) => logger.child({ component: 'orm' }).debug(message) } : {}),
  };
  if (databaseKind(databaseUrl) === 'postgresql') {
    return {
      ...common,
      driver: PostgreSqlDriver,
      clientUrl: databaseUrl,
      // Never create the database: a typo in DATABASE_URL must not start an instance on a new, empty one.
      ensureDatabase: false,
      pool: { min: 0, max: POSTGRES_POOL_MAX },
    };
  }
  return {
    ...common,
    driver: SqliteDriver,
    dbName: sqliteFileName(databaseUrl),
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
  };
}

/**
 * Makes the folder of a SQLite file, so that a first start (or a first CLI run) on a new path works; nothing for
 * PostgreSQL.
 * @param databaseUrl see {@link databaseKind}
 */
export function ensureDatabaseFolder(databaseUrl: string): void {
  if (databaseKind(databaseUrl) !== 'sqlite') return;
  const dbName = sqliteFileName(databaseUrl);
  if (dbName !== ':memory:') mkdirSync(dirname(dbName), { recursive: true });
}

/** Which database `orm` is open on. */
export function kindOf(orm: { config: { get(key: 'driver'): unknown } }): DatabaseKind {
  return orm.config.get('driver') === (PostgreSqlDriver as unknown) ? 'postgresql' : 'sqlite';
}

/**
 * Opens the database with {@link ormOptions} and checks that it answers. A PostgreSQL database is never created:
 * it must exist (README "Run several instances").
 *
 * @param databaseUrl see {@link databaseKind}
 * @param options `entities`: every entity schema (see {@link ormOptions}); `logger` for ORM messages; `migrate`
 *   (default true) runs pending migrations before returning; `overrides` replace options (tests)
 * @throws Error naming `DATABASE_URL` (its password hidden) and the driver's reason when the database cannot be
 *   reached, does not exist or refuses the role; the database's error when a migration fails
 */
export async function initOrm(
  databaseUrl: string,
  options: {
    entities: NonNullable<Options['entities']>;
    logger?: Logger;
    migrate?: boolean;
    overrides?: Partial<Options<AbstractSqlDriver>>;
  },
): Promise<Orm> {
  ensureDatabaseFolder(databaseUrl);
  const orm = await MikroORM.init<AbstractSqlDriver, EntityManager>({
    ...ormOptions(databaseUrl, {
      entities: options.entities,
      ...(options.logger ? { logger: options.logger } : {}),
    }),
    ...options.overrides,
  });
  if (options.logger) routeDriverMessages(orm, options.logger);
  try {
    await orm.em.getConnection().execute('select 1');
  } catch (err) {
    await orm.close().catch(() => undefined);
    const reason = err instanceof Error ? err.message : String(err);
    throw new Error(`DATABASE_URL ${withoutPassword(databaseUrl)}: cannot open the database: ${reason}`);
  }
  if (options.migrate !== false) await migrate(orm);
  return orm;
}

/**
 * Sends knex's own warnings and errors (`Connection Error: …` when PostgreSQL restarts, pool notices) to `logger` as
 * JSON lines, instead of knex's default `console.log` in plain text on stdout.
 */
function routeDriverMessages(orm: Orm, logger: Logger): void {
  const knexLogger: { warn(message: unknown): void; error(message: unknown): void } = orm.em
    .getConnection()
    .getKnex().client.logger;
  const log = logger.child({ component: 'db' });
  knexLogger.warn = (message) => log.warn(String(message));
  knexLogger.error = (message) => log.error(String(message));
}

/** `databaseUrl` with its password, if any, replaced by `***` (for messages). */
export function withoutPassword(databaseUrl: string): string {
  if (databaseKind(databaseUrl) !== 'postgresql') return databaseUrl;
  try {
    const url = new URL(databaseUrl);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return 'postgres://…';
  }
}

/**
 * The key of the PostgreSQL advisory lock under which migrations run (any fixed 64-bit number; this one is the
 * first eight bytes of SHA-256("astrobee-org:migrations"), top bit cleared).
 */
export const MIGRATION_LOCK_KEY = '7524303710476884567';

/**
 * Runs pending migrations. On PostgreSQL they run under a session-level advisory lock
 * (`pg_advisory_lock`, https://www.postgresql.org/docs/15/explicit-locking.html#ADVISORY-LOCKS) held on a
 * connection of its own: instances started at the same moment on an empty database wait for each other, the first
 * migrates, the others then find nothing pending. On SQLite the migrations' transaction takes the write lock.
 * @returns the names of the migrations applied now
 * @throws the database's error when a migration fails (the migrations run all or nothing)
 */
export async function migrate(orm: Orm): Promise<string[]> {
  if (kindOf(orm) !== 'postgresql') return up(orm);
  const client: PoolClient = orm.em.getConnection().getKnex().client;
  const connection = await client.acquireConnection();
  try {
    await connection.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      return await up(orm);
    } finally {
      await connection.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } finally {
    await client.releaseConnection(connection);
  }
}

/** What {@link migrate} uses of knex's client: its pool of `pg` connections. */
interface PoolClient {
  acquireConnection(): Promise<{ query(sql: string, params: unknown[]): Promise<unknown> }>;
  releaseConnection(connection: unknown): Promise<unknown>;
}

async function up(orm: Orm): Promise<string[]> {
  const applied = await orm.getMigrator().up();
  return applied.map((m) => m.name);
}
