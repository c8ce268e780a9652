/**
 * Claims on the two outboxes (`mail_outbox`, sent by the mail worker, and `slack_deliveries`, sent by the Slack
 * delivery worker): which worker instance may send a row, and until when. A claim is a lease — `locked_by` (the
 * worker's instance id) and `locked_until` — taken in one `UPDATE … RETURNING` statement, so two workers never hold
 * one row at once, and a row whose claimer died (`kill -9`) is claimed again by another worker once the lease ran
 * out.
 *
 * - PostgreSQL (several instances): the candidates are selected `FOR UPDATE SKIP LOCKED`
 *   (https://www.postgresql.org/docs/15/sql-select.html#SQL-FOR-UPDATE-SHARE), so instances claiming at the same
 *   moment take different rows instead of waiting on each other; a row another transaction changed meanwhile is
 *   re-checked against the conditions once its lock is taken. Claims of other instances are never released early:
 *   they may be live.
 * - SQLite (one process): the same statement without the lock clause (SQLite's one writer runs it alone). At start,
 *   every claim not held by this worker belongs to a process that is gone, and {@link OutboxClaims.releaseAbandoned}
 *   frees it at once.
 *
 * Times (`now`, the lease's end) are the caller's clock, the same clock that decides when a row is due; instances
 * on one database need clocks that agree within a small part of the lease (NTP does).
 */
import type { EntityManager } from '@mikro-orm/core';
import { type DatabaseKind, kindOf, type Orm } from './orm.js';

/** What {@link OutboxClaims.claimNext} is asked. */
export interface ClaimRequest {
  /** The claiming worker's identity, written to `locked_by`. */
  instanceId: string;
  /** How long the claim lasts, in milliseconds: longer than sending one row takes, timeouts included. */
  leaseMs: number;
  /** Rows to claim at most (at least 1). */
  limit: number;
  /** The caller's time: rows due by then with no live claim are candidates. */
  now: Date;
  /** Row ids not to claim (already handled in this run). */
  exclude?: readonly string[];
}

/** Claims on one outbox table. */
export interface OutboxClaims {
  /**
   * Claims up to `limit` due, unclaimed (or lease-expired) rows for `instanceId` until `now + leaseMs`, oldest
   * first.
   * @returns the ids claimed (in no particular order); empty when nothing is due or every due row is held
   */
  claimNext(em: EntityManager, request: ClaimRequest): Promise<string[]>;
  /**
   * Frees claims left by earlier processes, at a worker's start. On SQLite (one process per file) every pending
   * row's claim not held by `instanceId` is freed; on PostgreSQL nothing is (other instances may be sending those
   * rows; their leases run out by themselves).
   * @returns how many claims were freed
   */
  releaseAbandoned(em: EntityManager, instanceId: string): Promise<number>;
}

/** What differs between the two outbox tables. */
interface OutboxTable {
  table: string;
  /** SQL condition on alias `d` for a row still to send (no parameters). */
  pending: string;
  /** SQL condition on alias `d` for a row due at the time bound to its one `?`. */
  due: string;
  /** `order by` of the candidates (alias `d`). */
  order: string;
  /**
   * Extra SQL condition on alias `d` with parameters (each `?` bound to the lease-check time), or none: for the
   * Slack deliveries, the rule on coalesced rows.
   */
  extra?: { sql: string; times: number };
}

/** The mail outbox: `queued` or `retrying` rows whose `next_attempt_at` has come, oldest due first. */
const MAIL_OUTBOX: OutboxTable = {
  table: 'mail_outbox',
  pending: "d.status in ('queued', 'retrying')",
  due: 'd.next_attempt_at <= ?',
  order: 'd.next_attempt_at, d.id',
};

/**
 * The Slack delivery outbox: `pending` rows whose `next_attempt_at` is null or past, oldest first. Rows sharing a
 * `dedupe_key` (coalesced Home publishes and message updates, see `queue.ts`) go one at a time, oldest first: a row
 * is not claimable while another pending row of its key is held by a live claim or is older. The worker then skips
 * a claimed row that a newer pending row of its key supersedes (see {@link hasNewerSibling}), so a key's rows never
 * race each other across instances and the latest is the one sent.
 */
const SLACK_DELIVERIES: OutboxTable = {
  table: 'slack_deliveries',
  pending: "d.status = 'pending'",
  due: '(d.next_attempt_at is null or d.next_attempt_at <= ?)',
  order: 'd.created_at, d.id',
  extra: {
    sql:
      '(d.dedupe_key is null or not exists (select 1 from slack_deliveries o where o.dedupe_key = d.dedupe_key ' +
      "and o.id <> d.id and o.status = 'pending' and (o.locked_until > ? or o.created_at < d.created_at " +
      'or (o.created_at = d.created_at and o.id < d.id))))',
    times: 1,
  },
};

/** Claims on `mail_outbox` for the database `orm` is open on. */
export function mailOutboxClaims(orm: Orm): OutboxClaims {
  return outboxClaims(kindOf(orm), MAIL_OUTBOX);
}

/** Claims on `slack_deliveries` for the database `orm` is open on. */
export function slackDeliveryClaims(orm: Orm): OutboxClaims {
  return outboxClaims(kindOf(orm), SLACK_DELIVERIES);
}

function outboxClaims(kind: DatabaseKind, table: OutboxTable): OutboxClaims {
  return kind === 'postgresql' ? new PostgresOutboxClaims(table) : new SqliteOutboxClaims(table);
}

/** The claim statement, the same on both databases but for `lock` (PostgreSQL's `for update skip locked`). */
abstract class SqlOutboxClaims implements OutboxClaims {
  protected abstract readonly lock: string;

  constructor(protected readonly spec: OutboxTable) {}

  async claimNext(em: EntityManager, request: ClaimRequest): Promise<string[]> {
    const platform = em.getPlatform();
    const now = platform.processDateProperty(request.now);
    const until = platform.processDateProperty(new Date(request.now.getTime() + request.leaseMs));
    const exclude = request.exclude ?? [];
    const { table, pending, due, order, extra } = this.spec;
    const conditions = [pending, due, '(d.locked_until is null or d.locked_until <= ?)'];
    const params: unknown[] = [now, now];
    if (extra) {
      conditions.push(extra.sql);
      for (let i = 0; i < extra.times; i += 1) params.push(now);
    }
    if (exclude.length > 0) {
      conditions.push(`d.id not in (${exclude.map(() => '?').join(', ')})`);
      params.push(...exclude);
    }
    const rows: { id: string }[] = await em
      .getConnection()
      .execute(
        `update ${table} set locked_by = ?, locked_until = ? where id in (` +
          `select d.id from ${table} d where ${conditions.join(' and ')} ` +
          `order by ${order} limit ?${this.lock}) returning id`,
        [request.instanceId, until, ...params, Math.max(1, request.limit)],
        'all',
      );
    return rows.map((row) => row.id);
  }

  abstract releaseAbandoned(em: EntityManager, instanceId: string): Promise<number>;
}

/** {@link OutboxClaims} on SQLite: one process per database file. */
class SqliteOutboxClaims extends SqlOutboxClaims {
  protected readonly lock = '';

  /** Frees every pending row's claim not held by `instanceId` (its holder was an earlier process). */
  async releaseAbandoned(em: EntityManager, instanceId: string): Promise<number> {
    const { table, pending } = this.spec;
    const result: { affectedRows?: number } = await em
      .getConnection()
      .execute(
        `update ${table} set locked_by = null, locked_until = null where id in (select d.id from ${table} d ` +
          `where ${pending} and d.locked_until is not null and (d.locked_by is null or d.locked_by <> ?))`,
        [instanceId],
        'run',
      );
    return result.affectedRows ?? 0;
  }
}

/** {@link OutboxClaims} on PostgreSQL: several instances claim at once (`for update skip locked`). */
class PostgresOutboxClaims extends SqlOutboxClaims {
  protected readonly lock = ' for update skip locked';

  /** Frees nothing: another instance's claim may be live, and an abandoned one expires with its lease. */
  async releaseAbandoned(): Promise<number> {
    return 0;
  }
}

/**
 * True when a pending row of `dedupeKey` newer than the given row exists in `slack_deliveries` (queued while the
 * given row was claimed): the given row is superseded and need not be sent.
 */
export async function hasNewerSibling(
  em: EntityManager,
  row: { id: string; dedupeKey: string | null; createdAt: Date },
): Promise<boolean> {
  if (!row.dedupeKey) return false;
  const createdAt = em.getPlatform().processDateProperty(row.createdAt);
  const found: unknown[] = await em
    .getConnection()
    .execute(
      "select 1 from slack_deliveries o where o.dedupe_key = ? and o.id <> ? and o.status = 'pending' " +
        'and (o.created_at > ? or (o.created_at = ? and o.id > ?)) limit 1',
      [row.dedupeKey, row.id, createdAt, createdAt, row.id],
      'all',
    );
  return found.length > 0;
}
