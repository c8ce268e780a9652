import { Migration } from '@mikro-orm/migrations';
import { addSchema } from './schema-builder.js';

/**
 * The installation store of distribution mode (`slack_installations`): one row per workspace, or per enterprise for
 * an Enterprise Grid org-wide install, with its bot token sealed (AES-256-GCM under `INSTALLATION_KEY`). Uninstalling
 * clears the tokens and keeps the row.
 * `slack_oauth_states`: the install flow's single-use `state` values (their SHA-256).
 */
export class Migration20261205000100_slack_installations extends Migration {
  override up(): void {
    addSchema(this, (s) =>
      s
        .createTable('slack_installations', (t) => {
          t.text('id').notNullable().primary();
          t.text('tenant_key').notNullable().unique({ indexName: 'slack_installations_tenant_key_unique' });
          t.text('enterprise_id').nullable();
          t.text('enterprise_name').nullable();
          t.text('enterprise_url').nullable();
          t.text('team_id').nullable();
          t.text('team_name').nullable();
          t.boolean('is_enterprise_install').notNullable();
          t.text('app_id').nullable();
          t.text('bot_id').notNullable();
          t.text('bot_user_id').notNullable();
          t.text('bot_scopes').notNullable();
          t.text('installer_user_id').notNullable();
          t.text('bot_token').nullable();
          t.text('bot_refresh_token').nullable();
          t.datetime('bot_token_expires_at').nullable();
          t.datetime('created_at').notNullable();
          t.datetime('updated_at').notNullable();
          t.datetime('uninstalled_at').nullable();
          t.index(['enterprise_id'], 'slack_installations_enterprise_id_index');
        })
        .createTable('slack_oauth_states', (t) => {
          t.text('state_hash').notNullable().primary();
          t.json('install_options').notNullable();
          t.datetime('created_at').notNullable();
          t.datetime('expires_at').notNullable();
        }),
    );
  }

  override down(): void {
    addSchema(this, (s) => s.dropTable('slack_oauth_states').dropTable('slack_installations'));
  }
}
