import type { Knex } from '@mikro-orm/knex';
import type { Migration } from '@mikro-orm/migrations';

/**
 * Adds every statement of a knex schema builder to a migration, one statement at a time (the SQLite driver runs
 * one statement per call). Knex renders the schema in the dialect of the connection, so one migration serves SQLite
 * and PostgreSQL.
 */
export function addSchema(
  migration: Migration,
  build: (schema: Knex.SchemaBuilder) => Knex.SchemaBuilder,
): void {
  const knex = migration.getKnex();
  for (const statement of build(knex.schema).toSQL()) {
    migration.addSql(knex.raw(statement.sql, statement.bindings ?? []));
  }
}

/** The id, created_at and updated_at columns every table has (see BaseEntity). */
export function baseColumns(t: Knex.CreateTableBuilder): void {
  t.text('id').notNullable().primary();
  t.datetime('created_at').notNullable();
  t.datetime('updated_at').notNullable();
}

/** Whether the migration runs on PostgreSQL (knex's dialect of the connection), for statements only it has. */
export function onPostgres(migration: Migration): boolean {
  return migration.getKnex().client.dialect === 'postgresql';
}
