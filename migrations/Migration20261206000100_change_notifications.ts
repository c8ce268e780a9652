import { Migration } from '@mikro-orm/migrations';
import { onPostgres } from './schema-builder.js';

/** The tables whose writes other instances hear of (their caches: team directory, token batcher). */
const NOTIFYING_TABLES = ['members', 'organizations', 'api_clients', 'api_client_secrets'] as const;

/**
 * Columns whose change alone notifies nobody: an API client's "last used" (written once a minute per client while
 * it is used, and read by no cache).
 */
const IGNORED_COLUMNS: Partial<Record<(typeof NOTIFYING_TABLES)[number], string[]>> = {
  api_clients: ['last_used_at'],
};

/**
 * PostgreSQL only: every INSERT, UPDATE or DELETE of a row of {@link NOTIFYING_TABLES} sends
 * `pg_notify('astrobee_changes', payload)` (https://www.postgresql.org/docs/current/sql-notify.html), delivered to
 * every listening session when the writing transaction commits (never if it rolls back). An UPDATE that changes
 * nothing (or only {@link IGNORED_COLUMNS}) sends nothing. The payload is a small JSON object: `{"table": …, "op": "insert"|"update"|"delete", "id": <the row's id>, "organizationId": <its
 * organization, when the row has one; the row's own id for organizations>, "clientId": <api_client_secrets'
 * client>}` — ids only, never a secret's hash or a member's email. `src/db/change-notifications.ts` listens.
 *
 * SQLite gets nothing: one process per database file, which watches its own statements (src/db/table-writes.ts).
 */
export class Migration20261206000100_change_notifications extends Migration {
  override up(): void {
    if (!onPostgres(this)) return;
    this.addSql(
      `create or replace function astrobee_notify_change() returns trigger language plpgsql as $$
declare
  r jsonb;
begin
  if tg_op = 'DELETE' then r := to_jsonb(old); else r := to_jsonb(new); end if;
  perform pg_notify('astrobee_changes', json_build_object(
    'table', tg_table_name,
    'op', lower(tg_op),
    'id', r->>'id',
    'organizationId', case when tg_table_name = 'organizations' then r->>'id' else r->>'organization_id' end,
    'clientId', r->>'client_id'
  )::text);
  return null;
end
$$`,
    );
    for (const table of NOTIFYING_TABLES) {
      const trigger = `"${table}_notify_change"`;
      this.addSql(
        `create trigger ${trigger} after insert or delete on "${table}" ` +
          'for each row execute function astrobee_notify_change()',
      );
      // An update notifies only when it changed something other than what IGNORED_COLUMNS names.
      const ignored = (IGNORED_COLUMNS[table] ?? []).map((c) => ` - '${c}'`).join('');
      this.addSql(
        `create trigger "${table}_notify_update" after update on "${table}" for each row ` +
          `when ((to_jsonb(old)${ignored}) is distinct from (to_jsonb(new)${ignored})) ` +
          'execute function astrobee_notify_change()',
      );
    }
  }

  override down(): void {
    if (!onPostgres(this)) return;
    for (const table of NOTIFYING_TABLES) {
      this.addSql(`drop trigger if exists "${table}_notify_update" on "${table}"`);
      this.addSql(`drop trigger if exists "${table}_notify_change" on "${table}"`);
    }
    this.addSql('drop function if exists astrobee_notify_change()');
  }
}
