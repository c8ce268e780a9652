import { Migration } from '@mikro-orm/migrations';
import { addSchema, baseColumns } from './schema-builder.js';

/** Organizations, members, data sources and data layers. */
export class Migration20261129000000_initial extends Migration {
  override up(): void {
    addSchema(this, (s) =>
      s
        .createTable('organizations', (t) => {
          baseColumns(t);
          t.text('name').notNullable();
          t.text('slack_team_id').notNullable().unique({ indexName: 'organizations_slack_team_id_unique' });
        })
        .createTable('members', (t) => {
          baseColumns(t);
          t.text('organization_id')
            .notNullable()
            .references('id')
            .inTable('organizations')
            .onDelete('cascade')
            .onUpdate('cascade');
          t.text('email').notNullable();
          t.text('slack_user_id').nullable();
          t.enu('role', ['admin', 'member']).notNullable();
          t.unique(['organization_id', 'email'], { indexName: 'members_organization_email_unique' });
          t.unique(['organization_id', 'slack_user_id'], {
            indexName: 'members_organization_slack_user_unique',
          });
          t.index(['organization_id'], 'members_organization_id_index');
        })
        .createTable('data_sources', (t) => {
          baseColumns(t);
          t.text('organization_id')
            .notNullable()
            .references('id')
            .inTable('organizations')
            .onDelete('cascade')
            .onUpdate('cascade');
          t.text('name').notNullable();
          t.index(['organization_id'], 'data_sources_organization_id_index');
        })
        .createTable('data_layers', (t) => {
          baseColumns(t);
          t.text('organization_id')
            .notNullable()
            .references('id')
            .inTable('organizations')
            .onDelete('cascade')
            .onUpdate('cascade');
          t.text('name').notNullable();
          t.index(['organization_id'], 'data_layers_organization_id_index');
        }),
    );
  }

  override down(): void {
    addSchema(this, (s) =>
      s.dropTable('data_layers').dropTable('data_sources').dropTable('members').dropTable('organizations'),
    );
  }
}
