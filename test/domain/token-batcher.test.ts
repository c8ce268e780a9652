import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openOrm } from '../../src/adapters.js';
import { accessTokenBatchStore } from '../../src/db/client-credentials.js';
import type { Orm } from '../../src/db/orm.js';
import { AccessToken, ApiClient } from '../../src/domain/clients/client.entity.js';
import { ClientsService } from '../../src/domain/clients/clients.service.js';
import { accessTokenKey, hashCredential } from '../../src/domain/clients/credentials.js';
import { TokenBatchError, TokenBatcher, timeOrderedUuid } from '../../src/domain/clients/token-batcher.js';
import { Member } from '../../src/domain/members/member.entity.js';
import { Organization } from '../../src/domain/organizations/organization.entity.js';
import { createLogger } from '../../src/logger.js';
import { type FreshDb, failTokenInserts, freshOrm, TestClock } from '../support/db.js';

const TEAM = 'T0BATCH';

/** An organization with one admin and one API client; returns the client and its secret's hash. */
async function seedClient(orm: Orm, clock: TestClock): Promise<{ client: ApiClient; secretHash: string }> {
  const em = orm.em.fork();
  const organization = new Organization('Batch Works', TEAM, clock.now());
  const admin = new Member({
    organization,
    email: 'ada@example.com',
    role: 'admin',
    slackUserId: 'U0ADA',
    now: clock.now(),
  });
  em.persist([organization, admin]);
  await em.flush();
  const issued = await new ClientsService(em, clock).create(
    { slackTeamId: TEAM, slackUserId: 'U0ADA', organization, member: admin },
    'Batch client',
  );
  const client = await em.findOneOrFail(ApiClient, issued.client.id);
  return { client, secretHash: hashCredential(issued.secret) };
}

describe('TokenBatcher on a migrated SQLite file', () => {
  let db: FreshDb;
  /** The statements the ORM ran, in order (MikroORM's `onQuery` hook on a second ORM over the same file). */
  let statements: string[];
  /** The values bound to each statement, in the same order. */
  let bound: unknown[][];
  let orm: Orm;
  const clock = new TestClock();

  beforeEach(async () => {
    db = await freshOrm();
    statements = [];
    bound = [];
    orm = await openOrm(db.url, {
      migrate: false,
      overrides: {
        onQuery: (sql: string, params: unknown[]) => {
          statements.push(sql);
          bound.push(params);
          return sql;
        },
      },
    });
  });
  afterEach(async () => {
    await orm.close(true);
    await db.close();
  });

  it('issues all requests queued in one event-loop turn with one statement, and at most maxBatch per statement', async () => {
    const { client, secretHash } = await seedClient(orm, clock);
    const batcher = new TokenBatcher({
      store: accessTokenBatchStore(orm),
      clock,
      logger: createLogger('silent'),
      maxBatch: 16,
    });
    statements.length = 0;
    const tokens = await Promise.all(Array.from({ length: 40 }, () => batcher.issue(client.id, secretHash)));
    expect(tokens.every((t) => t !== null && t.expiresIn === 3600)).toBe(true);
    const inserts = statements.filter((s) => s.includes('insert into api_access_tokens'));
    // 40 requests, at most 16 a statement: 16 + 16 + 8.
    expect(inserts).toHaveLength(3);
    const stored = await orm.em.fork().find(AccessToken, { client: client.id });
    expect(stored.map((t) => t.tokenHash).sort()).toEqual(
      tokens.map((t) => accessTokenKey(t?.accessToken ?? '')).sort(),
    );
    expect(stored.every((t) => t.expiresAt.getTime() === clock.now().getTime() + 3_600_000)).toBe(true);
  });

  it('answers null for a request whose secret does not match, inside a group with good ones', async () => {
    const { client, secretHash } = await seedClient(orm, clock);
    const batcher = new TokenBatcher({
      store: accessTokenBatchStore(orm),
      clock,
      logger: createLogger('silent'),
    });
    const [good, bad, unknown] = await Promise.all([
      batcher.issue(client.id, secretHash),
      batcher.issue(client.id, hashCredential('abo_cs_not-the-secret')),
      batcher.issue('cli_aaaaaaaaaaaaaaaaaaaa', secretHash),
    ]);
    expect(good?.accessToken).toMatch(/^abo_at_/);
    expect(bad).toBeNull();
    expect(unknown).toBeNull();
    expect(await orm.em.fork().count(AccessToken, {})).toBe(1);
  });

  it('compares guessed secrets in memory: no statement ever carries the hash of a wrong secret', async () => {
    const { client } = await seedClient(orm, clock);
    const batcher = new TokenBatcher({
      store: accessTokenBatchStore(orm),
      clock,
      logger: createLogger('silent'),
    });
    const guesses = Array.from({ length: 5 }, (_, i) => hashCredential(`abo_cs_guess-${i}`));
    statements.length = 0;
    bound.length = 0;
    const answers = await Promise.all(guesses.map((g) => batcher.issue(client.id, g)));
    expect(answers).toEqual([null, null, null, null, null]);
    // The secrets were read by client ID; nothing was inserted, and no guess reached the database.
    const reads = statements.flatMap((sql, i) => (sql.includes('from api_client_secrets') ? [bound[i]] : []));
    expect(reads.length).toBeGreaterThan(0);
    expect(reads.some((params) => params?.includes(client.id))).toBe(true);
    expect(statements.filter((sql) => sql.includes('insert into api_access_tokens'))).toEqual([]);
    const everything = JSON.stringify([statements, bound]);
    for (const g of guesses) expect(everything).not.toContain(g);
  });

  it('rejects every request of a failed group with a TokenBatchError that does not carry the statement', async () => {
    const { client, secretHash } = await seedClient(orm, clock);
    const batcher = new TokenBatcher({
      store: accessTokenBatchStore(orm),
      clock,
      logger: createLogger('silent'),
    });
    const refusal = await failTokenInserts(orm, 'no room');
    const results = await Promise.allSettled([1, 2, 3].map(() => batcher.issue(client.id, secretHash)));
    for (const r of results) {
      expect(r.status).toBe('rejected');
      if (r.status === 'rejected') {
        expect(r.reason).toBeInstanceOf(TokenBatchError);
        expect((r.reason as TokenBatchError).message).toBe(refusal.message);
        expect((r.reason as TokenBatchError).message).not.toContain(secretHash);
      }
    }
    await refusal.undo();
    expect(await batcher.issue(client.id, secretHash)).not.toBeNull();
  });

  it('reads secrets once per client, finds a secret rotated in since, and refuses kept ones the database no longer accepts', async () => {
    const { client, secretHash } = await seedClient(orm, clock);
    const batcher = new TokenBatcher({
      store: accessTokenBatchStore(orm),
      clock,
      logger: createLogger('silent'),
    });
    const secretReads = () => statements.filter((sql) => sql.includes('from api_client_secrets')).length;
    expect(await batcher.issue(client.id, secretHash)).not.toBeNull();
    expect(await batcher.issue(client.id, secretHash)).not.toBeNull();
    expect(secretReads()).toBe(1);

    const em = orm.em.fork();
    const organization = await em.findOneOrFail(Organization, { slackTeamId: TEAM });
    const admin = await em.findOneOrFail(Member, { slackUserId: 'U0ADA' });
    const actor = { slackTeamId: TEAM, slackUserId: 'U0ADA', organization, member: admin };
    const rotated = await new ClientsService(em, clock).rotate(actor, client.id);
    const newHash = hashCredential(rotated.secret);
    // The new secret is not among the kept hashes: read again, then issued.
    expect(await batcher.issue(client.id, newHash)).not.toBeNull();
    expect(secretReads()).toBe(2);
    // The old one still passes inside its grace period, and no longer once it is over (clock and database agree).
    expect(await batcher.issue(client.id, secretHash)).not.toBeNull();
    clock.advance(rotated.previousValidUntil.getTime() - clock.now().getTime() + 1000);
    expect(await batcher.issue(client.id, secretHash)).toBeNull();

    // Disabled after its secrets were kept: the insert refuses, whatever is kept.
    await new ClientsService(orm.em.fork(), clock).disable(actor, client.id);
    expect(await batcher.issue(client.id, newHash)).toBeNull();
  });

  it('drops the kept hashes of a client named by its change signal, and of every client on null', async () => {
    const { client, secretHash } = await seedClient(orm, clock);
    const listeners: ((clientId: string | null) => void)[] = [];
    const batcher = new TokenBatcher({
      store: accessTokenBatchStore(orm),
      clock,
      logger: createLogger('silent'),
      changes: { subscribe: (onChange) => listeners.push(onChange) },
    });
    const tell = (clientId: string | null) => {
      for (const listener of listeners) listener(clientId);
    };
    expect(await batcher.issue(client.id, secretHash)).not.toBeNull();
    expect(batcher.keeps(client.id)).toBe(true);
    tell('cli_aaaaaaaaaaaaaaaaaaaa');
    expect(batcher.keeps(client.id)).toBe(true);
    tell(client.id);
    expect(batcher.keeps(client.id)).toBe(false);
    const secretReads = () =>
      statements.filter((sql) => sql.includes('from api_client_secrets s join api_clients c')).length;
    const before = secretReads();
    // The next request reads the client's secrets again.
    expect(await batcher.issue(client.id, secretHash)).not.toBeNull();
    expect(secretReads()).toBe(before + 1);
    tell(null);
    expect(batcher.keeps(client.id)).toBe(false);
  });

  it('keys rows by time-ordered version 7 UUIDs', () => {
    const a = timeOrderedUuid(1_700_000_000_000);
    const b = timeOrderedUuid(1_700_000_000_001);
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(a.slice(0, 13)).toBe('018bcfe5-6800');
    expect(a < b).toBe(true);
  });
});
