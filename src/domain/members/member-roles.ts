import type { EntityManager } from '@mikro-orm/core';
import { lockAdmin, requireAdmin } from '../access.js';
import type { Actor, Clock } from '../actor.js';
import { recordAudit } from '../audit/audit.js';
import { InvalidInputError, SlackAccountDeactivatedError } from '../errors.js';
import { ROLES, type Role } from './member.entity.js';
import {
  assertNotLastAdmin,
  deactivated,
  findMember,
  type MemberReference,
  type MemberSummary,
  nameOf,
  summary,
} from './member-rules.js';
import type { ProfileLookup } from './slack-account.js';
import type { SlackAccounts } from './slack-accounts.js';

/** The outcome of a role change; `changed` is false when the member already had the role (nothing recorded). */
export interface RoleChange {
  member: MemberSummary;
  previous: Role;
  role: Role;
  changed: boolean;
}

/**
 * Roles: an Admin promotes or demotes a member (`member.role_changed`). A deactivated Slack account is never
 * promoted, and the last active Admin is never demoted (checked inside the write's transaction).
 */
export class MemberRoles {
  constructor(
    private readonly em: EntityManager,
    private readonly clock: Clock,
    private readonly accounts: SlackAccounts,
  ) {}

  /**
   * Gives a member the role `role` (`/org role`, the role select).
   * With `lookup`, Slack is asked when it matters: the account of a member about to be promoted (a deactivated
   * account is never promoted), and the other Admins' accounts before an Admin steps down.
   * @param role raw input: `admin` or `member`
   * @param lookup `users.info` (see `MembersService.find`)
   * @returns the change; `changed: false` when they already had the role (nothing written, nothing recorded)
   * @throws NotAuthorizedError unless the caller is an Admin at the moment of the write; InvalidInputError (field
   *   `role`) for another role; MemberNotFoundError; SlackAccountDeactivatedError when promoting a deactivated
   *   account; LastAdminError when it would demote the last active Admin
   */
  async changeRole(
    actor: Actor,
    ref: MemberReference,
    role: string,
    lookup?: ProfileLookup,
  ): Promise<RoleChange> {
    const admin = requireAdmin(actor, 'change roles');
    const wanted = parseRole(role);
    const { organization } = admin;
    const found = await findMember(this.em, organization, ref, lookup);
    const targetId = found.id;
    // The Slack account of the one to promote: theirs when linked, else the one the mention named.
    const account = found.slackUserId ?? ('slackUserId' in ref ? ref.slackUserId : null);
    if (wanted === 'admin' && !found.isAdmin && account && lookup) {
      const profile = await lookup(account);
      if (deactivated(profile)) {
        if (found.slackUserId)
          await this.accounts.recordAccounts(organization, [{ slackUserId: account, deleted: true }]);
        throw new SlackAccountDeactivatedError({ slackUserId: account, email: found.email });
      }
      if (found.slackUserId && !found.isActive) {
        await this.accounts.recordAccounts(organization, [{ slackUserId: account, deleted: false }]);
      }
    }
    // An Admin acting is active (Slack sends nothing for a deactivated account), so demoting someone else always
    // leaves one; stepping down oneself may not, and the other Admins' state may be stale.
    if (wanted === 'member' && found.isAdmin && found.id === admin.member.id) {
      await this.accounts.refreshAdmins(organization, lookup, targetId);
    }
    return this.em.transactional(async (em) => {
      await lockAdmin(em, actor, 'change roles');
      const target = await findMember(em, organization, { memberId: targetId });
      const previous = target.role;
      if (previous === wanted) return { member: summary(target), previous, role: wanted, changed: false };
      const now = this.clock.now();
      if (wanted === 'member') {
        await assertNotLastAdmin(em, organization, target, 'demote');
        target.demoteToMember(now);
      } else {
        if (!target.isActive) {
          throw new SlackAccountDeactivatedError(nameOf(target));
        }
        target.promoteToAdmin(now);
      }
      recordAudit(em, {
        organization,
        actor,
        action: 'member.role_changed',
        targetType: 'member',
        targetId: target.id,
        details: { email: target.email, slackUserId: target.slackUserId, from: previous, to: wanted },
        at: now,
      });
      return { member: summary(target), previous, role: wanted, changed: true };
    });
  }
}

/**
 * Reads a role typed by a user (`admin`, `member`, any case, also `Admins`).
 * @throws InvalidInputError (field `role`) for anything else
 */
export function parseRole(raw: string): Role {
  const word = raw.trim().toLowerCase().replace(/s$/, '');
  const role = ROLES.find((r) => r === word);
  if (!role) {
    // Only a short plain word is echoed back: anything else could carry markup into a front end's message.
    const typed = /^[\w-]{1,20}$/.test(raw.trim()) ? raw.trim() : null;
    throw new InvalidInputError('role_invalid', { typed }, 'role');
  }
  return role;
}
