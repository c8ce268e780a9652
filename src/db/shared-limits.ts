/**
 * Where the failed-authentication limiter (src/http/oauth/failed-auth-limiter.ts) keeps its counts: in the process
 * on SQLite (one process per file), or in the database on PostgreSQL, so that failures recorded on one instance
 * limit every instance. Both are rate-limiter-flexible limiters (https://github.com/animir/node-rate-limiter-flexible);
 * {@link failureCounting} picks one by `kindOf(orm)`.
 */
import { type RateLimiterAbstract, RateLimiterMemory, RateLimiterPostgres } from 'rate-limiter-flexible';
import { kindOf, type Orm } from './orm.js';

/** The table of rate-limiter-flexible's PostgreSQL store, created by migration `Migration20261206000400`. */
export const RATE_LIMITS_TABLE = 'rate_limits';

/** One counter: `points` failures allowed per `duration` seconds, for keys under `keyPrefix`. */
export interface CounterOptions {
  keyPrefix: string;
  points: number;
  duration: number;
}

/**
 * When the latest failure was recorded, for the limiter's fast path: while no failure counts, no counter can have
 * run out and nothing needs to be looked up.
 */
export interface RecentFailures {
  /** Notes a failure now, which counts for `windowSeconds`. */
  note(windowSeconds: number): Promise<void>;
  /** False when no noted failure counts any more (the fast path); true when one may. Never rejects. */
  any(): Promise<boolean>;
}

/** The limiter's counters and its fast path, in one place: the process or the database. */
export interface FailureCounting {
  /** 'process' (in memory) or 'database' (shared by every instance). */
  readonly where: 'process' | 'database';
  /** A new counter (see {@link CounterOptions}). */
  counter(options: CounterOptions): RateLimiterAbstract;
  readonly recent: RecentFailures;
}

/** The counting of `orm`'s database: {@link postgresFailureCounting} on PostgreSQL, {@link memoryFailureCounting} on SQLite. */
export function failureCounting(orm: Orm): FailureCounting {
  return kindOf(orm) === 'postgresql' ? postgresFailureCounting(orm) : memoryFailureCounting();
}

/**
 * Counts in this process (`RateLimiterMemory`); the fast path is a number in memory: until when the latest failure
 * counts (epoch ms; one extra second covers the limiter's rounding of its windows).
 */
export function memoryFailureCounting(): FailureCounting {
  let countsUntil = 0;
  return {
    where: 'process',
    counter: (options) => new RateLimiterMemory(options),
    recent: {
      async note(windowSeconds) {
        countsUntil = Math.max(countsUntil, Date.now() + (windowSeconds + 1) * 1000);
      },
      async any() {
        return Date.now() < countsUntil;
      },
    },
  };
}

/**
 * Counts in PostgreSQL (`RateLimiterPostgres` on the ORM's knex, table {@link RATE_LIMITS_TABLE}, which our
 * migration creates: `tableCreated: true`). Each counter has a `RateLimiterMemory` insurance limiter: while the
 * database fails, failures are counted in the process instead, so a hiccup does not open the gate (it narrows it
 * to this instance's own count).
 *
 * The fast path cannot be a number in one process, since a failure recorded on another instance must count here
 * too. It is one shared row instead (key `oauth_failure:latest` of the same table): every failure sets it with
 * `expire` = now + the window (rate-limiter-flexible's `set`, which forces the expiry), and a request first reads
 * that one row by primary key; only when it has not expired are the address's and the client's counters read.
 * So a request costs one indexed read while no failure happened anywhere within the window, three after one did.
 * The library deletes rows expired an hour ago every 5 minutes (one counter does it for the whole table).
 */
export function postgresFailureCounting(orm: Orm): FailureCounting {
  const knex = orm.em.getConnection().getKnex();
  let sweeping = false;
  const counter = (options: CounterOptions): RateLimiterPostgres => {
    const sweep = !sweeping;
    sweeping = true;
    return new RateLimiterPostgres({
      ...options,
      storeClient: knex,
      storeType: 'knex',
      tableName: RATE_LIMITS_TABLE,
      tableCreated: true,
      clearExpiredByTimeout: sweep,
      insuranceLimiter: new RateLimiterMemory(options),
    });
  };
  const latest = counter({ keyPrefix: 'oauth_failure', points: 1, duration: 1 });
  return {
    where: 'database',
    counter,
    recent: {
      async note(windowSeconds) {
        await latest.set('latest', 1, windowSeconds + 1);
      },
      async any() {
        return (await latest.get('latest')) !== null;
      },
    },
  };
}
