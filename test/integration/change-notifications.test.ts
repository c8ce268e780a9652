/**
 * PostgreSQL's change notifications (migration Migration20261206000100_change_notifications, and
 * src/db/change-notifications.ts): what the triggers send, when, and what a listener does with it — the team
 * directory patched, the token batcher's kept hashes dropped, every cache dropped when the connection drops. Two
 * ORMs on one database stand for two instances.
 *
 * Skipped on SQLite: one process per database file, whose own statements are watched instead
 * (src/db/table-writes.ts, test/integration/team-directory.test.ts).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openOrm, teamDirectoryOn } from '../../src/adapters.js';
import {
  clientChangesOf,
  PostgresChangeListener,
  parseChange,
  type TableChange,
} from '../../src/db/change-notifications.js';
import { accessTokenBatchStore } from '../../src/db/client-credentials.js';
import type { Orm } from '../../src/db/orm.js';
import { ApiClient } from '../../src/domain/clients/client.entity.js';
import { ClientsService } from '../../src/domain/clients/clients.service.js';
import { hashCredential } from '../../src/domain/clients/credentials.js';
import { TokenBatcher } from '../../src/domain/clients/token-batcher.js';
import { Member } from '../../src/domain/members/member.entity.js';
import { Organization } from '../../src/domain/organizations/organization.entity.js';
import { createLogger } from '../../src/logger.js';
import { eventually, type FreshDb, freshOrm, TestClock, testDatabaseKind } from '../support/db.js';

const TEAM = 'T0NOTIFY';

describe('parseChange', () => {
  it('reads the trigger payload, and answers null ("anything may have changed") for anything else', () => {
    expect(
      parseChange('{"table":"members","op":"delete","id":"m1","organizationId":"o1","clientId":null}'),
    ).toEqual({ table: 'members', op: 'delete', id: 'm1', organizationId: 'o1', clientId: null });
    expect(parseChange('not json')).toBeNull();
    expect(parseChange('{"op":"insert"}')).toBeNull();
    expect(parseChange(undefined)).toBeNull();
  });
});

describe.skipIf(testDatabaseKind() !== 'postgresql')(
  'change notifications between two instances on PostgreSQL (skipped on SQLite: one process per file)',
  () => {
    let db: FreshDb;
    /** The other instance's ORM (the writer). */
    let writer: Orm;
    let listener: PostgresChangeListener;
    let heard: (TableChange | null)[];
    const clock = new TestClock();
    let organization: Organization;
    let admin: Member;

    beforeEach(async () => {
      db = await freshOrm();
      writer = await openOrm(db.url, { migrate: false });
      listener = new PostgresChangeListener({
        url: db.url,
        logger: createLogger('silent'),
        reconnectMinMs: 50,
        reconnectMaxMs: 200,
      });
      heard = [];
      listener.subscribe((change) => heard.push(change));
      await listener.start();
      const em = writer.em.fork();
      organization = new Organization('Notify Works', TEAM, clock.now());
      admin = new Member({
        organization,
        email: 'ada@example.com',
        role: 'admin',
        slackUserId: 'U0ADA',
        now: clock.now(),
      });
      await em.persist([organization, admin]).flush();
      await listener.settled();
      heard.length = 0;
    });

    afterEach(async () => {
      await listener.close();
      await writer.close(true);
      await db.close();
    });

    it('tells each committed write of a member, with ids only, in commit order; nothing of a rollback', async () => {
      await writer.em.fork().nativeUpdate(Member, { id: admin.id }, { slackUserId: 'U0ADA2' });
      await expect(
        writer.em.fork().transactional(async (em) => {
          await em.nativeUpdate(Member, { id: admin.id }, { slackUserId: 'U0GONE' });
          throw new Error('rolled back');
        }),
      ).rejects.toThrow('rolled back');
      await writer.em.fork().nativeDelete(Member, { id: admin.id });
      expect(await listener.settled()).toBe(true);
      expect(heard).toEqual([
        { table: 'members', op: 'update', id: admin.id, organizationId: organization.id, clientId: null },
        { table: 'members', op: 'delete', id: admin.id, organizationId: organization.id, clientId: null },
      ]);
    });

    it("patches the directory of one instance from the other's write, seen by the first read after it", async () => {
      const directory = teamDirectoryOn(db.orm, listener);
      expect((await directory.view(TEAM, 'U0ADA'))?.viewer.role).toBe('admin');
      const em = writer.em.fork();
      const bob = new Member({
        organization: em.getReference(Organization, organization.id),
        email: 'bob@example.com',
        role: 'member',
        slackUserId: 'U0BOB',
        now: clock.now(),
      });
      await em.persist(bob).flush();
      // No waiting: the read right after the commit sees it.
      expect((await directory.view(TEAM, 'U0BOB'))?.viewer.role).toBe('member');
      await writer.em.fork().nativeUpdate(Member, { id: bob.id }, { role: 'admin' });
      const team = (await directory.view(TEAM, 'U0BOB'))?.team;
      expect(team?.members.map((m) => `${m.email}:${m.role}`)).toEqual([
        'ada@example.com:admin',
        'bob@example.com:admin',
      ]);
      await writer.em.fork().nativeUpdate(Organization, { id: organization.id }, { name: 'Renamed Works' });
      expect((await directory.view(TEAM, 'U0ADA'))?.team.organization.name).toBe('Renamed Works');
    });

    it("drops the token batcher's kept hashes of a client disabled or rotated by the other instance", async () => {
      const services = new ClientsService(writer.em.fork(), clock);
      const actor = { slackTeamId: TEAM, slackUserId: 'U0ADA', organization, member: admin };
      const issued = await services.create(actor, 'Reporting');
      const batcher = new TokenBatcher({
        store: accessTokenBatchStore(db.orm),
        clock,
        logger: createLogger('silent'),
        changes: clientChangesOf(listener),
      });
      expect(await batcher.issue(issued.client.id, hashCredential(issued.secret))).not.toBeNull();
      expect(batcher.keeps(issued.client.id)).toBe(true);
      // A rotation writes the client's secrets.
      await new ClientsService(writer.em.fork(), clock).rotate(actor, issued.client.id);
      await listener.settled();
      expect(batcher.keeps(issued.client.id)).toBe(false);
      expect(await batcher.issue(issued.client.id, hashCredential(issued.secret))).not.toBeNull();
      expect(batcher.keeps(issued.client.id)).toBe(true);
      await new ClientsService(writer.em.fork(), clock).disable(actor, issued.client.id);
      await listener.settled();
      expect(batcher.keeps(issued.client.id)).toBe(false);
      expect(await batcher.issue(issued.client.id, hashCredential(issued.secret))).toBeNull();
      expect((await writer.em.fork().findOneOrFail(ApiClient, issued.client.id)).status).toBe('disabled');
    });

    it('after its connection is ended: says "anything may have changed", refuses to vouch while down, listens again', async () => {
      const directory = teamDirectoryOn(db.orm, listener);
      await directory.view(TEAM, 'U0ADA');
      expect(directory.peek(TEAM)).toBeDefined();
      const pid = listener.backendPid;
      await writer.em.fork().getConnection().execute('select pg_terminate_backend(?)', [pid]);
      await eventually(async () => heard.includes(null), 'the listener to notice');
      expect(directory.peek(TEAM)).toBeUndefined();
      // A write while nobody listens: its notification is lost.
      await writer.em.fork().nativeUpdate(Member, { id: admin.id }, { role: 'member' });
      await eventually(async () => listener.live && listener.backendPid !== pid, 'the listener to reconnect');
      // Told again on reconnection, since notifications were missed meanwhile.
      expect(heard.filter((c) => c === null).length).toBeGreaterThanOrEqual(2);
      expect((await directory.view(TEAM, 'U0ADA'))?.viewer.role).toBe('member');
      await writer.em.fork().nativeUpdate(Member, { id: admin.id }, { role: 'admin' });
      expect((await directory.view(TEAM, 'U0ADA'))?.viewer.role).toBe('admin');
    });

    it('takes a connection that does not answer settled() in time for dead: false, then it reconnects', async () => {
      const slow = new PostgresChangeListener({
        url: db.url,
        logger: createLogger('silent'),
        reconnectMinMs: 50,
        settleTimeoutMs: 200,
      });
      const told: (TableChange | null)[] = [];
      slow.subscribe((change) => told.push(change));
      await slow.start();
      const pid = slow.backendPid;
      if (pid === null) throw new Error('no backend');
      // The listening session's server process stops answering (as over a network that silently drops packets).
      process.kill(pid, 'SIGSTOP');
      try {
        expect(await slow.settled()).toBe(false);
        expect(told).toEqual([null]);
        await eventually(async () => slow.live && slow.backendPid !== pid, 'the listener to reconnect');
        expect(told).toEqual([null, null]);
        expect(await slow.settled()).toBe(true);
      } finally {
        process.kill(pid, 'SIGCONT');
        await slow.close();
      }
    });

    it('answers false from settled() while not listening, and after close', async () => {
      expect(await listener.settled()).toBe(true);
      await listener.close();
      expect(listener.live).toBe(false);
      expect(await listener.settled()).toBe(false);
    });
  },
);
