/**
 * Retention: removes rows nobody needs any more — expired access tokens, finished outbox rows (mail and Slack
 * deliveries) older than `OUTBOX_RETENTION_DAYS`, and audit events older than `AUDIT_RETENTION_DAYS` (0 keeps them
 * forever) — so the tables do not grow without bound.
 *
 * Each removal is a plain DELETE of at most {@link DEFAULT_BATCH_SIZE} rows chosen by id, repeated until a batch
 * comes back short: every statement commits on its own, so a large backlog never holds a long lock, and the same
 * text serves SQLite and PostgreSQL. The statements are idempotent, so several instances may run the job at the
 * same moment: a row is deleted by one of them, and the others count it no more (on PostgreSQL the second DELETE
 * waits for the first's row locks, then finds the rows gone).
 */
import type { Clock } from '../domain/actor.js';
import type { Logger } from '../logger.js';
import type { Orm } from './orm.js';

/** Rows removed per DELETE statement by default. */
export const DEFAULT_BATCH_SIZE = 1000;
/** Milliseconds in a day. */
const DAY_MS = 86_400_000;
/** Milliseconds after start before the first run, at most (later runs follow every `intervalMs`). */
const FIRST_RUN_MS = 60_000;

/** What retention keeps; see `Config.retention`. */
export interface RetentionSettings {
  /** Days a finished outbox row (mail `sent` / `failed` / `cancelled`; Slack `sent` / `failed` / `skipped`) is kept. */
  outboxDays: number;
  /** Days an audit event is kept; 0 keeps audit events forever. */
  auditDays: number;
  /** Rows per DELETE statement ({@link DEFAULT_BATCH_SIZE} by default). */
  batchSize?: number;
}

/** Rows removed by one run, per table. */
export interface RetentionCounts {
  api_access_tokens: number;
  mail_outbox: number;
  slack_deliveries: number;
  audit_events: number;
}

/** One table's removal: the condition a row must meet, and the time it compares with. */
interface Removal {
  table: keyof RetentionCounts;
  where: string;
  before: Date;
}

/**
 * Removes, in batches, what retention no longer keeps as of `now` (see the module comment).
 * @param now the current time (the app's clock)
 * @returns how many rows each table lost
 * @throws the database's error (rows deleted by batches before it stay deleted)
 */
export async function removeExpiredRows(
  orm: Orm,
  now: Date,
  settings: RetentionSettings,
): Promise<RetentionCounts> {
  const outboxBefore = new Date(now.getTime() - settings.outboxDays * DAY_MS);
  const removals: Removal[] = [
    { table: 'api_access_tokens', where: 'expires_at <= ?', before: now },
    {
      table: 'mail_outbox',
      where: "status in ('sent', 'failed', 'cancelled') and updated_at < ?",
      before: outboxBefore,
    },
    {
      table: 'slack_deliveries',
      where: "status in ('sent', 'failed', 'skipped') and created_at < ?",
      before: outboxBefore,
    },
  ];
  if (settings.auditDays > 0) {
    removals.push({
      table: 'audit_events',
      where: 'created_at < ?',
      before: new Date(now.getTime() - settings.auditDays * DAY_MS),
    });
  }
  const counts: RetentionCounts = {
    api_access_tokens: 0,
    mail_outbox: 0,
    slack_deliveries: 0,
    audit_events: 0,
  };
  const batch = settings.batchSize ?? DEFAULT_BATCH_SIZE;
  const connection = orm.em.getConnection();
  const platform = orm.em.getPlatform();
  for (const { table, where, before } of removals) {
    const at = platform.processDateProperty(before);
    for (;;) {
      const result: { affectedRows?: number } = await connection.execute(
        `delete from ${table} where id in (select id from ${table} where ${where} limit ?)`,
        [at, batch],
        'run',
      );
      const removed = result.affectedRows ?? 0;
      counts[table] += removed;
      if (removed < batch) break;
    }
  }
  return counts;
}

/**
 * The background job that runs {@link removeExpiredRows}: first a minute after {@link start} (or after
 * `intervalMs` when that is shorter), then every `intervalMs`. Each run logs what it removed per table at `info`;
 * a failed run is logged at `warn` and the next one tries again.
 */
export class RetentionJob {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private stopped = false;

  constructor(
    private readonly deps: {
      orm: Orm;
      clock: Clock;
      logger: Logger;
      settings: RetentionSettings;
      /** Milliseconds between two runs. */
      intervalMs: number;
    },
  ) {}

  /** Schedules the runs (the timer does not keep the process alive). */
  start(): void {
    this.stopped = false;
    this.schedule(Math.min(FIRST_RUN_MS, this.deps.intervalMs));
  }

  /** Cancels the next run and waits for one in progress to end. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /**
   * Runs once now and logs the counts.
   * @returns the rows removed per table
   * @throws the database's error
   */
  async runOnce(): Promise<RetentionCounts> {
    const removed = await removeExpiredRows(this.deps.orm, this.deps.clock.now(), this.deps.settings);
    this.deps.logger.info(
      { component: 'retention', removed, auditRetentionDays: this.deps.settings.auditDays },
      'retention: old rows removed',
    );
    return removed;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.runOnce()
        .catch((err: unknown) =>
          this.deps.logger.warn(
            { err, component: 'retention' },
            'retention run failed; the next run tries again',
          ),
        )
        .finally(() => {
          this.running = undefined;
          this.schedule(this.deps.intervalMs);
        });
    }, delayMs);
    this.timer.unref();
  }
}
