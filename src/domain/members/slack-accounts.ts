import type { EntityManager } from '@mikro-orm/core';
import { LockMode } from '@mikro-orm/core';
import type { Actor, Clock } from '../actor.js';
import { recordAudit } from '../audit/audit.js';
import { normalizeEmail } from '../email.js';
import { Organization } from '../organizations/organization.entity.js';
import { Member } from './member.entity.js';
import { deactivated } from './member-rules.js';
import { isHomeTeam, isHomeUser, type ProfileLookup, type SlackProfile } from './slack-account.js';

/**
 * Members and their Slack accounts: who is asking (the caller resolved to an organization and a membership, an
 * unlinked member linked on first use by their profile's email), and what Slack says of linked accounts —
 * deactivated or active again (the `user_change` event, or `users.info` asked when it matters), each change audited.
 */
export class SlackAccounts {
  constructor(
    private readonly em: EntityManager,
    private readonly clock: Clock,
  ) {}

  /**
   * Finds who is asking: the organization bound to the workspace and the caller's membership. A Slack user not yet
   * linked is matched by the email of their Slack profile, on first use, and linked (recorded as `member.linked`) —
   * only when that profile is a user of the organization's own workspace (or its enterprise under Grid). A user of
   * another workspace gets an actor with `foreignWorkspace: true` and no membership, whatever the payload's team.
   * A linked member whose account was recorded deactivated is recorded active again: Slack sends nothing on behalf
   * of a deactivated account, so a payload from them proves it active.
   * @param slackTeamId the workspace the payload came from (which organization)
   * @param lookupProfile fetches the caller's Slack profile (`users.info`; called only for a caller not linked yet)
   * @param userTeamId the caller's own workspace or enterprise when the payload says it (`user.team_id` of
   *   interaction payloads); absent for slash commands, where `users.info` tells. Under Enterprise Grid it may name
   *   another workspace of the same enterprise, whose users are the organization's own: a linked member stays one,
   *   and anyone else is judged by their profile (its enterprise).
   */
  async resolveActor(
    slackTeamId: string,
    slackUserId: string,
    lookupProfile: () => Promise<SlackProfile | null>,
    userTeamId?: string,
  ): Promise<Actor> {
    // The usual case, a linked member, in one joined query; the organization alone only for everyone else.
    let member = await this.em.findOne(
      Member,
      { slackUserId, organization: { slackTeamId } },
      { populate: ['organization'], strategy: 'joined' },
    );
    if (member) {
      const { organization } = member;
      if (userTeamId && !payloadMayBeHome(organization, userTeamId)) {
        return { slackTeamId, slackUserId, organization, member: null, foreignWorkspace: true };
      }
      if (!member.isActive) await this.recordAccounts(organization, [{ slackUserId, deleted: false }]);
      return { slackTeamId, slackUserId, organization, member };
    }
    const organization = await this.em.findOne(Organization, { slackTeamId });
    if (!organization) return { slackTeamId, slackUserId, organization: null, member: null };
    const foreign = { slackTeamId, slackUserId, organization, member: null, foreignWorkspace: true };
    if (userTeamId && !payloadMayBeHome(organization, userTeamId)) return foreign;
    const profile = await lookupProfile();
    if (!profile) return { slackTeamId, slackUserId, organization, member: null };
    if (!isHomeUser(organization, profile)) return foreign;
    if (profile.email) {
      member = await this.linkOnFirstUse(organization, slackUserId, normalizeEmail(profile.email));
    }
    return { slackTeamId, slackUserId, organization, member };
  }

  /**
   * Records what Slack says of linked accounts (the `user_change` event, or `users.info` checked when it mattered):
   * deactivated or active again, each change audited (`member.slack_deactivated` / `member.slack_reactivated`).
   * Repeating what is already known changes nothing, so an event delivered twice is harmless.
   * @returns how many members changed
   */
  async recordAccounts(
    organization: Organization,
    accounts: ReadonlyArray<{ slackUserId: string; deleted: boolean }>,
  ): Promise<number> {
    if (accounts.length === 0) return 0;
    return this.em.transactional(async (em) => {
      const now = this.clock.now();
      let changed = 0;
      for (const account of accounts) {
        const member = await em.findOne(
          Member,
          { organization, slackUserId: account.slackUserId },
          { refresh: true },
        );
        if (!member?.recordSlackAccount(account.deleted, now)) continue;
        changed += 1;
        recordAudit(em, {
          organization,
          actor: null,
          action: account.deleted ? 'member.slack_deactivated' : 'member.slack_reactivated',
          targetType: 'member',
          targetId: member.id,
          details: { email: member.email, slackUserId: account.slackUserId },
          at: now,
        });
      }
      return changed;
    });
  }

  /**
   * The `user_change` event: a Slack user was deactivated (`deleted: true`) or reactivated. Recorded on their
   * membership in each organization whose own workspace (or enterprise) the user belongs to; a user of another
   * workspace changes nothing.
   * @param teamId the user's own workspace or enterprise (`event.user.team_id`)
   * @returns how many members changed
   */
  async slackAccountChanged(teamId: string, slackUserId: string, deleted: boolean): Promise<number> {
    const members = await this.em.find(
      Member,
      {
        slackUserId,
        organization: { $or: [{ slackTeamId: teamId }, { slackEnterpriseId: teamId }] },
      },
      { populate: ['organization'] },
    );
    let changed = 0;
    for (const m of members) changed += await this.recordAccounts(m.organization, [{ slackUserId, deleted }]);
    return changed;
  }

  /**
   * Brings the stored state of the organization's linked Admins (but `exceptId`) up to date with Slack
   * (`users.info`), before a check that counts active Admins: a `user_change` event may have been missed. A lookup
   * that fails leaves the stored state as it is.
   */
  async refreshAdmins(
    organization: Organization,
    lookup: ProfileLookup | undefined,
    exceptId?: string,
  ): Promise<void> {
    if (!lookup) return;
    const admins = await this.em.find(
      Member,
      {
        organization,
        role: 'admin',
        slackUserId: { $ne: null },
        ...(exceptId ? { id: { $ne: exceptId } } : {}),
      },
      { refresh: true },
    );
    const seen = await Promise.all(
      admins.map(async (admin) => {
        const slackUserId = admin.slackUserId ?? '';
        try {
          return { slackUserId, deleted: deactivated(await lookup(slackUserId)), known: !admin.isActive };
        } catch {
          return null;
        }
      }),
    );
    await this.recordAccounts(
      organization,
      seen.filter((s): s is NonNullable<typeof s> => s !== null && s.deleted !== s.known),
    );
  }

  /**
   * Links the unlinked member with `email` to `slackUserId`, once, even when two payloads race: the unlinked row is
   * read `FOR UPDATE` (PostgreSQL; SQLite's one writer serialises the transactions), so a second payload waits, finds
   * the row linked meanwhile, and returns the member as linked by the first (no second `member.linked`).
   */
  private async linkOnFirstUse(
    organization: Organization,
    slackUserId: string,
    email: string,
  ): Promise<Member | null> {
    return this.em.transactional(async (em) => {
      const linked = await em.findOne(Member, { organization, slackUserId }, { refresh: true });
      if (linked) return linked;
      const unlinked = await em.findOne(
        Member,
        { organization, email, slackUserId: null },
        { refresh: true, lockMode: LockMode.PESSIMISTIC_WRITE },
      );
      if (!unlinked) return em.findOne(Member, { organization, slackUserId }, { refresh: true });
      const now = this.clock.now();
      unlinked.linkSlackUser(slackUserId, now);
      recordAudit(em, {
        organization,
        actor: { member: unlinked, slackUserId },
        action: 'member.linked',
        targetType: 'member',
        targetId: unlinked.id,
        details: { email: unlinked.email, slackUserId },
        at: now,
      });
      return unlinked;
    });
  }
}

/**
 * Whether a payload's `user.team_id` allows the caller to be one of the organization's own users: its own workspace
 * or enterprise, or — for an organization under Enterprise Grid — any workspace, since a sibling workspace of the
 * enterprise counts too and only the profile (or the link made from it) can tell.
 */
function payloadMayBeHome(organization: Organization, userTeamId: string): boolean {
  return organization.slackEnterpriseId !== null || isHomeTeam(organization, userTeamId);
}
