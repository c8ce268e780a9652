import { Migration } from '@mikro-orm/migrations';
import { onPostgres } from './schema-builder.js';

/**
 * `audit_events.seq`: a number that grows with each audit event in the order the events' transactions commit, the
 * key of the API's cursor paging (`GET /api/v1/audit-events`, src/domain/audit/audit.service.ts). A reader that has
 * seen the event numbered n never later finds a new event numbered n or less, however many are written meanwhile.
 *
 * The column is filled by the database, so that no writer has to know about it (`recordAudit` leaves it empty):
 *
 * - SQLite: an `AFTER INSERT` trigger sets it to one more than the largest so far. SQLite has one writer at a time,
 *   so the number follows the commit order. (It starts again at 1 only if the table is emptied entirely.)
 * - PostgreSQL: a sequence alone would not do — a transaction that drew number 5 may commit after one that drew 6,
 *   and a reader that saw 6 would then skip 5. So the number is drawn at commit: a deferred constraint trigger takes
 *   a transaction-level advisory lock (held until the commit is visible) and only then draws from the sequence. The
 *   lock is held by committing transactions only, which wait for nothing else, so it cannot deadlock.
 *
 * Existing events are numbered by (created_at, id). Rows inserted with a `seq` already set (bulk loads) are left
 * as they are.
 */
export class Migration20261206000700_audit_event_seq extends Migration {
  override up(): void {
    this.addSql('alter table audit_events add column seq bigint null');
    this.addSql(
      'update audit_events set seq = numbered.n from (select id, row_number() over (order by created_at, id) as n from audit_events) as numbered where audit_events.id = numbered.id',
    );
    this.addSql('create unique index audit_events_seq_unique on audit_events (seq)');
    this.addSql('create index audit_events_organization_id_seq_index on audit_events (organization_id, seq)');
    if (onPostgres(this)) {
      this.addSql('create sequence audit_events_seq');
      this.addSql(
        "select setval('audit_events_seq', coalesce((select max(seq) from audit_events), 0) + 1, false)",
      );
      this.addSql(
        [
          'create function audit_events_number() returns trigger language plpgsql as $$',
          'begin',
          `  perform pg_advisory_xact_lock(${AUDIT_SEQ_LOCK_KEY});`,
          "  update audit_events set seq = nextval('audit_events_seq') where id = new.id and seq is null;",
          '  return null;',
          'end $$',
        ].join('\n'),
      );
      this.addSql(
        'create constraint trigger audit_events_number after insert on audit_events deferrable initially deferred for each row when (new.seq is null) execute function audit_events_number()',
      );
    } else {
      this.addSql(
        'create trigger audit_events_number after insert on audit_events for each row when new.seq is null begin update audit_events set seq = (select coalesce(max(seq), 0) + 1 from audit_events) where id = new.id; end',
      );
    }
  }

  override down(): void {
    if (onPostgres(this)) {
      this.addSql('drop trigger audit_events_number on audit_events');
      this.addSql('drop function audit_events_number()');
      this.addSql('drop sequence audit_events_seq');
    } else {
      this.addSql('drop trigger audit_events_number');
    }
    this.addSql('drop index audit_events_organization_id_seq_index');
    this.addSql('drop index audit_events_seq_unique');
    this.addSql('alter table audit_events drop column seq');
  }
}

/** The PostgreSQL advisory lock key that orders audit event numbering (any fixed 64-bit number, unused elsewhere). */
const AUDIT_SEQ_LOCK_KEY = '6150913177730254431';
