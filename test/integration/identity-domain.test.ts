/**
 * Slack identities in the domain, on a real migrated SQLite file: who counts as a user of the organization's own
 * workspace (its enterprise under Grid), the active-Admin rule with accounts recorded deactivated, and answering an
 * invitation in Slack as a user of another workspace.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createServices } from '../../src/adapters.js';
import {
  ForeignWorkspaceError,
  LastAdminError,
  SlackAccountDeactivatedError,
  UnknownSlackUserError,
} from '../../src/domain/errors.js';
import { Invitation } from '../../src/domain/invitations/invitation.entity.js';
import { Member, type Role } from '../../src/domain/members/member.entity.js';
import { isHomeUser, type SlackProfile } from '../../src/domain/members/slack-account.js';
import { Organization } from '../../src/domain/organizations/organization.entity.js';
import { type FreshDb, freshOrm, profileOf, TestClock } from '../support/db.js';
import { slackTextOf } from '../support/errors.js';

const TEAM = 'T0HOME';
const GRID = 'E0GRID';

let db: FreshDb;
let clock: TestClock;

beforeEach(async () => {
  db = await freshOrm();
  clock = new TestClock();
  await createServices(db.orm.em.fork(), clock).organizations.setup(
    { slackTeamId: TEAM, slackUserId: 'U1', organization: null, member: null },
    { name: 'Bee Labs', email: 'ada@example.com', isWorkspaceAdmin: true, enterpriseId: GRID },
  );
});

afterEach(async () => {
  await db.close();
});

async function addMember(email: string, role: Role, slackUserId: string | null, deactivated = false) {
  const em = db.orm.em.fork();
  const organization = await em.findOneOrFail(Organization, { slackTeamId: TEAM });
  const member = new Member({ organization, email, role, slackUserId, now: clock.now() });
  if (deactivated) member.recordSlackAccount(true, clock.now());
  await em.persist(member).flush();
  return member;
}

/** A unit of work for `slackUserId`, resolved with `profile` as users.info would answer. */
async function as(slackUserId: string, profile: SlackProfile | null, userTeamId?: string) {
  const services = createServices(db.orm.em.fork(), clock);
  const actor = await services.members.resolveActor(TEAM, slackUserId, async () => profile, userTeamId);
  return { services, actor };
}

describe('users of the own workspace, and of others', () => {
  it('counts the workspace and, under Grid, its enterprise as home; nothing else', () => {
    const org = { slackTeamId: TEAM, slackEnterpriseId: GRID };
    expect(isHomeUser(org, { teamId: TEAM, enterpriseId: null })).toBe(true);
    expect(isHomeUser(org, { teamId: GRID, enterpriseId: null })).toBe(true);
    expect(isHomeUser(org, { teamId: 'T0OTHERWS', enterpriseId: GRID })).toBe(true);
    expect(isHomeUser(org, { teamId: 'T0PARTNER', enterpriseId: 'E0OTHER' })).toBe(false);
    expect(isHomeUser(org, { teamId: null, enterpriseId: null })).toBe(false);
    expect(
      isHomeUser({ slackTeamId: TEAM, slackEnterpriseId: null }, { teamId: GRID, enterpriseId: null }),
    ).toBe(false);
  });

  it('never links by email a user of another workspace, whatever the payload team; a home user is linked', async () => {
    await addMember('boss2@example.com', 'admin', null);
    const partner = await as('U0PARTNER', profileOf('T0PARTNER', 'U0PARTNER', 'boss2@example.com'));
    expect(partner.actor.foreignWorkspace).toBe(true);
    expect(partner.actor.member).toBeNull();
    await expect(
      partner.services.members.changeRole(partner.actor, { email: 'ada@example.com' }, 'member'),
    ).rejects.toThrow(ForeignWorkspaceError);
    // Under Enterprise Grid a payload's user.team_id may name a sibling workspace of the enterprise, so it alone
    // cannot refuse: the profile (users.info) decides, and a user of another company is still refused.
    let asked = 0;
    const services = createServices(db.orm.em.fork(), clock);
    const byPayload = await services.members.resolveActor(
      TEAM,
      'U0PARTNER',
      async () => {
        asked += 1;
        return profileOf('T0PARTNER', 'U0PARTNER', 'boss2@example.com');
      },
      'T0PARTNER',
    );
    expect(byPayload.foreignWorkspace).toBe(true);
    expect(asked).toBe(1);
    // A sibling workspace's user, named by user.team_id, is judged by the profile and is home.
    const sibling = await createServices(db.orm.em.fork(), clock).members.resolveActor(
      TEAM,
      'U0SIBLING',
      async () => profileOf('T0SIBLING', 'U0SIBLING', null, { enterpriseId: GRID }),
      'T0SIBLING',
    );
    expect(sibling.foreignWorkspace).toBeUndefined();
    expect(
      (await db.orm.em.fork().findOneOrFail(Member, { email: 'boss2@example.com' })).slackUserId,
    ).toBeNull();
    // A user of the enterprise's other workspace is home.
    const gridUser = await as(
      'U0GRID',
      profileOf('T0OTHERWS', 'U0GRID', 'boss2@example.com', { enterpriseId: GRID }),
    );
    expect(gridUser.actor.member?.email).toBe('boss2@example.com');
  });

  it('a user of another workspace cannot answer an invitation in Slack, even with the invited email', async () => {
    const em = db.orm.em.fork();
    const organization = await em.findOneOrFail(Organization, { slackTeamId: TEAM });
    const ada = await em.findOneOrFail(Member, { email: 'ada@example.com' });
    const { services, actor } = await as('U1', profileOf(TEAM, 'U1', 'ada@example.com'));
    expect(actor.member?.id).toBe(ada.id);
    const { invitation } = await services.invitations.invite(actor, {
      email: 'boss2@example.com',
      role: 'admin',
    });
    const fresh = createServices(db.orm.em.fork(), clock);
    await expect(
      fresh.invitations.respondBySlack(invitation.id, 'accept', {
        slackTeamId: organization.slackTeamId,
        slackUserId: 'U0PARTNER',
        userTeamId: 'T0PARTNER',
        profile: profileOf('T0PARTNER', 'U0PARTNER', 'boss2@example.com'),
      }),
    ).rejects.toThrow(ForeignWorkspaceError);
    expect((await db.orm.em.fork().findOneOrFail(Invitation, invitation.id)).status).toBe('pending');
  });

  it('a mention Slack does not know is named as such', async () => {
    const { services, actor } = await as('U1', profileOf(TEAM, 'U1', 'ada@example.com'));
    await expect(
      services.members.changeRole(actor, { slackUserId: 'U0GHOST' }, 'admin', async () => null),
    ).rejects.toThrow(UnknownSlackUserError);
  });
});

describe('deactivated accounts and the active-Admin rule', () => {
  it('the last active Admin cannot step down or leave; a deactivated Admin can be demoted by them', async () => {
    const bob = await addMember('bob@example.com', 'admin', 'U2', true);
    const { services, actor } = await as('U1', profileOf(TEAM, 'U1', 'ada@example.com'));
    expect(await slackTextOf(services.members.changeRole(actor, { slackUserId: 'U1' }, 'member'))).toMatch(
      /last active Admin/,
    );
    await expect(services.members.leave(actor)).rejects.toThrow(LastAdminError);
    const change = await services.members.changeRole(actor, { memberId: bob.id }, 'member');
    expect(change.changed).toBe(true);
  });

  it('a member recorded deactivated is not promoted; a payload from them records them active again', async () => {
    await addMember('erin@example.com', 'member', 'U3', true);
    const ada = await as('U1', profileOf(TEAM, 'U1', 'ada@example.com'));
    await expect(ada.services.members.changeRole(ada.actor, { slackUserId: 'U3' }, 'admin')).rejects.toThrow(
      SlackAccountDeactivatedError,
    );
    await as('U3', null);
    expect(
      (await db.orm.em.fork().findOneOrFail(Member, { email: 'erin@example.com' })).slackDeactivatedAt,
    ).toBeNull();
    const again = await as('U1', profileOf(TEAM, 'U1', 'ada@example.com'));
    expect(
      (await again.services.members.changeRole(again.actor, { slackUserId: 'U3' }, 'admin')).changed,
    ).toBe(true);
  });

  it('`user_change` from the enterprise is recorded; from another workspace it is not', async () => {
    await addMember('bob@example.com', 'member', 'U2');
    const services = createServices(db.orm.em.fork(), clock);
    expect(await services.members.slackAccountChanged('T0PARTNER', 'U2', true)).toBe(0);
    expect(await services.members.slackAccountChanged(GRID, 'U2', true)).toBe(1);
    expect(await services.members.slackAccountChanged(GRID, 'U2', true)).toBe(0);
  });
});
