import { Migration } from '@mikro-orm/migrations';
import { onPostgres } from './schema-builder.js';

/**
 * PostgreSQL only: the foreign key from `slack_deliveries` to its organization gets `ON UPDATE CASCADE`, like every
 * other foreign key to `organizations` (its migration left the rule out). SQLite gets nothing: changing a foreign
 * key there means rebuilding the table, and SQLite's schema already matches the entities as MikroORM reads it.
 */
export class Migration20261205000110_slack_deliveries_foreign_key extends Migration {
  override up(): void {
    if (!onPostgres(this)) return;
    this.addSql(
      'alter table "slack_deliveries" drop constraint "slack_deliveries_organization_id_foreign", ' +
        'add constraint "slack_deliveries_organization_id_foreign" foreign key ("organization_id") ' +
        'references "organizations" ("id") on update cascade on delete cascade',
    );
  }

  override down(): void {
    if (!onPostgres(this)) return;
    this.addSql(
      'alter table "slack_deliveries" drop constraint "slack_deliveries_organization_id_foreign", ' +
        'add constraint "slack_deliveries_organization_id_foreign" foreign key ("organization_id") ' +
        'references "organizations" ("id") on delete cascade',
    );
  }
}
