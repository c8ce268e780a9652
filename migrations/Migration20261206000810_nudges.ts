import { Migration } from '@mikro-orm/migrations';
import { addSchema } from './schema-builder.js';

/**
 * `nudges` (both databases): one row per hygiene nudge sent (src/domain/nudges/nudge.entity.ts). The unique index
 * on (kind, subject_id, fact_key) makes each fact nudged once across runs and instances.
 */
export class Migration20261206000810_nudges extends Migration {
  override up(): void {
    addSchema(this, (s) =>
      s.createTable('nudges', (t) => {
        t.text('id').notNullable().primary();
        t.text('organization_id')
          .notNullable()
          .references('id')
          .inTable('organizations')
          .onDelete('cascade')
          .onUpdate('cascade');
        t.text('kind').notNullable();
        t.text('subject_id').notNullable();
        t.text('fact_key').notNullable();
        t.datetime('created_at').notNullable();
        t.unique(['kind', 'subject_id', 'fact_key'], { indexName: 'nudges_kind_subject_id_fact_key_unique' });
        t.index(['organization_id'], 'nudges_organization_id_index');
      }),
    );
  }

  override down(): void {
    addSchema(this, (s) => s.dropTable('nudges'));
  }
}
