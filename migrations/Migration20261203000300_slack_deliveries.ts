import { Migration } from '@mikro-orm/migrations';
import { addSchema } from './schema-builder.js';

/**
 * The Slack delivery outbox (`slack_deliveries`: messages and views the app promised, delivered by a worker with
 * backoff), and when posting to an organization's approvals channel started failing.
 */
export class Migration20261203000300_slack_deliveries extends Migration {
  override up(): void {
    addSchema(this, (s) =>
      s
        .createTable('slack_deliveries', (t) => {
          t.text('id').notNullable().primary();
          t.text('organization_id')
            .notNullable()
            .references('id')
            .inTable('organizations')
            .onDelete('cascade');
          t.text('kind').notNullable();
          t.text('target').nullable();
          t.json('payload').notNullable();
          t.text('invitation_id').nullable();
          t.text('dedupe_key').nullable();
          t.text('status').notNullable();
          t.integer('attempts').notNullable().defaultTo(0);
          t.datetime('next_attempt_at').nullable();
          t.text('locked_by').nullable();
          t.datetime('locked_until').nullable();
          t.text('last_error').nullable();
          t.text('channel_id').nullable();
          t.text('ts').nullable();
          t.datetime('created_at').notNullable();
          t.datetime('delivered_at').nullable();
          t.index(['status', 'next_attempt_at'], 'slack_deliveries_status_next_attempt_at_index');
          t.index(['dedupe_key', 'status'], 'slack_deliveries_dedupe_key_status_index');
          t.index(['organization_id'], 'slack_deliveries_organization_id_index');
        })
        .alterTable('organizations', (t) => {
          t.datetime('approvals_channel_failing_since').nullable();
        }),
    );
  }

  override down(): void {
    addSchema(this, (s) =>
      s.dropTable('slack_deliveries').alterTable('organizations', (t) => {
        t.dropColumn('approvals_channel_failing_since');
      }),
    );
  }
}
