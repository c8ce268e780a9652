import type { EntityManager } from '@mikro-orm/core';
import { lockAdmin, lockMember, requireAdmin, requireMember } from '../access.js';
import type { Actor, Clock } from '../actor.js';
import { recordAudit } from '../audit/audit.js';
import { InvalidInputError } from '../errors.js';
import type { Organization } from '../organizations/organization.entity.js';
import type { Member } from './member.entity.js';
import {
  assertNotLastAdmin,
  findMember,
  type MemberReference,
  type MemberSummary,
  summary,
} from './member-rules.js';
import type { MemberNotifier } from './ports.js';
import type { ProfileLookup } from './slack-account.js';
import type { SlackAccounts } from './slack-accounts.js';

/** The outcome of a removal or a leave: who is gone, from which organization. */
export interface Departure {
  member: MemberSummary;
  organizationName: string;
  /** True when their Slack account is known to be deactivated (no message can reach them). */
  slackDeactivated: boolean;
  /** The notice telling them, as the {@link MemberNotifier} queued it; null when none was. */
  noticeId: string | null;
}

/**
 * Leaving the team: an Admin removes a member (`member.removed`, the notifier telling them), or a member leaves
 * (`member.left`). Never the last active Admin (checked inside the write's transaction).
 */
export class Departures {
  constructor(
    private readonly em: EntityManager,
    private readonly clock: Clock,
    private readonly accounts: SlackAccounts,
    private readonly notifier: MemberNotifier,
  ) {}

  /**
   * Removes a member from the team (`/org remove` after its confirm step, the Remove button). The caller cannot
   * remove themself this way: leaving is {@link leave}.
   * The caller is an active Admin (a payload from them proves it), so the rule that an active Admin remains holds
   * whenever they remove someone else; it is still checked in the write's transaction.
   * @param lookup `users.info` for a mention (see `MembersService.find`)
   * @throws NotAuthorizedError unless the caller is an Admin at the moment of the write; MemberNotFoundError (also
   *   when already removed: a second click changes nothing); InvalidInputError (field `member`) for the caller
   *   themself; LastAdminError when it would take the last active Admin
   */
  async remove(actor: Actor, ref: MemberReference, lookup?: ProfileLookup): Promise<Departure> {
    const admin = requireAdmin(actor, 'remove members');
    const { organization } = admin;
    const targetId = (await findMember(this.em, organization, ref, lookup)).id;
    return this.em.transactional(async (em) => {
      const { member: me } = await lockAdmin(em, actor, 'remove members');
      const target = await findMember(em, organization, { memberId: targetId });
      if (target.id === me.id) {
        throw new InvalidInputError('remove_self', {}, 'member');
      }
      return this.depart(em, organization, actor, target, 'remove');
    });
  }

  /**
   * Checks, without changing anything, that the caller could leave now (the confirm step of `/org leave`). The
   * authoritative check is the one inside {@link leave}.
   * @param lookup `users.info`: with it, the other Admins' accounts are checked first
   * @throws NoOrganizationError / NotAMemberError; LastAdminError for the last active Admin
   */
  async checkCanLeave(actor: Actor, lookup?: ProfileLookup): Promise<void> {
    const { organization, member } = requireMember(actor);
    if (!member.isAdmin) return;
    await this.accounts.refreshAdmins(organization, lookup, member.id);
    await assertNotLastAdmin(this.em, organization, member, 'leave');
  }

  /**
   * The caller leaves the organization (`/org leave` after its confirm step).
   * @param lookup `users.info`: with it, the other Admins' accounts are checked first
   * @throws NotAMemberError (also when already gone: a second click changes nothing); LastAdminError for the last
   *   active Admin
   */
  async leave(actor: Actor, lookup?: ProfileLookup): Promise<Departure> {
    const current = requireMember(actor);
    const { organization } = current;
    if (current.member.isAdmin) await this.accounts.refreshAdmins(organization, lookup, current.member.id);
    return this.em.transactional(async (em) => {
      const { member: me } = await lockMember(em, current);
      return this.depart(em, organization, actor, me, 'leave');
    });
  }

  /**
   * Takes `member` off the team in the caller's transaction `em`, never the last active Admin; a removal is told
   * to the {@link MemberNotifier} in the same transaction. Recorded as `member.removed` or `member.left`.
   */
  private async depart(
    em: EntityManager,
    organization: Organization,
    actor: Actor,
    member: Member,
    change: 'remove' | 'leave',
  ): Promise<Departure> {
    if (member.isAdmin) await assertNotLastAdmin(em, organization, member, change);
    const gone = summary(member);
    em.remove(member);
    const now = this.clock.now();
    const noticeId =
      change === 'remove'
        ? await this.notifier.memberRemoved(em, {
            organization,
            member: gone,
            slackDeactivated: !member.isActive,
            removedBySlackUserId: actor.slackUserId,
            now,
          })
        : null;
    recordAudit(em, {
      organization,
      actor,
      action: change === 'remove' ? 'member.removed' : 'member.left',
      targetType: 'member',
      targetId: gone.id,
      details: { email: gone.email, slackUserId: gone.slackUserId, role: gone.role },
      at: now,
    });
    return {
      member: gone,
      organizationName: organization.name,
      slackDeactivated: !member.isActive,
      noticeId,
    };
  }
}
