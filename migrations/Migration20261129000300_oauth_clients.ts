import { Migration } from '@mikro-orm/migrations';
import { addSchema, baseColumns } from './schema-builder.js';

/** OAuth API clients, their hashed secrets and their hashed access tokens. */
export class Migration20261129000300_oauth_clients extends Migration {
  override up(): void {
    addSchema(this, (s) =>
      s
        .createTable('api_clients', (t) => {
          baseColumns(t);
          t.text('organization_id')
            .notNullable()
            .references('id')
            .inTable('organizations')
            .onDelete('cascade')
            .onUpdate('cascade');
          t.text('name').notNullable();
          t.text('status').notNullable();
          t.text('created_by_member_id').nullable();
          t.text('created_by_slack_user_id').nullable();
          t.datetime('last_used_at').nullable();
          t.datetime('deleted_at').nullable();
          t.index(['organization_id'], 'api_clients_organization_id_index');
        })
        .createTable('api_client_secrets', (t) => {
          t.text('id').notNullable().primary();
          t.text('client_id')
            .notNullable()
            .references('id')
            .inTable('api_clients')
            .onDelete('cascade')
            .onUpdate('cascade');
          t.text('secret_hash').notNullable().unique({ indexName: 'api_client_secrets_secret_hash_unique' });
          t.datetime('created_at').notNullable();
          t.datetime('expires_at').nullable();
          t.index(['client_id'], 'api_client_secrets_client_id_index');
        })
        .createTable('api_access_tokens', (t) => {
          t.text('id').notNullable().primary();
          t.text('client_id')
            .notNullable()
            .references('id')
            .inTable('api_clients')
            .onDelete('cascade')
            .onUpdate('cascade');
          t.text('token_hash').notNullable().unique({ indexName: 'api_access_tokens_token_hash_unique' });
          t.datetime('created_at').notNullable();
          t.datetime('expires_at').notNullable();
          t.index(['client_id'], 'api_access_tokens_client_id_index');
        }),
    );
  }

  override down(): void {
    addSchema(this, (s) =>
      s.dropTable('api_access_tokens').dropTable('api_client_secrets').dropTable('api_clients'),
    );
  }
}
