/**
 * vitest global setup of the `postgresql` project: starts one real PostgreSQL server for the run (see
 * test/support/postgres-server.ts), builds a template database with the real migrations, and hands the server's
 * URL to the tests (`inject('postgresUrl')`). Each test's database is a copy of the template
 * (`CREATE DATABASE … TEMPLATE`), made by test/support/db.ts. Stops the server when the run ends.
 */
import type { TestProject } from 'vitest/node';
import { openOrm } from '../../src/adapters.js';
import { adminQuery, startPostgres } from './postgres-server.js';

/** The template every test database is copied from: the schema of every migration, no rows. */
export const TEMPLATE_DATABASE = 'astrobee_template';

declare module 'vitest' {
  export interface ProvidedContext {
    /** `postgres://postgres@127.0.0.1:<port>/postgres` of the run's server. */
    postgresUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await startPostgres();
  await adminQuery(server.url, `create database ${TEMPLATE_DATABASE}`);
  const orm = await openOrm(server.urlOf(TEMPLATE_DATABASE));
  await orm.close(true);
  project.provide('postgresUrl', server.url);
  return () => server.stop();
}
