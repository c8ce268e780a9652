/**
 * DATABASE_URL names a database that must exist: opening one that does not is refused with a message naming the
 * variable (its password hidden), and no database is created on the way — a typo must not start an instance on a
 * new, empty database beside the real one.
 */
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { openOrm } from '../../src/adapters.js';
import { withoutPassword } from '../../src/db/orm.js';
import { createLogger } from '../../src/logger.js';
import { eventually, testDatabase, testDatabaseKind } from '../support/db.js';

describe('DATABASE_URL that names no database', () => {
  it.skipIf(testDatabaseKind() !== 'postgresql')(
    'is refused, names DATABASE_URL, and creates nothing',
    async () => {
      const db = await testDatabase();
      const missing = `missing_${randomBytes(6).toString('hex')}`;
      const url = db.url.replace(/\/[^/]+$/, `/${missing}`);
      try {
        const opening = openOrm(url);
        await expect(opening).rejects.toThrow(
          /^DATABASE_URL postgres:\/\/.*: cannot open the database: .*does not exist/,
        );
        // The server still has no such database: the real one (db) answers, and lists none by that name.
        const orm = await openOrm(db.url, { migrate: false });
        try {
          const rows = await orm.em
            .getConnection()
            .execute<{ n: number }[]>('select count(*)::int as n from pg_database where datname = ?', [
              missing,
            ]);
          expect(rows[0]?.n).toBe(0);
        } finally {
          await orm.close();
        }
      } finally {
        await db.drop();
      }
    },
  );

  it.skipIf(testDatabaseKind() !== 'postgresql')(
    "logs the driver's connection errors as JSON lines of the app's logger, not as plain text",
    async () => {
      const db = await testDatabase();
      const lines: string[] = [];
      const sink = new Writable({
        write(chunk: Buffer, _enc, done) {
          lines.push(chunk.toString('utf8'));
          done();
        },
      });
      const orm = await openOrm(db.url, { logger: createLogger('info', sink), migrate: false });
      const other = await openOrm(db.url, { migrate: false });
      try {
        const [row] = await orm.em
          .getConnection()
          .execute<{ pid: number }[]>('select pg_backend_pid() as pid');
        // The pooled connection is ended under the pool's feet, as a PostgreSQL restart would.
        await other.em.getConnection().execute('select pg_terminate_backend(?)', [row?.pid]);
        // The pool finds the connection dead when it next hands it out, and says so through the logger.
        const found = await eventually(async () => {
          // The first query may still meet the ended connection (PostgreSQL's "terminating connection" error).
          await orm.em
            .getConnection()
            .execute('select 1')
            .catch(() => undefined);
          return lines.find((l) => l.includes('Connection Error'));
        }, 'a Connection Error line');
        expect(JSON.parse(found)).toMatchObject({ level: 40, component: 'db' });
        // Queries go on, on a new connection.
        expect(await orm.em.getConnection().execute('select 1 as one')).toEqual([{ one: 1 }]);
      } finally {
        await other.close();
        await orm.close();
        await db.drop();
      }
    },
  );

  it('hides the password of a PostgreSQL URL in messages', () => {
    expect(withoutPassword('postgres://astrobee:s3cret-example@db.example.com:5432/astrobee')).toBe(
      'postgres://astrobee:***@db.example.com:5432/astrobee',
    );
    expect(withoutPassword('postgres://db.example.com/astrobee')).toBe('postgres://db.example.com/astrobee');
    expect(withoutPassword('sqlite:data/astrobee.sqlite')).toBe('sqlite:data/astrobee.sqlite');
  });
});
