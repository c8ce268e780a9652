/**
 * The receipts of Slack deliveries (`slack_event_receipts`, migration `Migration20261206000400`): the SQL behind the
 * Slack side's delivery deduplication (src/slack/event-receipts.ts). One statement per method, the same text on
 * SQLite (3.24+ upsert) and PostgreSQL: `INSERT … ON CONFLICT … DO UPDATE … WHERE`, so two instances claiming one key
 * at the same moment cannot both win (SQLite: one writer; PostgreSQL: the primary key's unique check waits for the
 * other transaction, https://www.postgresql.org/docs/15/sql-insert.html#SQL-ON-CONFLICT).
 */
import type { Orm } from './orm.js';

/** What a claim found. */
export type ClaimOutcome = 'claimed' | 'duplicate';

/**
 * Receipts in SQL. Times are epoch milliseconds (`bigint` columns), from the caller's clock. Every method runs on
 * its own (outside any unit of work), as the receipt must outlive the handling's transaction.
 */
export class SqlEventReceiptStore {
  constructor(private readonly orm: Orm) {}

  /**
   * Claims `key` for handling until `leaseUntilMs`: inserts it as `handling`, or takes it over when an earlier
   * claim is still `handling` but its lease ran out (its instance died mid-way). A `handled` receipt, or a
   * `handling` one within its lease, is a duplicate.
   * @param key the delivery's key (at most a few hundred characters; see `receiptKeyOf`)
   * @param nowMs the current time; `leaseUntilMs` later than it
   * @returns 'claimed' when this caller is now the one handling the delivery, else 'duplicate'
   * @throws the database's error (the caller decides whether to handle without a receipt)
   */
  async claim(key: string, nowMs: number, leaseUntilMs: number): Promise<ClaimOutcome> {
    const result: { affectedRows?: number } = await this.orm.em
      .getConnection()
      .execute(
        'insert into slack_event_receipts (receipt_key, state, lease_until, created_at) ' +
          "values (?, 'handling', ?, ?) on conflict (receipt_key) do update " +
          'set lease_until = excluded.lease_until, created_at = excluded.created_at ' +
          "where slack_event_receipts.state = 'handling' and slack_event_receipts.lease_until < ?",
        [key, leaseUntilMs, nowMs, nowMs],
        'run',
      );
    return result.affectedRows ? 'claimed' : 'duplicate';
  }

  /** Marks `key` handled: a later delivery with it is a duplicate until the receipt is purged. */
  async markHandled(key: string): Promise<void> {
    await this.orm.em
      .getConnection()
      .execute("update slack_event_receipts set state = 'handled' where receipt_key = ?", [key], 'run');
  }

  /** Deletes the claim on `key` (its handling failed), so that Slack's retry of the delivery is handled. */
  async release(key: string): Promise<void> {
    await this.orm.em
      .getConnection()
      .execute("delete from slack_event_receipts where receipt_key = ? and state = 'handling'", [key], 'run');
  }

  /**
   * Deletes the receipts created before `beforeMs`, handled or not.
   * @returns how many were deleted
   */
  async purge(beforeMs: number): Promise<number> {
    const result: { affectedRows?: number } = await this.orm.em
      .getConnection()
      .execute('delete from slack_event_receipts where created_at < ?', [beforeMs], 'run');
    return result.affectedRows ?? 0;
  }
}

/** The receipt store of `orm`'s database (one SQL text serves both; see {@link SqlEventReceiptStore}). */
export function eventReceiptStore(orm: Orm): SqlEventReceiptStore {
  return new SqlEventReceiptStore(orm);
}
