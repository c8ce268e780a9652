import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { inject } from 'vitest';
import { openOrm } from '../../src/adapters.js';
import { type DatabaseKind, kindOf, type Orm } from '../../src/db/orm.js';
import type { SlackProfile } from '../../src/domain/members/slack-account.js';
import { adminQuery } from './postgres-server.js';
import { TEMPLATE_DATABASE } from './postgres-setup.js';

/**
 * The database this test file runs on: the vitest project's (`TEST_DATABASE=postgresql` in the `postgresql`
 * project, whose global setup starts a real server; SQLite otherwise).
 */
export function testDatabaseKind(): DatabaseKind {
  return process.env.TEST_DATABASE === 'postgresql' ? 'postgresql' : 'sqlite';
}

/** A new, empty database of {@link testDatabaseKind}, or one with the migrations' schema. */
export interface TestDatabase {
  kind: DatabaseKind;
  /** `DATABASE_URL` of it. */
  url: string;
  /** Path of the SQLite file (its WAL is `${file}-wal`); null on PostgreSQL. */
  file: string | null;
  /** Deletes it (the folder of the SQLite file; `DROP DATABASE … WITH (FORCE)` on PostgreSQL). */
  drop(): Promise<void>;
}

/**
 * Makes a new database for one test: a SQLite file in a temp folder, or on PostgreSQL a new database on the run's
 * server — a copy of the migrated template (`migrated: true`, the default: as fast as a file copy) or empty.
 * @param options `migrated` (default true; PostgreSQL only — a new SQLite file is always empty, and opening it
 *   migrates it)
 */
export async function testDatabase(options: { migrated?: boolean } = {}): Promise<TestDatabase> {
  if (testDatabaseKind() === 'postgresql') {
    const server = inject('postgresUrl');
    const name = `t_${randomBytes(8).toString('hex')}`;
    const template = options.migrated === false ? 'template0' : TEMPLATE_DATABASE;
    await adminQuery(server, `create database ${name} template ${template}`);
    const url = server.replace(/\/postgres$/, `/${name}`);
    return {
      kind: 'postgresql',
      url,
      file: null,
      drop: () => adminQuery(server, `drop database if exists ${name} with (force)`),
    };
  }
  const dir = mkdtempSync(join(tmpdir(), 'astrobee-db-'));
  const file = join(dir, 'test.sqlite');
  return {
    kind: 'sqlite',
    url: `sqlite:${file}`,
    file,
    drop: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** A fresh database of {@link testDatabaseKind}, built by the real migrations. */
export interface FreshDb {
  orm: Orm;
  kind: DatabaseKind;
  /** Path of the SQLite file (its WAL is `${file}-wal`); null on PostgreSQL. */
  file: string | null;
  url: string;
  /** Closes the ORM and deletes the database. */
  close(): Promise<void>;
}

/** Opens a new database and runs every migration on it. */
export async function freshOrm(): Promise<FreshDb> {
  const db = await testDatabase();
  const orm = await openOrm(db.url);
  return {
    orm,
    kind: db.kind,
    file: db.file,
    url: db.url,
    async close() {
      await orm.close(true);
      await db.drop();
    },
  };
}

/** A clock tests can move. Starts at a fixed instant unless told otherwise. */
export class TestClock {
  private current: number;
  constructor(start: Date = new Date('2026-11-02T09:00:00Z')) {
    this.current = start.getTime();
  }
  now(): Date {
    return new Date(this.current);
  }
  /** Moves the clock forward by `ms` milliseconds. */
  advance(ms: number): void {
    this.current += ms;
  }
  set(at: Date): void {
    this.current = at.getTime();
  }
}

/**
 * A Slack profile (as `users.info` reads) of an active, non-admin user of workspace `teamId`, for domain tests that
 * resolve actors without Slack.
 */
export function profileOf(
  teamId: string,
  userId: string,
  email: string | null,
  extra: Partial<SlackProfile> = {},
): SlackProfile {
  return {
    userId,
    teamId,
    enterpriseId: null,
    email: email?.trim().toLowerCase() ?? null,
    deleted: false,
    workspaceAdmin: false,
    isBot: false,
    ...extra,
  };
}

/**
 * Everything the database holds, as text, for tests that check a secret is not stored in plain text: on SQLite the
 * bytes of the file and its WAL (Latin-1, so any byte sequence is kept); on PostgreSQL every row of every table of
 * the `public` schema in its text form.
 */
export async function storedText(db: { url: string; file: string | null }): Promise<string> {
  if (db.file !== null) {
    return [db.file, `${db.file}-wal`]
      .filter((f) => existsSync(f))
      .map((f) => readFileSync(f).toString('latin1'))
      .join('\n');
  }
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    const tables = await client.query<{ tablename: string }>(
      "select tablename from pg_tables where schemaname = 'public'",
    );
    const parts: string[] = [];
    for (const { tablename } of tables.rows) {
      const rows = await client.query<{ row: string }>(`select t::text as row from "${tablename}" t`);
      parts.push(...rows.rows.map((r) => r.row));
    }
    return parts.join('\n');
  } finally {
    await client.end();
  }
}

/**
 * Makes every insert into `api_access_tokens` fail with `reason`, as a real database error would (a trigger: on
 * SQLite a temporary one on the app's one connection, `RAISE(ABORT)`, error `SQLITE_CONSTRAINT: <reason>`; on
 * PostgreSQL a PL/pgSQL one, `RAISE EXCEPTION`, SQLSTATE P0001).
 * @returns the message the token batcher gives for it, and a function that removes the trigger
 */
export async function failTokenInserts(
  orm: Orm,
  reason: string,
): Promise<{ message: string; undo: () => Promise<void> }> {
  const connection = orm.em.getConnection();
  if (kindOf(orm) === 'postgresql') {
    await connection.execute(
      `create function refuse_tokens() returns trigger language plpgsql as $$ begin raise exception '${reason}'; end $$`,
    );
    await connection.execute(
      'create trigger refuse_tokens before insert on api_access_tokens for each row execute function refuse_tokens()',
    );
    return {
      message: `issuing access tokens failed: ${reason}`,
      undo: async () => {
        await connection.execute('drop trigger refuse_tokens on api_access_tokens');
        await connection.execute('drop function refuse_tokens()');
      },
    };
  }
  await connection.execute(
    `create temp trigger refuse_tokens before insert on api_access_tokens begin select raise(abort, '${reason}'); end`,
  );
  return {
    message: `issuing access tokens failed: SQLITE_CONSTRAINT: ${reason}`,
    undo: async () => {
      await connection.execute('drop trigger temp.refuse_tokens');
    },
  };
}

/**
 * Polls `probe` every 20 ms until it answers something (not `undefined`, `false` or `null`): for effects that
 * happen after Slack's acknowledgement, which on PostgreSQL (a pool of connections) may commit after the test's own
 * query runs.
 * @param timeoutMs milliseconds, default 5000
 * @throws Error naming `what` after `timeoutMs`
 */
export async function eventually<T>(
  probe: () => Promise<T | undefined | false | null>,
  what: string,
  timeoutMs = 5000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false && value !== null) return value;
    if (Date.now() > deadline)
      throw new Error(`eventually timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
