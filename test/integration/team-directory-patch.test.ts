/**
 * The team directory's patch in place: one member's committed write read again by id and put at its place in the
 * snapshot, instead of a reload of the team (what a change notification from another instance triggers on
 * PostgreSQL). Real migrations, real writes through the services, on both databases; the signal is fired by hand
 * here (the real one, PostgreSQL's LISTEN/NOTIFY, is tested in change-notifications.test.ts).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createServices } from '../../src/adapters.js';
import { teamRowsOn } from '../../src/db/team-rows.js';
import type { Actor } from '../../src/domain/actor.js';
import { Member, type Role } from '../../src/domain/members/member.entity.js';
import { MEMBERS_PAGE_SIZE, type MemberSummary } from '../../src/domain/members/members.service.js';
import type { TeamChange, TeamChangeSignal } from '../../src/domain/members/ports.js';
import {
  compareMembers,
  TeamDirectory,
  type TeamSnapshot,
  withMember,
} from '../../src/domain/members/team-directory.js';
import { Organization } from '../../src/domain/organizations/organization.entity.js';
import { type FreshDb, freshOrm, profileOf, TestClock } from '../support/db.js';

const TEAM = 'T0PATCH';

/** A change signal fired by the test, as another instance's notification would be. */
class FiredSignal implements TeamChangeSignal {
  private readonly listeners: ((change?: TeamChange) => void)[] = [];
  subscribe(onChange: (change?: TeamChange) => void): void {
    this.listeners.push(onChange);
  }
  /** Runs at the next call of `settled` (a notification arriving then). */
  private onNextSettle: (() => void)[] = [];
  settled(): Promise<boolean> {
    for (const run of this.onNextSettle.splice(0)) run();
    return Promise.resolve(true);
  }
  /** Fires `change` when `settled` is next called, after it has been called `calls` times more. */
  fireAtSettle(calls: number, change?: TeamChange): void {
    let left = calls;
    const step = () => {
      if (left === 0) this.fire(change);
      else {
        left -= 1;
        this.onNextSettle.push(step);
      }
    };
    this.onNextSettle.push(step);
  }
  fire(change?: TeamChange): void {
    for (const listener of this.listeners) listener(change);
  }
}

const summary = (
  id: string,
  email: string,
  role: Role,
  slackUserId: string | null = null,
): MemberSummary => ({
  id,
  email,
  role,
  slackUserId,
});

const row = (m: MemberSummary) => `${m.id}/${m.email}/${m.role}/${m.slackUserId}`;

describe('withMember and compareMembers (the order of /org members)', () => {
  const team = (members: MemberSummary[]): TeamSnapshot => ({
    organization: { id: 'o1', name: 'Bee Labs', slackTeamId: TEAM },
    members,
    bySlackUser: new Map(members.filter((m) => m.slackUserId).map((m) => [m.slackUserId as string, m])),
  });

  it('moves a member whose role changed to its place, and keeps the index by Slack user', () => {
    const before = team([
      summary('1', 'zed@example.com', 'admin', 'U1'),
      summary('2', 'amy@example.com', 'member', 'U2'),
      summary('3', 'bea@example.com', 'member', 'U3'),
    ]);
    const after = withMember(before, '3', summary('3', 'bea@example.com', 'admin', 'U3'));
    expect(after.members.map((m) => `${m.role}:${m.email}`)).toEqual([
      'admin:bea@example.com',
      'admin:zed@example.com',
      'member:amy@example.com',
    ]);
    expect(after.bySlackUser.get('U3')?.role).toBe('admin');
    expect(before.members[2]?.role).toBe('member');
  });

  it('removes a deleted member and inserts a new one', () => {
    const before = team([
      summary('1', 'b@example.com', 'admin', 'U1'),
      summary('2', 'd@example.com', 'member', 'U2'),
    ]);
    const removed = withMember(before, '2', null);
    expect(removed.members.map((m) => m.id)).toEqual(['1']);
    expect(removed.bySlackUser.has('U2')).toBe(false);
    const added = withMember(removed, '9', summary('9', 'a@example.com', 'member', 'U9'));
    expect(added.members.map((m) => m.id)).toEqual(['1', '9']);
    expect(added.bySlackUser.get('U9')?.id).toBe('9');
  });

  it('orders emails by their UTF-8 bytes, as SQLite and the C collation do', () => {
    const a = summary('1', 'z@example.com', 'member');
    const b = summary('2', 'é@example.com', 'member');
    const c = summary('3', '\u{1F41D}@example.com', 'member');
    const d = summary('4', '\uFF41@example.com', 'member');
    expect([c, b, a, d].sort(compareMembers).map((m) => m.id)).toEqual(['1', '2', '4', '3']);
  });
});

describe('TeamDirectory patched in place from a member change', () => {
  let db: FreshDb;
  let clock: TestClock;
  let signal: FiredSignal;
  let directory: TeamDirectory;
  let organizationId: string;

  async function as(slackUserId: string) {
    const services = createServices(db.orm.em.fork(), clock);
    const actor: Actor = await services.members.resolveActor(TEAM, slackUserId, async () =>
      profileOf(TEAM, slackUserId, null),
    );
    return { services, actor };
  }

  beforeEach(async () => {
    db = await freshOrm();
    clock = new TestClock();
    signal = new FiredSignal();
    directory = new TeamDirectory(teamRowsOn(db.orm), signal);
    const services = createServices(db.orm.em.fork(), clock);
    await services.organizations.setup(
      { slackTeamId: TEAM, slackUserId: 'U0ADA', organization: null, member: null },
      { name: 'Bee Labs', email: 'ada@example.com', isWorkspaceAdmin: true },
    );
    const em = db.orm.em.fork();
    const organization = await em.findOneOrFail(Organization, { slackTeamId: TEAM });
    organizationId = organization.id;
    for (let i = 1; i < 30; i += 1) {
      const email = `${String.fromCharCode(97 + ((i * 11) % 26))}${i}@example.com`;
      em.persist(
        new Member({
          organization,
          email,
          role: i % 6 === 0 ? 'admin' : 'member',
          slackUserId: `U${String(i).padStart(4, '0')}`,
          now: clock.now(),
        }),
      );
    }
    await em.flush();
  });

  afterEach(async () => {
    await db.close();
  });

  /** Every page of the directory equals MembersService.list's, read from the database now. */
  async function expectSameAsDatabase(team: TeamSnapshot): Promise<void> {
    const { services, actor } = await as('U0ADA');
    for (const page of [1, 2, 3]) {
      const fromDb = await services.members.list(actor, page);
      const fromMemory = directory.page(team, page, MEMBERS_PAGE_SIZE);
      expect({ ...fromMemory, items: fromMemory.items.map(row) }).toEqual({
        ...fromDb,
        items: fromDb.items.map(row),
      });
    }
  }

  it('patches a role change in without reading the rest of the team again', async () => {
    const before = (await directory.view(TEAM, 'U0ADA'))?.team;
    if (!before) throw new Error('no snapshot');
    const admin = await as('U0ADA');
    await admin.services.members.changeRole(admin.actor, { slackUserId: 'U0001' }, 'admin');
    const changed = before.members.find((m) => m.slackUserId === 'U0001');
    signal.fire({ organizationId, memberId: changed?.id ?? '' });

    const after = await directory.current(TEAM);
    expect(after).toBeDefined();
    if (!after) return;
    expect(after).not.toBe(before);
    expect(after.bySlackUser.get('U0001')?.role).toBe('admin');
    // The other members are the very objects of the first load: nothing was read again but the one row.
    const untouched = before.members.filter((m) => m.slackUserId !== 'U0001');
    expect(untouched.every((m) => after.members.includes(m))).toBe(true);
    await expectSameAsDatabase(after);
  });

  it('patches a removal and a new member in, and ignores a member of another organization', async () => {
    await directory.view(TEAM, 'U0ADA');
    const admin = await as('U0ADA');
    await admin.services.members.remove(admin.actor, { slackUserId: 'U0002' });
    const gone = (await directory.current(TEAM))?.bySlackUser.get('U0002');
    signal.fire({ organizationId, memberId: gone?.id ?? '' });
    expect(await directory.view(TEAM, 'U0002')).toBeNull();

    const em = db.orm.em.fork();
    const organization = await em.findOneOrFail(Organization, { id: organizationId });
    const newcomer = new Member({
      organization,
      email: 'aaron@example.com',
      role: 'member',
      slackUserId: 'U7NEW',
      now: clock.now(),
    });
    await em.persist(newcomer).flush();
    signal.fire({ organizationId, memberId: newcomer.id });
    expect((await directory.view(TEAM, 'U7NEW'))?.viewer.email).toBe('aaron@example.com');

    signal.fire({ organizationId: 'another-organization', memberId: newcomer.id });
    const team = await directory.current(TEAM);
    if (!team) throw new Error('no snapshot');
    await expectSameAsDatabase(team);
  });

  it('drops every snapshot on a change it cannot patch (no member named), and keeps no load under way', async () => {
    await directory.view(TEAM, 'U0ADA');
    signal.fire();
    expect(directory.peek(TEAM)).toBeUndefined();

    // A load under way when a member change arrives is served but not kept (it may have read before the write).
    // (`view` settles once before the load, the load once after its read: the change comes between.)
    signal.fireAtSettle(1, { organizationId, memberId: 'some-member' });
    const loading = directory.view(TEAM, 'U0ADA');
    expect((await loading)?.viewer.email).toBe('ada@example.com');
    expect(directory.peek(TEAM)).toBeUndefined();
    expect(await directory.current(TEAM)).toBeUndefined();
    await directory.view(TEAM, 'U0ADA');
    expect(directory.peek(TEAM)).toBeDefined();
  });
});
