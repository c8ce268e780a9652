import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openOrm } from '../../src/adapters.js';
import type { Orm } from '../../src/db/orm.js';
import type { SlackProfile } from '../../src/domain/members/slack-account.js';

/** A fresh SQLite file in a temp folder, built by the real migrations. */
export interface FreshDb {
  orm: Orm;
  /** Path of the SQLite file (its WAL is `${file}-wal`). */
  file: string;
  url: string;
  /** Closes the ORM and deletes the folder. */
  close(): Promise<void>;
}

/** Opens a new database file and runs every migration on it. */
export async function freshOrm(): Promise<FreshDb> {
  const dir = mkdtempSync(join(tmpdir(), 'astrobee-db-'));
  const file = join(dir, 'test.sqlite');
  const url = `sqlite:${file}`;
  const orm = await openOrm(url);
  return {
    orm,
    file,
    url,
    async close() {
      await orm.close(true);
      rmSync(dir, { recursive: true, force: true });
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
