import { Migration } from '@mikro-orm/migrations';
import { addSchema, onPostgres } from './schema-builder.js';

/**
 * `slack_event_receipts` (both databases): one row per Slack delivery being or having been handled, so that an
 * Events API delivery and its retries, or the same button payload twice, cause one side effect whichever instance
 * receives them (src/slack/event-receipts.ts, src/db/event-receipts.ts). Times are epoch milliseconds.
 *
 * `rate_limits` (PostgreSQL only): the table of rate-limiter-flexible's `RateLimiterPostgres`, shared by the
 * instances' failed-authentication limiters (src/db/shared-limits.ts). Its columns are exactly the library's own
 * `CREATE TABLE` (node_modules/rate-limiter-flexible/lib/RateLimiterPostgres.js, `_getCreateTableStmt`); the
 * limiter is built with `tableCreated: true` and never creates it. SQLite runs one process, whose limiter counts
 * in memory.
 *
 * Neither table has an entity: both are listed in `UNMAPPED_TABLES` (src/db/orm.ts), which the schema generator
 * skips.
 */
export class Migration20261206000400_event_receipts_rate_limits extends Migration {
  override up(): void {
    addSchema(this, (s) =>
      s.createTable('slack_event_receipts', (t) => {
        t.text('receipt_key').notNullable().primary();
        t.text('state').notNullable();
        t.bigInteger('lease_until').notNullable();
        t.bigInteger('created_at').notNullable();
      }),
    );
    if (onPostgres(this)) {
      this.addSql(
        'create table "rate_limits" (key varchar(255) primary key, points integer not null default 0, expire bigint)',
      );
    }
  }

  override down(): void {
    if (onPostgres(this)) this.addSql('drop table "rate_limits"');
    addSchema(this, (s) => s.dropTable('slack_event_receipts'));
  }
}
