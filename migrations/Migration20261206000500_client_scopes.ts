import { Migration } from '@mikro-orm/migrations';
import { addSchema } from './schema-builder.js';

/** Every scope as of this migration, written out: a later scope must not reach old rows by a change of code. */
const ALL_SCOPES_TEXT =
  'organization:read members:read data-sources:read data-sources:write data-layers:read data-layers:write audit:read';

/**
 * Scopes of API clients and of their access tokens (issue 14): names separated by spaces. Clients and tokens that
 * exist keep full access: the column's default, every scope as of this migration, fills their rows.
 */
export class Migration20261206000500_client_scopes extends Migration {
  override up(): void {
    addSchema(this, (s) =>
      s
        .alterTable('api_clients', (t) => {
          t.text('scopes').notNullable().defaultTo(ALL_SCOPES_TEXT);
        })
        .alterTable('api_access_tokens', (t) => {
          t.text('scopes').notNullable().defaultTo(ALL_SCOPES_TEXT);
        }),
    );
  }

  override down(): void {
    addSchema(this, (s) =>
      s
        .alterTable('api_access_tokens', (t) => {
          t.dropColumn('scopes');
        })
        .alterTable('api_clients', (t) => {
          t.dropColumn('scopes');
        }),
    );
  }
}
