import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createServices, teamDirectoryOn } from '../../src/adapters.js';
import type { Actor } from '../../src/domain/actor.js';
import { DataSource } from '../../src/domain/data/data.entity.js';
import { Member, type Role } from '../../src/domain/members/member.entity.js';
import { MEMBERS_PAGE_SIZE, type MemberSummary } from '../../src/domain/members/members.service.js';
import type { TeamDirectory } from '../../src/domain/members/team-directory.js';
import { Organization } from '../../src/domain/organizations/organization.entity.js';
import { type FreshDb, freshOrm, profileOf, TestClock } from '../support/db.js';

const TEAM = 'T0DIRECTORY';

/** A fresh unit of work for `slackUserId`, as one Slack payload gets. */
async function as(db: FreshDb, clock: TestClock, slackUserId: string, email: string | null = null) {
  const services = createServices(db.orm.em.fork(), clock);
  const actor: Actor = await services.members.resolveActor(TEAM, slackUserId, async () =>
    profileOf(TEAM, slackUserId, email),
  );
  return { services, actor };
}

const row = (m: Pick<MemberSummary, 'email' | 'role' | 'slackUserId'>) =>
  `${m.email}/${m.role}/${m.slackUserId}`;

describe('TeamDirectory: the team read from memory, coherent with every write', () => {
  let db: FreshDb;
  let clock: TestClock;
  let directory: TeamDirectory;

  beforeEach(async () => {
    db = await freshOrm();
    clock = new TestClock();
    directory = teamDirectoryOn(db.orm);
    const services = createServices(db.orm.em.fork(), clock);
    await services.organizations.setup(
      { slackTeamId: TEAM, slackUserId: 'U0ADA', organization: null, member: null },
      { name: 'Bee Labs', email: 'ada@example.com', isWorkspaceAdmin: true },
    );
    // 44 more: every fifth an Admin, every seventh not linked to Slack yet; emails out of order on purpose.
    const em = db.orm.em.fork();
    const organization = await em.findOneOrFail(Organization, { slackTeamId: TEAM });
    for (let i = 1; i < 45; i += 1) {
      const role: Role = i % 5 === 0 ? 'admin' : 'member';
      const email = `${String.fromCharCode(97 + ((i * 7) % 26))}${i}@example.com`;
      const slackUserId = i % 7 === 0 ? null : `U${String(i).padStart(4, '0')}`;
      em.persist(new Member({ organization, email, role, slackUserId, now: clock.now() }));
    }
    await em.flush();
  });

  afterEach(async () => {
    await db.close();
  });

  it('serves every page exactly as MembersService.list reads it from the database', async () => {
    const view = await directory.view(TEAM, 'U0ADA');
    expect(view?.viewer).toMatchObject({ email: 'ada@example.com', role: 'admin' });
    if (!view) return;
    const { services, actor } = await as(db, clock, 'U0ADA');
    for (const page of [1, 2, 3, 4, 0, -1]) {
      const fromDb = await services.members.list(actor, page);
      const fromMemory = directory.page(view.team, page, MEMBERS_PAGE_SIZE);
      expect({ ...fromMemory, items: fromMemory.items.map(row) }).toEqual({
        ...fromDb,
        items: fromDb.items.map(row),
      });
    }
    expect(directory.page(view.team, 1, MEMBERS_PAGE_SIZE).items[0]?.role).toBe('admin');
    expect(view.team.members).toHaveLength(45);
  });

  it('answers null for a Slack user who is not a linked member, and for a workspace with no organization', async () => {
    expect(await directory.view(TEAM, 'U9STRANGER')).toBeNull();
    expect(await directory.view('T0NOBODY', 'U0ADA')).toBeNull();
    // A member invited by email but not linked yet is not in the index: the usual path links them first.
    expect(await directory.view(TEAM, 'U0007')).toBeNull();
  });

  it('shares one load between concurrent first reads, then answers from memory', async () => {
    expect(directory.peek(TEAM)).toBeUndefined();
    const views = await Promise.all(Array.from({ length: 10 }, () => directory.view(TEAM, 'U0001')));
    const teams = new Set(views.map((v) => v?.team));
    expect(teams.size).toBe(1);
    expect(directory.peek(TEAM)).toBe(views[0]?.team);
  });

  it('reflects a role change, a removal, a rename and a first-use link at once', async () => {
    const before = await directory.view(TEAM, 'U0ADA');
    const target = before?.team.members.find((m) => m.slackUserId === 'U0001');
    expect(target?.role).toBe('member');

    const admin = await as(db, clock, 'U0ADA');
    await admin.services.members.changeRole(admin.actor, { slackUserId: 'U0001' }, 'admin');
    expect(directory.peek(TEAM)).toBeUndefined();
    let view = await directory.view(TEAM, 'U0001');
    expect(view?.viewer.role).toBe('admin');

    const again = await as(db, clock, 'U0ADA');
    await again.services.members.remove(again.actor, { slackUserId: 'U0002' });
    view = await directory.view(TEAM, 'U0ADA');
    expect(view?.team.members.map((m) => m.slackUserId)).not.toContain('U0002');
    expect(await directory.view(TEAM, 'U0002')).toBeNull();

    const renamer = await as(db, clock, 'U0ADA');
    await renamer.services.organizations.rename(renamer.actor, 'Hive Works');
    expect((await directory.view(TEAM, 'U0ADA'))?.team.organization.name).toBe('Hive Works');

    // The unlinked member with email n49… is linked on first use by the usual path; the directory sees it.
    const unlinked = (await directory.view(TEAM, 'U0ADA'))?.team.members.find((m) => m.slackUserId === null);
    expect(unlinked).toBeDefined();
    if (!unlinked) return;
    const first = await as(db, clock, 'U7NEW', unlinked.email);
    expect(first.actor.member?.id).toBe(unlinked.id);
    expect((await directory.view(TEAM, 'U7NEW'))?.viewer.id).toBe(unlinked.id);
  });

  it('keeps no snapshot read while a write was under way', async () => {
    await directory.view(TEAM, 'U0ADA');
    directory.invalidate();
    // A load starts, then a write commits before it is awaited: the load's result is not kept.
    const loading = directory.view(TEAM, 'U0ADA');
    const admin = await as(db, clock, 'U0ADA');
    await admin.services.members.changeRole(admin.actor, { slackUserId: 'U0003' }, 'admin');
    await loading;
    const view = await directory.view(TEAM, 'U0003');
    expect(view?.viewer.role).toBe('admin');
  });

  it('drops its snapshots when a transaction that wrote a member rolls back', async () => {
    await directory.view(TEAM, 'U0ADA');
    const em = db.orm.em.fork();
    await expect(
      em.transactional(async (tx) => {
        const m = await tx.findOneOrFail(Member, { slackUserId: 'U0004' });
        m.demoteToMember(clock.now());
        m.promoteToAdmin(clock.now());
        await tx.flush();
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    expect(directory.peek(TEAM)).toBeUndefined();
    expect((await directory.view(TEAM, 'U0004'))?.viewer.role).toBe('member');
  });

  it('sees no change in loaded entities that were not changed (their dates compare equal to the stored ones)', async () => {
    const em = db.orm.em.fork();
    await em.findOneOrFail(Member, { slackUserId: 'U0001' }, { populate: ['organization'] });
    em.getUnitOfWork().computeChangeSets();
    expect(em.getUnitOfWork().getChangeSets()).toEqual([]);
  });

  it('sees writes that bypass the unit of work: nativeUpdate, nativeDelete and raw SQL', async () => {
    await directory.view(TEAM, 'U0ADA');
    await db.orm.em.fork().nativeUpdate(Member, { slackUserId: 'U0006' }, { role: 'admin' });
    expect((await directory.view(TEAM, 'U0006'))?.viewer.role).toBe('admin');
    await db.orm.em.fork().nativeDelete(Member, { slackUserId: 'U0006' });
    expect(await directory.view(TEAM, 'U0006')).toBeNull();
    await db.orm.em
      .fork()
      .getConnection()
      .execute('UPDATE "organizations" SET name = ? WHERE slack_team_id = ?', ['Comb Co', TEAM]);
    expect((await directory.view(TEAM, 'U0ADA'))?.team.organization.name).toBe('Comb Co');
  });

  it('is not touched by writes to other entities', async () => {
    const team = (await directory.view(TEAM, 'U0ADA'))?.team;
    const em = db.orm.em.fork();
    const organization = await em.findOneOrFail(Organization, { slackTeamId: TEAM });
    await em.persist(new DataSource(organization, 'Warehouse', clock.now())).flush();
    expect(directory.peek(TEAM)).toBe(team);
  });
});
