import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createServices } from '../../src/adapters.js';
import type { Actor } from '../../src/domain/actor.js';
import { AuditEvent } from '../../src/domain/audit/audit-event.entity.js';
import {
  InvalidInputError,
  LastAdminError,
  MemberNotFoundError,
  NotAMemberError,
  NotAuthorizedError,
} from '../../src/domain/errors.js';
import { Member, type Role } from '../../src/domain/members/member.entity.js';
import { parseRole } from '../../src/domain/members/members.service.js';
import { Organization } from '../../src/domain/organizations/organization.entity.js';
import { type FreshDb, freshOrm, profileOf, TestClock } from '../support/db.js';
import { slackTextOf } from '../support/errors.js';

const TEAM = 'T0TEAM';

/** A database with one organization: U1 (admin, ada@example.com) set it up. */
async function seeded(db: FreshDb, clock: TestClock) {
  const services = createServices(db.orm.em.fork(), clock);
  await services.organizations.setup(
    { slackTeamId: TEAM, slackUserId: 'U1', organization: null, member: null },
    { name: 'Bee Labs', email: 'ada@example.com', isWorkspaceAdmin: true },
  );
}

async function addMember(
  db: FreshDb,
  clock: TestClock,
  email: string,
  role: Role,
  slackUserId: string | null,
) {
  const em = db.orm.em.fork();
  const organization = await em.findOneOrFail(Organization, { slackTeamId: TEAM });
  const member = new Member({ organization, email, role, slackUserId, now: clock.now() });
  await em.persist(member).flush();
  return member.id;
}

/** A fresh unit of work for `slackUserId`, as one Slack payload gets. */
async function as(db: FreshDb, clock: TestClock, slackUserId: string, email: string | null = null) {
  const services = createServices(db.orm.em.fork(), clock);
  const actor: Actor = await services.members.resolveActor(TEAM, slackUserId, async () =>
    profileOf(TEAM, slackUserId, email),
  );
  return { services, actor };
}

async function roles(db: FreshDb): Promise<Record<string, Role>> {
  const members = await db.orm.em.fork().find(Member, {}, { orderBy: { email: 'asc' } });
  return Object.fromEntries(members.map((m) => [m.email, m.role]));
}

async function auditActions(db: FreshDb): Promise<string[]> {
  const events = await db.orm.em.fork().find(AuditEvent, {}, { orderBy: { createdAt: 'asc', id: 'asc' } });
  return events.map((e) => e.action);
}

describe('MembersService: roles, removal, leaving', () => {
  let db: FreshDb;
  let clock: TestClock;

  beforeEach(async () => {
    db = await freshOrm();
    clock = new TestClock();
    await seeded(db, clock);
    await addMember(db, clock, 'bob@example.com', 'member', 'U2');
  });
  afterEach(async () => db.close());

  it('promotes a member named by mention and records it with the change', async () => {
    const { services, actor } = await as(db, clock, 'U1');
    clock.advance(1000);
    const change = await services.members.changeRole(actor, { slackUserId: 'U2' }, 'admin');
    expect(change).toMatchObject({ previous: 'member', role: 'admin', changed: true });
    expect(await roles(db)).toEqual({ 'ada@example.com': 'admin', 'bob@example.com': 'admin' });
    const event = await db.orm.em.fork().findOneOrFail(AuditEvent, { action: 'member.role_changed' });
    expect(event.actorSlackUserId).toBe('U1');
    expect(event.targetId).toBe(change.member.id);
    expect(event.details).toEqual({
      email: 'bob@example.com',
      slackUserId: 'U2',
      from: 'member',
      to: 'admin',
    });
    expect(event.createdAt.getTime()).toBe(clock.now().getTime());
  });

  it('finds a member by email, compared lower-cased', async () => {
    const { services, actor } = await as(db, clock, 'U1');
    const change = await services.members.changeRole(actor, { email: ' BOB@Example.COM ' }, 'Admin');
    expect(change.member.email).toBe('bob@example.com');
    expect((await roles(db))['bob@example.com']).toBe('admin');
  });

  it('finds an unlinked member named by mention through their Slack profile email', async () => {
    await addMember(db, clock, 'cy@example.com', 'member', null);
    const { services, actor } = await as(db, clock, 'U1');
    const change = await services.members.changeRole(actor, { slackUserId: 'U3' }, 'admin', async (id) =>
      profileOf(TEAM, id, 'Cy@Example.com'),
    );
    expect(change.member.email).toBe('cy@example.com');
  });

  it('giving a member the role they have changes and records nothing', async () => {
    const { services, actor } = await as(db, clock, 'U1');
    const change = await services.members.changeRole(actor, { slackUserId: 'U2' }, 'member');
    expect(change.changed).toBe(false);
    expect(await auditActions(db)).toEqual(['organization.setup']);
  });

  it('refuses a Member, an unknown member, an unknown role — changing nothing', async () => {
    const bob = await as(db, clock, 'U2');
    await expect(bob.services.members.changeRole(bob.actor, { slackUserId: 'U1' }, 'member')).rejects.toThrow(
      NotAuthorizedError,
    );
    const ada = await as(db, clock, 'U1');
    const unknown = ada.services.members.changeRole(ada.actor, { slackUserId: 'U9' }, 'admin');
    await expect(unknown).rejects.toThrow(MemberNotFoundError);
    expect(await slackTextOf(unknown)).toBe('<@U9> is not on the team of Bee Labs.');
    await expect(
      ada.services.members.changeRole(ada.actor, { email: 'zed@example.com' }, 'admin'),
    ).rejects.toThrow(MemberNotFoundError);
    await expect(ada.services.members.changeRole(ada.actor, { slackUserId: 'U2' }, 'owner')).rejects.toThrow(
      InvalidInputError,
    );
    expect(await roles(db)).toEqual({ 'ada@example.com': 'admin', 'bob@example.com': 'member' });
    expect(await auditActions(db)).toEqual(['organization.setup']);
  });

  it('never demotes the last Admin, also when they demote themself', async () => {
    const { services, actor } = await as(db, clock, 'U1');
    await expect(services.members.changeRole(actor, { slackUserId: 'U1' }, 'member')).rejects.toThrow(
      LastAdminError,
    );
    expect(await roles(db)).toEqual({ 'ada@example.com': 'admin', 'bob@example.com': 'member' });
  });

  it('lets an Admin step down when another Admin remains', async () => {
    const ada = await as(db, clock, 'U1');
    await ada.services.members.changeRole(ada.actor, { slackUserId: 'U2' }, 'admin');
    const again = await as(db, clock, 'U1');
    await again.services.members.changeRole(again.actor, { slackUserId: 'U1' }, 'member');
    expect(await roles(db)).toEqual({ 'ada@example.com': 'member', 'bob@example.com': 'admin' });
  });

  it('re-checks the caller inside the transaction: an Admin demoted after resolving is refused', async () => {
    await addMember(db, clock, 'cy@example.com', 'admin', 'U3');
    const ada = await as(db, clock, 'U1');
    const cy = await as(db, clock, 'U3');
    await cy.services.members.changeRole(cy.actor, { slackUserId: 'U1' }, 'member');
    // ada's actor still says admin; the write's transaction reads the truth.
    expect(ada.actor.member?.role).toBe('admin');
    await expect(ada.services.members.changeRole(ada.actor, { slackUserId: 'U3' }, 'member')).rejects.toThrow(
      NotAuthorizedError,
    );
    expect(await roles(db)).toEqual({
      'ada@example.com': 'member',
      'bob@example.com': 'member',
      'cy@example.com': 'admin',
    });
  });

  it('removes a member once; a second removal finds no one and records nothing more', async () => {
    const ada = await as(db, clock, 'U1');
    clock.advance(1000);
    const departure = await ada.services.members.remove(ada.actor, { slackUserId: 'U2' });
    expect(departure).toMatchObject({ organizationName: 'Bee Labs', member: { email: 'bob@example.com' } });
    expect(await roles(db)).toEqual({ 'ada@example.com': 'admin' });
    const again = await as(db, clock, 'U1');
    await expect(
      again.services.members.remove(again.actor, { memberId: departure.member.id }),
    ).rejects.toThrow(MemberNotFoundError);
    expect(await auditActions(db)).toEqual(['organization.setup', 'member.removed']);
    const event = await db.orm.em.fork().findOneOrFail(AuditEvent, { action: 'member.removed' });
    expect(event.details).toEqual({ email: 'bob@example.com', slackUserId: 'U2', role: 'member' });
  });

  it('does not let an Admin remove themself (that is leaving) nor a Member remove anyone', async () => {
    const ada = await as(db, clock, 'U1');
    await expect(ada.services.members.remove(ada.actor, { slackUserId: 'U1' })).rejects.toThrow(
      InvalidInputError,
    );
    const bob = await as(db, clock, 'U2');
    await expect(bob.services.members.remove(bob.actor, { slackUserId: 'U1' })).rejects.toThrow(
      NotAuthorizedError,
    );
    expect(await roles(db)).toEqual({ 'ada@example.com': 'admin', 'bob@example.com': 'member' });
  });

  it('lets a Member leave, once, and records it', async () => {
    const bob = await as(db, clock, 'U2');
    clock.advance(1000);
    await bob.services.members.checkCanLeave(bob.actor);
    await bob.services.members.leave(bob.actor);
    expect(await roles(db)).toEqual({ 'ada@example.com': 'admin' });
    await expect(bob.services.members.leave(bob.actor)).rejects.toThrow(NotAMemberError);
    expect(await auditActions(db)).toEqual(['organization.setup', 'member.left']);
  });

  it('never lets the last Admin leave', async () => {
    const ada = await as(db, clock, 'U1');
    await expect(ada.services.members.checkCanLeave(ada.actor)).rejects.toThrow(LastAdminError);
    await expect(ada.services.members.leave(ada.actor)).rejects.toThrow(LastAdminError);
    expect(await roles(db)).toEqual({ 'ada@example.com': 'admin', 'bob@example.com': 'member' });
  });

  it('links a Slack user by profile email on first use, once, on record', async () => {
    await addMember(db, clock, 'cy@example.com', 'member', null);
    clock.advance(1000);
    const [first, second] = await Promise.all([
      as(db, clock, 'U3', 'CY@example.com'),
      as(db, clock, 'U3', 'cy@example.com'),
    ]);
    expect(first.actor.member?.email).toBe('cy@example.com');
    expect(second.actor.member?.id).toBe(first.actor.member?.id);
    const cy = await db.orm.em.fork().findOneOrFail(Member, { email: 'cy@example.com' });
    expect(cy.slackUserId).toBe('U3');
    expect(await auditActions(db)).toEqual(['organization.setup', 'member.linked']);
  });

  it('lists admins first, then by email, a page at a time', async () => {
    for (let i = 0; i < 23; i += 1) {
      await addMember(db, clock, `m${String(i).padStart(2, '0')}@example.com`, 'member', null);
    }
    const { services, actor } = await as(db, clock, 'U1');
    const first = await services.members.list(actor, 1);
    expect(first).toMatchObject({ page: 1, pageCount: 2, total: 25 });
    expect(first.items[0]?.email).toBe('ada@example.com');
    const last = await services.members.list(actor, 99);
    expect(last.page).toBe(2);
    expect(last.items.map((m) => m.email)).toEqual([
      'm18@example.com',
      'm19@example.com',
      'm20@example.com',
      'm21@example.com',
      'm22@example.com',
    ]);
  });
});

describe('parseRole', () => {
  it('reads admin and member in any case, and refuses anything else by name', async () => {
    expect(parseRole('ADMIN')).toBe('admin');
    expect(parseRole(' members ')).toBe('member');
    expect(await slackTextOf(() => parseRole('owner'))).toBe(
      '`owner` is not a role: use `admin` or `member`.',
    );
    expect(await slackTextOf(() => parseRole('<!channel>'))).toContain('That is not a role');
  });
});
