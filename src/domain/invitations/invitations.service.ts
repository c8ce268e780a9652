import type { EntityManager } from '@mikro-orm/core';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { lockMember, requireMember } from '../access.js';
import type { Actor, Clock } from '../actor.js';
import { EmailAddress, normalizeEmail } from '../email.js';
import {
  AlreadyMemberError,
  ForeignWorkspaceError,
  InvitationLimitError,
  InvitationPendingError,
  NotAuthorizedError,
  NotFoundError,
} from '../errors.js';
import { Member, type Role } from '../members/member.entity.js';
import { isHomeTeam, isHomeUser, type SlackProfile } from '../members/slack-account.js';
import { Organization } from '../organizations/organization.entity.js';
import { parseInput } from '../validation.js';
import { InvitationApprovals } from './approvals.js';
import { Invitation } from './invitation.entity.js';
import { changeAsAdmin } from './invitation-access.js';
import { Note, Reason } from './invitation-input.js';
import { InvitationLifecycle } from './invitation-lifecycle.js';
import { InvitationsQuery, type OpenInvitation } from './invitations-query.js';
import type { InvitationPorts } from './ports.js';
import { INVITATION_CAP_WINDOW_MS, type InvitationSettings } from './settings.js';

/** Email addresses as input (IDN domains accepted, stored in ASCII form): see `../email.ts`. */
export { EmailAddress } from '../email.js';
export { MAX_NOTE_GRAPHEMES, MAX_NOTE_UNITS, MAX_REASON_LENGTH, Note, Reason } from './invitation-input.js';
export { INVITES_LIST_LIMIT, type OpenInvitation, STATUS_LABELS } from './invitations-query.js';

/** What `invite` did: sent at once (an Admin) or filed a request (a Member). */
export type InviteOutcome = 'sent' | 'requested';

/**
 * Invitations (DESIGN.md §3): an Admin's invitation is sent at once, a Member's becomes a request an Admin approves
 * or denies. One open invitation per (organization, email); never to a current member; 7 days to accept (resend
 * renews); a cap per organization per 24 hours; tokens stored hashed. Each change writes its audit event and, when
 * a mail goes out, its outbox row, in the same transaction.
 *
 * The one entry point the front ends call. It checks who may act and what was asked, then hands the change to
 * {@link InvitationLifecycle} (every status transition and its audit event); approval routing is
 * {@link InvitationApprovals}, the lists and lookups {@link InvitationsQuery}.
 */
export class InvitationsService {
  private readonly lifecycle: InvitationLifecycle;
  private readonly approvals: InvitationApprovals;
  private readonly query: InvitationsQuery;

  constructor(
    private readonly em: EntityManager,
    private readonly clock: Clock,
    private readonly settings: InvitationSettings,
    ports: InvitationPorts,
  ) {
    this.lifecycle = new InvitationLifecycle(em, clock, settings, ports);
    this.approvals = new InvitationApprovals(em, clock, this.lifecycle, ports.notifier);
    this.query = new InvitationsQuery(em, ports.outbox, this.lifecycle);
  }

  /**
   * Invites `email` (an Admin: sent now, with its mail in the outbox) or asks the Admins to (a Member: a request).
   * @param input `email` raw (validated here; an internationalised domain is stored in ASCII form); `role` (default
   *   Member; a Member may only request Members); `reason` for a Member's request (optional); `note` for an Admin's
   *   invitation (optional, shown to the invitee); `inviteeSlackUserId` when invited by mention. Which of `reason`
   *   and `note` is used follows the caller's role as committed when the invitation is written.
   * @throws InvalidInputError (field `email`, `role`, `reason` or `note`); AlreadyMemberError; InvitationPendingError;
   *   InvitationLimitError; NotAuthorizedError when a Member asks for an Admin; NoOrganization / NotAMember
   */
  async invite(
    actor: Actor,
    input: {
      email: string;
      role?: Role;
      reason?: string | null;
      note?: string | null;
      inviteeSlackUserId?: string | null;
    },
  ): Promise<{ outcome: InviteOutcome; invitation: Invitation }> {
    requireMember(actor);
    const email = parseInput(EmailAddress, input.email, 'email');
    const role: Role = input.role ?? 'member';
    const now = this.clock.now();
    // Whether this is an Admin's invitation or a Member's request is decided by the role as committed, inside the
    // transaction that writes (an Admin demoted meanwhile files a request, or is refused an Admin invitation).
    let isAdmin = false;
    try {
      const invitation = await this.em.transactional(async (em) => {
        const me = await lockMember(em, actor);
        isAdmin = me.member.role === 'admin';
        if (!isAdmin && role === 'admin') {
          throw new NotAuthorizedError('admin_invite_by_member', {}, 'role');
        }
        const reason = isAdmin ? null : parseInput(Reason, input.reason ?? '', 'reason');
        const note = isAdmin ? parseInput(Note, input.note ?? '', 'note') : null;
        const organization = await em.findOneOrFail(Organization, me.organization.id);
        if (await em.count(Member, { organization, email })) {
          throw new AlreadyMemberError({ email, organizationName: organization.name }, 'email');
        }
        const open = await em.findOne(Invitation, { organization, openEmail: email });
        if (open) {
          throw new InvitationPendingError(
            { email: open.email, awaitingApproval: open.status === 'requested' },
            'email',
          );
        }
        const recent = await em.count(Invitation, {
          organization,
          createdAt: { $gt: new Date(now.getTime() - INVITATION_CAP_WINDOW_MS) },
        });
        if (recent >= this.settings.perDay) {
          throw new InvitationLimitError({
            organizationName: organization.name,
            perDay: this.settings.perDay,
          });
        }
        const inviteeSlackUserId = input.inviteeSlackUserId ?? null;
        const init = { organization, by: me, isAdmin, email, role, reason, note, inviteeSlackUserId };
        return this.lifecycle.open(em, init, now);
      });
      return { outcome: isAdmin ? 'sent' : 'requested', invitation };
    } catch (err) {
      // Two invitations for one email at the same moment: the unique (organization, open_email) index decides.
      if (err instanceof UniqueConstraintViolationException) {
        throw new InvitationPendingError({ email, awaitingApproval: false }, 'email');
      }
      throw err;
    }
  }

  /**
   * Approves a Member's request: the invitation is sent (token, expiry renewed, outbox row). The decision is a
   * conditional update (`WHERE status = 'requested'`), so of two Admins clicking at once exactly one wins.
   * @throws InvitationClosedError ("already approved by …") when it was decided before; NotAuthorizedError for a
   *   Member; NotFoundError for an unknown id
   */
  async approve(actor: Actor, invitationId: string): Promise<Invitation> {
    return this.approvals.approve(actor, invitationId);
  }

  /**
   * Denies a Member's request (final), with an optional reason told to the requester.
   * @throws as {@link approve}; InvalidInputError (field `reason`)
   */
  async deny(actor: Actor, invitationId: string, reasonText?: string | null): Promise<Invitation> {
    return this.approvals.deny(actor, invitationId, reasonText);
  }

  /**
   * Checks that a request can still be decided by this actor (before opening the Deny modal).
   * @throws as {@link approve}
   */
  requireOpenRequest(actor: Actor, invitationId: string): Promise<Invitation> {
    return this.approvals.requireOpenRequest(actor, invitationId);
  }

  /**
   * Sets where Members' requests go: a Slack channel id, or null for a DM to each Admin.
   * @returns the previous channel id (or null)
   * @throws NotAuthorizedError for a Member
   */
  setApprovalsChannel(actor: Actor, channelId: string | null): Promise<string | null> {
    return this.approvals.setApprovalsChannel(actor, channelId);
  }

  /**
   * Sends a pending invitation again: a new token (the old link stops working), expiry renewed to 7 days from now,
   * a new mail; an unsent earlier mail is cancelled.
   * @throws InvitationClosedError when it is no longer pending; NotAuthorizedError for a Member
   */
  async resend(actor: Actor, invitationId: string): Promise<Invitation> {
    return changeAsAdmin(this.em, this.clock, actor, 'resend invitations', invitationId, (em, inv, me, now) =>
      this.lifecycle.resend(em, inv, me, now),
    );
  }

  /**
   * Revokes an open invitation or request (final); its link stops working and an unsent mail is cancelled.
   * @throws InvitationClosedError when it is already final; NotAuthorizedError for a Member
   */
  async revoke(actor: Actor, invitationId: string): Promise<Invitation> {
    return changeAsAdmin(this.em, this.clock, actor, 'revoke invitations', invitationId, (em, inv, me, now) =>
      this.lifecycle.revoke(em, inv, me, now),
    );
  }

  /**
   * The invitation a link's token names, for the invitation page. Expiry is applied first (an expired invitation
   * is closed, with its audit event).
   * @returns null for a malformed or unknown token (also once the invitation was resent or revoked)
   */
  findByToken(token: string): Promise<{ invitation: Invitation; organization: Organization } | null> {
    return this.query.findByToken(token);
  }

  /**
   * Accepts or declines through the invitation page (the token from the link). Accepting adds the invitee to the
   * team once, in the invitation's role, linked to their Slack user when known.
   * @throws NotFoundError for an unknown token; InvitationExpiredError; InvitationClosedError when already
   *   accepted, declined, revoked; AlreadyMemberError when the email joined meanwhile
   */
  async respondByToken(token: string, decision: 'accept' | 'decline'): Promise<Invitation> {
    const found = await this.findByToken(token);
    if (!found) {
      throw new NotFoundError('invitation_link_invalid', {});
    }
    return this.respond(found.invitation.id, decision, { slackUserId: found.invitation.inviteeSlackUserId });
  }

  /**
   * Accepts or declines through the Accept / Decline buttons of the invitee's Slack DM. Only the invitee may: the
   * Slack user the invitation was sent to, or one whose profile email is the invited email.
   * A user of another Slack workspace is never linked this way, whatever their email.
   * @param clicker the clicking Slack user, their own workspace when the payload says it (`user.team_id`) and
   *   their profile (`users.info`; null when Slack does not know them)
   * @throws ForeignWorkspaceError for a user of another workspace; NotAuthorizedError for anyone else; as
   *   {@link respondByToken}
   */
  async respondBySlack(
    invitationId: string,
    decision: 'accept' | 'decline',
    clicker: { slackTeamId: string; slackUserId: string; userTeamId?: string; profile: SlackProfile | null },
  ): Promise<Invitation> {
    const inv = await this.em.findOne(Invitation, invitationId, { populate: ['organization'] });
    if (!inv || inv.organization.slackTeamId !== clicker.slackTeamId) {
      throw new NotFoundError('invitation_gone', {});
    }
    const { profile } = clicker;
    if (
      (clicker.userTeamId && !isHomeTeam(inv.organization, clicker.userTeamId)) ||
      (profile && !isHomeUser(inv.organization, profile))
    ) {
      throw ForeignWorkspaceError.acting();
    }
    const email = profile?.email ?? null;
    const isInvitee =
      inv.inviteeSlackUserId === clicker.slackUserId ||
      (email !== null && normalizeEmail(email) === inv.email);
    if (!isInvitee) throw new NotAuthorizedError('invitation_not_invitee', {});
    await this.lifecycle.expireIfDue(inv);
    return this.respond(inv.id, decision, { slackUserId: clicker.slackUserId });
  }

  private respond(
    invitationId: string,
    decision: 'accept' | 'decline',
    who: { slackUserId: string | null },
  ): Promise<Invitation> {
    const now = this.clock.now();
    return this.em.transactional(async (em) => {
      const inv = await em.findOneOrFail(Invitation, invitationId, {
        populate: ['organization'],
        refresh: true,
      });
      return this.lifecycle.respond(em, inv, decision, who, now);
    });
  }

  /**
   * Open invitations and requests of the actor's organization, newest first, with the state of each one's latest
   * mail. Expiry is applied first.
   * @throws NotAuthorizedError for a Member
   */
  listOpen(actor: Actor): Promise<{ rows: OpenInvitation[]; total: number }> {
    return this.query.listOpen(actor);
  }

  /**
   * Requests waiting for an Admin (App Home), newest first, at most `limit`.
   * @throws NotAuthorizedError for a Member
   */
  pendingRequests(actor: Actor, limit = 10): Promise<{ items: Invitation[]; total: number }> {
    return this.query.pendingRequests(actor, limit);
  }

  /** An invitation by id, with its organization loaded (for rendering messages about it). */
  get(invitationId: string): Promise<Invitation | null> {
    return this.query.get(invitationId);
  }

  /**
   * The approvals channel refused a request's copy for good: the copy goes to the Admins by DM instead, and a
   * channel that was working is marked failing, the Admins told once (see {@link InvitationApprovals}).
   * @returns true when the Admins were told now
   */
  approvalsChannelFailed(input: {
    organizationId: string;
    channelId: string;
    invitationId: string | null;
    reason: string;
  }): Promise<boolean> {
    return this.approvals.approvalsChannelFailed(input);
  }

  /** A post to the approvals channel succeeded: it is no longer marked failing. */
  approvalsChannelWorked(organizationId: string, channelId: string): Promise<void> {
    return this.approvals.approvalsChannelWorked(organizationId, channelId);
  }

  /** Records the invitee's Slack user once it is found by email (`users.lookupByEmail`). */
  async linkInvitee(invitationId: string, slackUserId: string): Promise<void> {
    await this.em.nativeUpdate(
      Invitation,
      { id: invitationId, inviteeSlackUserId: null },
      { inviteeSlackUserId: slackUserId },
    );
  }

  /**
   * Closes every open invitation or request past its expiry (of one organization, or all), each with an
   * `invitation.expired` audit event and its unsent mail cancelled.
   * @returns how many were closed
   */
  expireDue(organizationId?: string): Promise<number> {
    return this.lifecycle.expireDue(organizationId);
  }
}
