import type { EntityName, EventSubscriber, TransactionEventArgs } from '@mikro-orm/core';
import type { TeamChangeSignal } from '../domain/members/ports.js';
import type { Orm } from './orm.js';

/** A statement that may write: INSERT (an upsert too), UPDATE, DELETE or REPLACE, also after a WITH clause. */
const WRITE_STATEMENT = /\b(?:insert|update|delete|replace)\b/i;

/**
 * Watches the SQL this ORM sends (its `onQuery` hook, which every statement passes through: unit of work flushes,
 * `nativeUpdate`/`nativeDelete` and raw `execute` alike) and signals a write to any of the given entities' tables:
 * before a statement that writes one of them runs, and again at the end of the transaction that wrote it
 * (MikroORM's transaction events, https://mikro-orm.io/docs/events). The team directory's
 * {@link TeamChangeSignal} (src/domain/members/ports.ts).
 *
 * It sees one process's statements only: the signal for SQLite (one process per database). With PostgreSQL and
 * several instances the composition root uses the change notifications instead (src/db/change-notifications.ts).
 */
export class TableWriteSignal implements TeamChangeSignal, EventSubscriber {
  private readonly listeners: (() => void)[] = [];
  /** A watched write happened since the last transaction ended: signal again when it commits or rolls back. */
  private writtenInTransaction = false;
  /** Matches a statement that names one of the watched tables. */
  private readonly watchedTable: RegExp;

  /**
   * Hooks into the ORM: its `onQuery` (kept and chained) and its transaction events (forks share the subscriber
   * list, so every request's EntityManager is seen).
   * @param entities the entities whose tables are watched
   */
  constructor(orm: Orm, entities: readonly EntityName<object>[]) {
    const tables = entities.map((entity) => orm.getMetadata().get(entity).tableName);
    this.watchedTable = new RegExp(`[\\s\`".](?:${tables.join('|')})[\\s\`"(]`, 'i');
    const previous = orm.config.get('onQuery');
    orm.config.set('onQuery', (sql: string, params: readonly unknown[]) => {
      this.observe(sql);
      return previous(sql, params as unknown[]);
    });
    orm.em.getEventManager().registerSubscriber(this);
  }

  subscribe(onChange: () => void): void {
    this.listeners.push(onChange);
  }

  afterTransactionCommit(_args: TransactionEventArgs): void {
    this.transactionEnded();
  }

  afterTransactionRollback(_args: TransactionEventArgs): void {
    this.transactionEnded();
  }

  /** Signals when `sql` may write a watched table (a false alarm costs one reload, no more). */
  private observe(sql: string): void {
    if (WRITE_STATEMENT.test(sql) && this.watchedTable.test(` ${sql} `)) {
      this.writtenInTransaction = true;
      this.signal();
    }
  }

  private transactionEnded(): void {
    if (!this.writtenInTransaction) return;
    this.writtenInTransaction = false;
    this.signal();
  }

  private signal(): void {
    for (const listener of this.listeners) listener();
  }
}
