import type { EntityManager } from '@mikro-orm/core';
import type { Actor, Clock } from '../actor.js';
import { recordAudit } from '../audit/audit.js';
import {
  ForeignWorkspaceError,
  InvalidInputError,
  NoOrganizationError,
  NotAuthorizedError,
} from '../errors.js';
import type { Organization } from '../organizations/organization.entity.js';
import { Member } from './member.entity.js';
import { assertNoActiveAdmin, type MemberSummary, summary } from './member-rules.js';
import type { MemberNotifier } from './ports.js';
import { isHomeUser, type ProfileLookup, type SlackProfile } from './slack-account.js';
import type { SlackAccounts } from './slack-accounts.js';

/** The outcome of `/org recover`: who took the Admin role back, and whom to tell. */
export interface Recovery {
  member: MemberSummary;
  organizationName: string;
  /** The Slack users of every other member with a role whose account is active: the notifier tells each. */
  notify: string[];
}

/**
 * `/org recover`: an organization left with no active Admin (every Admin's Slack account deactivated) is taken back
 * by a Slack workspace owner or admin of its own workspace (`organization.recovered`).
 */
export class OrganizationRecovery {
  constructor(
    private readonly em: EntityManager,
    private readonly clock: Clock,
    private readonly accounts: SlackAccounts,
    private readonly notifier: MemberNotifier,
  ) {}

  /**
   * Checks, without changing anything, that the caller may recover the organization now (the confirm step of
   * `/org recover`). The authoritative check is the one inside {@link recover}.
   * @param profile the caller's own Slack profile (`users.info`), null when Slack does not know them
   * @param lookup `users.info`, to bring the Admins' stored state up to date first
   * @throws as {@link recover}
   */
  async checkRecover(actor: Actor, profile: SlackProfile | null, lookup?: ProfileLookup): Promise<void> {
    const organization = this.recoverer(actor, profile);
    await this.accounts.refreshAdmins(organization, lookup);
    await assertNoActiveAdmin(this.em, organization);
  }

  /**
   * `/org recover`, confirmed: an organization left with no active Admin (every Admin's Slack account deactivated)
   * is taken back by a Slack workspace owner or admin of its own workspace, who becomes an Admin — their member row
   * linked (by Slack user, else by profile email) or created. Recorded as `organization.recovered`.
   * @param profile the caller's own Slack profile (`users.info`), null when Slack does not know them
   * @param lookup `users.info`, to bring the Admins' stored state up to date first
   * @returns who recovered it and the Slack users to tell
   * @throws NoOrganizationError before setup; ForeignWorkspaceError for a user of another workspace;
   *   NotAuthorizedError for someone who is not a workspace owner or admin; InvalidInputError when their profile
   *   has no email and they are not a member; ActiveAdminExistsError while an active Admin remains (also when
   *   another recovery won the race)
   */
  async recover(actor: Actor, profile: SlackProfile | null, lookup?: ProfileLookup): Promise<Recovery> {
    const organization = this.recoverer(actor, profile);
    const email = profile?.email ?? null;
    await this.accounts.refreshAdmins(organization, lookup);
    return this.em.transactional(async (em) => {
      await assertNoActiveAdmin(em, organization);
      const now = this.clock.now();
      let member =
        (await em.findOne(Member, { organization, slackUserId: actor.slackUserId }, { refresh: true })) ??
        (email ? await em.findOne(Member, { organization, email }, { refresh: true }) : null);
      if (member?.slackUserId && member.slackUserId !== actor.slackUserId) {
        throw new InvalidInputError('recovery_email_linked', { email: member.email }, 'member');
      }
      const previous = member?.role ?? null;
      if (!member) {
        if (!email) {
          throw new InvalidInputError('recovery_requires_email', {}, 'email');
        }
        member = new Member({ organization, email, role: 'admin', slackUserId: actor.slackUserId, now });
        em.persist(member);
      } else {
        if (!member.slackUserId) member.linkSlackUser(actor.slackUserId, now);
        member.recordSlackAccount(false, now);
        member.promoteToAdmin(now);
      }
      recordAudit(em, {
        organization,
        actor: { member, slackUserId: actor.slackUserId },
        action: 'organization.recovered',
        targetType: 'member',
        targetId: member.id,
        details: { email: member.email, slackUserId: actor.slackUserId, from: previous, to: 'admin' },
        at: now,
      });
      const others = await em.find(Member, {
        organization,
        id: { $ne: member.id },
        slackUserId: { $ne: null },
        slackDeactivatedAt: null,
      });
      const notify = others.flatMap((m) => (m.slackUserId ? [m.slackUserId] : []));
      await this.notifier.organizationRecovered(em, {
        organization,
        recoveredBySlackUserId: actor.slackUserId,
        tell: notify,
        now,
      });
      return { member: summary(member), organizationName: organization.name, notify };
    });
  }

  /** The organization the caller may recover, if they are a workspace owner or admin of its own workspace. */
  private recoverer(actor: Actor, profile: SlackProfile | null): Organization {
    const { organization } = actor;
    if (!organization) throw new NoOrganizationError();
    if (actor.foreignWorkspace || !profile || !isHomeUser(organization, profile)) {
      throw ForeignWorkspaceError.acting();
    }
    if (!profile.workspaceAdmin) {
      throw new NotAuthorizedError('recovery_requires_workspace_admin', {
        organizationName: organization.name,
      });
    }
    return organization;
  }
}
