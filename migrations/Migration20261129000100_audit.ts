import { Migration } from '@mikro-orm/migrations';
import { addSchema } from './schema-builder.js';

/** The audit log. */
export class Migration20261129000100_audit extends Migration {
  override up(): void {
    addSchema(this, (s) =>
      s.createTable('audit_events', (t) => {
        t.text('id').notNullable().primary();
        t.text('organization_id')
          .notNullable()
          .references('id')
          .inTable('organizations')
          .onDelete('cascade')
          .onUpdate('cascade');
        t.datetime('created_at').notNullable();
        t.text('actor_member_id').nullable();
        t.text('actor_slack_user_id').nullable();
        t.text('action').notNullable();
        t.text('target_type').notNullable();
        t.text('target_id').nullable();
        t.json('details').notNullable();
        t.index(['organization_id'], 'audit_events_organization_id_index');
        t.index(['organization_id', 'created_at'], 'audit_events_organization_created_at_index');
      }),
    );
  }

  override down(): void {
    addSchema(this, (s) => s.dropTable('audit_events'));
  }
}
