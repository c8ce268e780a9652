/**
 * The state several instances share in the database, below the app: Slack delivery receipts
 * (src/db/event-receipts.ts) and the failed-authentication counters (src/db/shared-limits.ts), on the real
 * migrated schema, with two ORMs on one database standing for two instances.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openOrm } from '../../src/adapters.js';
import { SqlEventReceiptStore } from '../../src/db/event-receipts.js';
import type { Orm } from '../../src/db/orm.js';
import { failureCounting } from '../../src/db/shared-limits.js';
import { FailedAuthLimiter } from '../../src/http/oauth/failed-auth-limiter.js';
import { receiptKeyOf } from '../../src/slack/event-receipts.js';
import { type FreshDb, freshOrm, testDatabaseKind } from '../support/db.js';

let db: FreshDb;
/** A second instance's ORM on the same database. */
let other: Orm;

beforeAll(async () => {
  db = await freshOrm();
  other = await openOrm(db.url, { migrate: false });
});

afterAll(async () => {
  await other?.close(true);
  await db?.close();
});

describe('slack_event_receipts', () => {
  it('a key is claimed once; a handled one stays a duplicate, also after its lease', async () => {
    const store = new SqlEventReceiptStore(db.orm);
    expect(await store.claim('event:T1:Ev1', 1_000, 2_000)).toBe('claimed');
    expect(await store.claim('event:T1:Ev1', 1_500, 2_500)).toBe('duplicate');
    await store.markHandled('event:T1:Ev1');
    expect(await store.claim('event:T1:Ev1', 9_000, 10_000)).toBe('duplicate');
  });

  it('a released claim is claimed again; a claim whose lease ran out is taken over once', async () => {
    const store = new SqlEventReceiptStore(db.orm);
    expect(await store.claim('event:T1:Ev2', 1_000, 2_000)).toBe('claimed');
    await store.release('event:T1:Ev2');
    expect(await store.claim('event:T1:Ev2', 1_100, 2_100)).toBe('claimed');
    expect(await store.claim('event:T1:Ev2', 2_099, 3_099)).toBe('duplicate');
    expect(await store.claim('event:T1:Ev2', 2_101, 3_101)).toBe('claimed');
    expect(await store.claim('event:T1:Ev2', 2_102, 3_102)).toBe('duplicate');
    // Releasing a handled receipt changes nothing.
    await store.markHandled('event:T1:Ev2');
    await store.release('event:T1:Ev2');
    expect(await store.claim('event:T1:Ev2', 9_000, 10_000)).toBe('duplicate');
  });

  it('two instances claiming the same keys at once: exactly one wins each', async () => {
    const stores = [new SqlEventReceiptStore(db.orm), new SqlEventReceiptStore(other)];
    const keys = Array.from({ length: 30 }, (_, i) => `event:T1:EvRace${i}`);
    const outcomes = await Promise.all(
      keys.flatMap((key) => stores.map((store) => store.claim(key, 5_000, 50_000).then((o) => [key, o]))),
    );
    for (const key of keys) {
      const wins = outcomes.filter(([k, o]) => k === key && o === 'claimed');
      expect(wins, key).toHaveLength(1);
    }
  });

  it('purges receipts created before a time, handled or not', async () => {
    const store = new SqlEventReceiptStore(db.orm);
    await store.claim('action:T1:U1:approve:1.1', 100, 200);
    await store.claim('action:T1:U1:approve:1.2', 150, 250);
    await store.markHandled('action:T1:U1:approve:1.2');
    await store.claim('action:T1:U1:approve:1.3', 20_000_000, 20_000_100);
    expect(await store.purge(10_000_000)).toBeGreaterThanOrEqual(2);
    expect(await store.claim('action:T1:U1:approve:1.1', 20_000_000, 20_000_100)).toBe('claimed');
    expect(await store.claim('action:T1:U1:approve:1.2', 20_000_000, 20_000_100)).toBe('claimed');
    expect(await store.claim('action:T1:U1:approve:1.3', 20_000_000, 20_000_100)).toBe('duplicate');
  });
});

describe('receiptKeyOf', () => {
  it('keys an Events API delivery by team and event_id, a button by team, user, action_id and action_ts', () => {
    expect(receiptKeyOf({ type: 'event_callback', team_id: 'T1', event_id: 'Ev9', event: {} })).toBe(
      'event:T1:Ev9',
    );
    expect(
      receiptKeyOf({
        type: 'block_actions',
        team: { id: 'T1' },
        user: { id: 'U1', team_id: 'T1' },
        actions: [{ action_id: 'approval_approve', action_ts: '1700000000.000100' }],
      }),
    ).toBe('action:T1:U1:approval_approve:1700000000.000100');
  });

  it('gives no key to slash commands, modal submissions, or a payload without its ids', () => {
    expect(receiptKeyOf({ command: '/org', team_id: 'T1', trigger_id: '1.2.abc' })).toBeUndefined();
    expect(receiptKeyOf({ type: 'view_submission', team: { id: 'T1' }, view: { id: 'V1' } })).toBeUndefined();
    expect(receiptKeyOf({ type: 'event_callback', team_id: 'T1' })).toBeUndefined();
    expect(
      receiptKeyOf({
        type: 'block_actions',
        team: { id: 'T1' },
        user: { id: 'U1' },
        actions: [{ action_id: 'x' }],
      }),
    ).toBeUndefined();
    expect(
      receiptKeyOf({ type: 'event_callback', team_id: 'T1', event_id: 'E'.repeat(500) }),
    ).toBeUndefined();
  });
});

describe('failed-authentication counting', () => {
  const limits = {
    perClientId: { failures: 3, windowSeconds: 60 },
    perAddress: { failures: 100, windowSeconds: 60 },
  };

  it('counts in the database on PostgreSQL and in the process on SQLite', () => {
    expect(failureCounting(db.orm).where).toBe(testDatabaseKind() === 'postgresql' ? 'database' : 'process');
  });

  it('answers at once while nothing failed, and limits after the failures', async () => {
    const limiter = new FailedAuthLimiter(limits, failureCounting(db.orm));
    expect(await limiter.retryAfter('192.0.2.1', 'cli_fresh')).toBeNull();
    for (let i = 0; i < 3; i += 1) await limiter.recordFailure('192.0.2.1', 'cli_fresh');
    const seconds = await limiter.retryAfter('192.0.2.1', 'cli_fresh');
    expect(seconds).toBeGreaterThan(0);
    expect(seconds).toBeLessThanOrEqual(60);
    expect(await limiter.retryAfter('192.0.2.1', 'cli_other')).toBeNull();
  });

  it.skipIf(testDatabaseKind() === 'sqlite')(
    'failures recorded by one instance limit the other, whose own fast path saw none',
    async () => {
      const onA = new FailedAuthLimiter(limits, failureCounting(db.orm));
      const onB = new FailedAuthLimiter(limits, failureCounting(other));
      expect(await onB.retryAfter('192.0.2.2', 'cli_shared')).toBeNull();
      await onA.recordFailure('192.0.2.2', 'cli_shared');
      await onB.recordFailure('192.0.2.3', 'cli_shared');
      expect(await onB.retryAfter('192.0.2.2', 'cli_shared')).toBeNull();
      await onA.recordFailure('192.0.2.4', 'cli_shared');
      expect(await onB.retryAfter('192.0.2.9', 'cli_shared')).toBeGreaterThan(0);
      expect(await onA.retryAfter('192.0.2.9', 'cli_shared')).toBeGreaterThan(0);
    },
  );

  it.skipIf(testDatabaseKind() === 'sqlite')(
    'while the table cannot be reached, failures are counted in the process: the gate stays shut',
    async () => {
      const connection = db.orm.em.getConnection();
      await connection.execute('alter table rate_limits rename to rate_limits_away');
      try {
        const limiter = new FailedAuthLimiter(limits, failureCounting(db.orm));
        for (let i = 0; i < 3; i += 1) await limiter.recordFailure('192.0.2.5', 'cli_hiccup');
        expect(await limiter.retryAfter('192.0.2.5', 'cli_hiccup')).toBeGreaterThan(0);
      } finally {
        await connection.execute('alter table rate_limits_away rename to rate_limits');
      }
    },
  );
});
