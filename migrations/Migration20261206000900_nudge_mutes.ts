import { Migration } from '@mikro-orm/migrations';
import { addSchema } from './schema-builder.js';

/**
 * `nudge_mutes` (issue 15): which kinds of hygiene nudge each Admin muted with `/org nudges`, one row per member and
 * kind (src/domain/nudges/nudge-mute.entity.ts). A member's rows go with the member (on delete cascade).
 */
export class Migration20261206000900_nudge_mutes extends Migration {
  override up(): void {
    addSchema(this, (s) =>
      s.createTable('nudge_mutes', (t) => {
        t.text('id').notNullable().primary();
        t.text('member_id')
          .notNullable()
          .references('id')
          .inTable('members')
          .onDelete('cascade')
          .onUpdate('cascade');
        t.text('kind').notNullable();
        t.datetime('created_at').notNullable();
        t.index(['member_id'], 'nudge_mutes_member_id_index');
        t.unique(['member_id', 'kind'], { indexName: 'nudge_mutes_member_kind_unique' });
      }),
    );
  }

  override down(): void {
    addSchema(this, (s) => s.dropTable('nudge_mutes'));
  }
}
