import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/core';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { z } from 'zod';
import { lockAdmin, lockMember, type MemberActor, requireAdmin, requireMember } from '../access.js';
import type { Actor, Clock } from '../actor.js';
import { recordAudit } from '../audit/audit.js';
import {
  queueApprovalRequest,
  queueInvitationUpdates,
  queueInviteeDm,
  queueRequesterOutcome,
} from '../deliveries/slack-deliveries.js';
import { EmailAddress, normalizeEmail } from '../email.js';
import {
  AlreadyMemberError,
  type DomainErrorParams,
  ForeignWorkspaceError,
  InvitationClosedError,
  InvitationExpiredError,
  InvitationLimitError,
  InvitationPendingError,
  NotAuthorizedError,
  NotFoundError,
} from '../errors.js';
import { graphemeCount } from '../graphemes.js';
import { Member, type Role } from '../members/member.entity.js';
import { isHomeTeam, isHomeUser, type SlackProfile } from '../members/slack-account.js';
import { Organization } from '../organizations/organization.entity.js';
import { hasLoneSurrogate, parseInput } from '../validation.js';
import {
  Invitation,
  InvitationMessage,
  type InvitationMessagePurpose,
  type InvitationStatus,
  OPEN_STATUSES,
} from './invitation.entity.js';
import type { InvitationOutbox, MailDelivery } from './ports.js';
import { INVITATION_CAP_WINDOW_MS, type InvitationSettings } from './settings.js';
import { hashInvitationToken, INVITATION_TOKEN_PATTERN, newInvitationToken } from './token.js';

/** Longest reason a Member may give with a request, or an Admin with a denial, in characters. */
export const MAX_REASON_LENGTH = 500;

/** Rows shown by `/org invites` at most (each takes two blocks of a 50-block message). */
export const INVITES_LIST_LIMIT = 20;

/** Email addresses as input (IDN domains accepted, stored in ASCII form): see `../email.ts`. */
export { EmailAddress } from '../email.js';

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const CONTROL_EXCEPT_NEWLINE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/u;

/** An optional free-text reason: trimmed; empty means none; at most 500 characters, no control characters. */
export const Reason = z
  .string()
  .transform((s) => s.trim())
  .pipe(
    z
      .string()
      .refine(
        (s) => [...s].length <= MAX_REASON_LENGTH,
        `The reason must be at most ${MAX_REASON_LENGTH} characters.`,
      )
      .refine((s) => !CONTROL_EXCEPT_NEWLINE.test(s), 'The reason must not contain control characters.')
      .refine((s) => !hasLoneSurrogate(s), 'The reason must be valid Unicode text.'),
  )
  .transform((s) => (s === '' ? null : s));

/** Longest note an Admin may add to an invitation, in user-perceived characters (grapheme clusters). */
export const MAX_NOTE_GRAPHEMES = 300;
/** Longest note in UTF-16 code units (a bound on storage whatever the characters are made of). */
export const MAX_NOTE_UNITS = 4000;

/**
 * The inviting Admin's optional note to the invitee (as Slack and GitHub invitations carry one): trimmed; empty
 * means none; at most {@link MAX_NOTE_GRAPHEMES} characters as people count them (and {@link MAX_NOTE_UNITS} code
 * units); no control characters except line breaks. Stored as typed: each surface escapes it (mrkdwn, HTML).
 */
export const Note = z
  .string()
  .transform((s) => s.trim())
  .pipe(
    z
      .string()
      .refine(
        (s) => s.length <= MAX_NOTE_UNITS && graphemeCount(s) <= MAX_NOTE_GRAPHEMES,
        `The note must be at most ${MAX_NOTE_GRAPHEMES} characters.`,
      )
      .refine((s) => !CONTROL_EXCEPT_NEWLINE.test(s), 'The note must not contain control characters.')
      .refine((s) => !hasLoneSurrogate(s), 'The note must be valid Unicode text.'),
  )
  .transform((s) => (s === '' ? null : s));

/** What `invite` did: sent at once (an Admin) or filed a request (a Member). */
export type InviteOutcome = 'sent' | 'requested';

/** One row of `/org invites`: an open invitation and the state of its latest mail. */
export interface OpenInvitation {
  invitation: Invitation;
  delivery: MailDelivery | null;
}

/** Who decided an invitation or request, for "already approved by …". */
function decided(inv: Invitation): DomainErrorParams['invitation_closed'] {
  return { status: inv.status, email: inv.email, decidedBySlackUserId: inv.decidedBySlackUserId };
}

/**
 * Invitations (DESIGN.md §3): an Admin's invitation is sent at once, a Member's becomes a request an Admin approves
 * or denies. One open invitation per (organization, email); never to a current member; 7 days to accept (resend
 * renews); a cap per organization per 24 hours; tokens stored hashed. Each change writes its audit event and, when
 * a mail goes out, its outbox row, in the same transaction.
 */
export class InvitationsService {
  constructor(
    private readonly em: EntityManager,
    private readonly clock: Clock,
    private readonly settings: InvitationSettings,
    private readonly outbox: InvitationOutbox,
  ) {}

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
        const inv = new Invitation({
          organization,
          email,
          role,
          status: isAdmin ? 'pending' : 'requested',
          inviter: { memberId: me.member.id, slackUserId: actor.slackUserId, email: me.member.email },
          inviteeSlackUserId: input.inviteeSlackUserId ?? null,
          reason,
          note,
          now,
        });
        inv.expiresAt = new Date(now.getTime() + this.settings.ttlMs);
        em.persist(inv);
        if (isAdmin) {
          this.issueToken(em, inv, organization, now);
          await queueInviteeDm(em, organization, inv, now);
        } else {
          await queueApprovalRequest(em, organization, inv.id, now);
        }
        recordAudit(em, {
          organization,
          actor: me,
          action: isAdmin ? 'invitation.sent' : 'invitation.requested',
          targetType: 'invitation',
          targetId: inv.id,
          details: { email, role, ...(reason ? { reason } : {}), ...(note ? { note } : {}) },
          at: now,
        });
        return inv;
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
    const me = requireAdmin(actor, 'approve invitation requests');
    const now = this.clock.now();
    return this.em.transactional(async (em) => {
      await lockAdmin(em, actor, 'approve invitation requests');
      const inv = await this.findInOrg(em, me, invitationId);
      const won = await em.nativeUpdate(
        Invitation,
        { id: inv.id, status: 'requested' },
        {
          status: 'pending',
          decidedByMemberId: me.member.id,
          decidedBySlackUserId: actor.slackUserId,
          decidedAt: now,
          updatedAt: now,
        },
      );
      await em.refresh(inv);
      if (won !== 1) throw new InvitationClosedError(decided(inv));
      const organization = await em.findOneOrFail(Organization, me.organization.id);
      inv.expiresAt = new Date(now.getTime() + this.settings.ttlMs);
      this.issueToken(em, inv, organization, now);
      await queueInvitationUpdates(em, organization, inv.id, now);
      await queueRequesterOutcome(em, organization, inv, now);
      await queueInviteeDm(em, organization, inv, now);
      recordAudit(em, {
        organization,
        actor: me,
        action: 'invitation.approved',
        targetType: 'invitation',
        targetId: inv.id,
        details: { email: inv.email, role: inv.role, requestedBy: inv.inviterEmail },
        at: now,
      });
      return inv;
    });
  }

  /**
   * Denies a Member's request (final), with an optional reason told to the requester.
   * @throws as {@link approve}; InvalidInputError (field `reason`)
   */
  async deny(actor: Actor, invitationId: string, reasonText?: string | null): Promise<Invitation> {
    const me = requireAdmin(actor, 'deny invitation requests');
    const reason = parseInput(Reason, reasonText ?? '', 'reason');
    const now = this.clock.now();
    return this.em.transactional(async (em) => {
      await lockAdmin(em, actor, 'deny invitation requests');
      const inv = await this.findInOrg(em, me, invitationId);
      const won = await em.nativeUpdate(
        Invitation,
        { id: inv.id, status: 'requested' },
        {
          status: 'denied',
          openEmail: null,
          decidedByMemberId: me.member.id,
          decidedBySlackUserId: actor.slackUserId,
          decidedAt: now,
          denyReason: reason,
          closedAt: now,
          updatedAt: now,
        },
      );
      await em.refresh(inv);
      if (won !== 1) throw new InvitationClosedError(decided(inv));
      const organization = em.getReference(Organization, me.organization.id);
      await queueInvitationUpdates(em, organization, inv.id, now);
      await queueRequesterOutcome(em, organization, inv, now);
      recordAudit(em, {
        organization,
        actor: me,
        action: 'invitation.denied',
        targetType: 'invitation',
        targetId: inv.id,
        details: { email: inv.email, requestedBy: inv.inviterEmail, ...(reason ? { reason } : {}) },
        at: now,
      });
      return inv;
    });
  }

  /**
   * Checks that a request can still be decided by this actor (before opening the Deny modal).
   * @throws as {@link approve}
   */
  async requireOpenRequest(actor: Actor, invitationId: string): Promise<Invitation> {
    const me = requireAdmin(actor, 'deny invitation requests');
    const inv = await this.findInOrg(this.em, me, invitationId);
    if (inv.status !== 'requested') throw new InvitationClosedError(decided(inv));
    return inv;
  }

  /**
   * Sends a pending invitation again: a new token (the old link stops working), expiry renewed to 7 days from now,
   * a new mail; an unsent earlier mail is cancelled.
   * @throws InvitationClosedError when it is no longer pending; NotAuthorizedError for a Member
   */
  async resend(actor: Actor, invitationId: string): Promise<Invitation> {
    const me = requireAdmin(actor, 'resend invitations');
    const now = this.clock.now();
    return this.em.transactional(async (em) => {
      await lockAdmin(em, actor, 'resend invitations');
      const inv = await this.findInOrg(em, me, invitationId);
      if (inv.status !== 'pending') throw new InvitationClosedError(decided(inv));
      const organization = await em.findOneOrFail(Organization, me.organization.id);
      await this.cancelUnsent(em, inv, now);
      inv.expiresAt = new Date(now.getTime() + this.settings.ttlMs);
      this.issueToken(em, inv, organization, now);
      await queueInviteeDm(em, organization, inv, now);
      recordAudit(em, {
        organization,
        actor: me,
        action: 'invitation.resent',
        targetType: 'invitation',
        targetId: inv.id,
        details: { email: inv.email, role: inv.role },
        at: now,
      });
      return inv;
    });
  }

  /**
   * Revokes an open invitation or request (final); its link stops working and an unsent mail is cancelled.
   * @throws InvitationClosedError when it is already final; NotAuthorizedError for a Member
   */
  async revoke(actor: Actor, invitationId: string): Promise<Invitation> {
    const me = requireAdmin(actor, 'revoke invitations');
    const now = this.clock.now();
    return this.em.transactional(async (em) => {
      await lockAdmin(em, actor, 'revoke invitations');
      const inv = await this.findInOrg(em, me, invitationId);
      const won = await em.nativeUpdate(
        Invitation,
        { id: inv.id, status: { $in: [...OPEN_STATUSES] } },
        {
          status: 'revoked',
          openEmail: null,
          decidedByMemberId: me.member.id,
          decidedBySlackUserId: actor.slackUserId,
          decidedAt: now,
          closedAt: now,
          updatedAt: now,
        },
      );
      await em.refresh(inv);
      if (won !== 1) throw new InvitationClosedError(decided(inv));
      await this.cancelUnsent(em, inv, now);
      const organization = em.getReference(Organization, me.organization.id);
      await queueInvitationUpdates(em, organization, inv.id, now);
      recordAudit(em, {
        organization,
        actor: me,
        action: 'invitation.revoked',
        targetType: 'invitation',
        targetId: inv.id,
        details: { email: inv.email, role: inv.role },
        at: now,
      });
      return inv;
    });
  }

  /**
   * The invitation a link's token names, for the invitation page. Expiry is applied first (an expired invitation
   * is closed, with its audit event).
   * @returns null for a malformed or unknown token (also once the invitation was resent or revoked)
   */
  async findByToken(token: string): Promise<{ invitation: Invitation; organization: Organization } | null> {
    if (!INVITATION_TOKEN_PATTERN.test(token)) return null;
    const inv = await this.em.findOne(
      Invitation,
      { tokenHash: hashInvitationToken(token) },
      { populate: ['organization'] },
    );
    if (!inv) return null;
    await this.expireIfDue(inv);
    return { invitation: inv, organization: inv.organization };
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
    await this.expireIfDue(inv);
    return this.respond(inv.id, decision, { slackUserId: clicker.slackUserId });
  }

  /**
   * Open invitations and requests of the actor's organization, newest first, with the state of each one's latest
   * mail. Expiry is applied first.
   * @throws NotAuthorizedError for a Member
   */
  async listOpen(actor: Actor): Promise<{ rows: OpenInvitation[]; total: number }> {
    const me = requireAdmin(actor, 'see open invitations');
    await this.expireDue(me.organization.id);
    const where = { organization: me.organization.id, status: { $in: [...OPEN_STATUSES] } };
    const [invitations, total] = await this.em.findAndCount(Invitation, where, {
      orderBy: { createdAt: 'desc', id: 'asc' },
      limit: INVITES_LIST_LIMIT,
    });
    const deliveries = await this.outbox.latestDeliveries(
      this.em,
      invitations.map((i) => i.id),
    );
    const rows = invitations.map((invitation) => ({
      invitation,
      delivery: deliveries.get(invitation.id) ?? null,
    }));
    return { rows, total };
  }

  /**
   * Requests waiting for an Admin (App Home), newest first, at most `limit`.
   * @throws NotAuthorizedError for a Member
   */
  async pendingRequests(actor: Actor, limit = 10): Promise<{ items: Invitation[]; total: number }> {
    const me = requireAdmin(actor, 'see invitation requests');
    await this.expireDue(me.organization.id);
    const [items, total] = await this.em.findAndCount(
      Invitation,
      { organization: me.organization.id, status: 'requested' },
      { orderBy: { createdAt: 'desc', id: 'asc' }, limit },
    );
    return { items, total };
  }

  /**
   * Sets where Members' requests go: a Slack channel id, or null for a DM to each Admin.
   * @returns the previous channel id (or null)
   * @throws NotAuthorizedError for a Member
   */
  async setApprovalsChannel(actor: Actor, channelId: string | null): Promise<string | null> {
    const me = requireAdmin(actor, 'choose where invitation requests go');
    const now = this.clock.now();
    const previous = me.organization.approvalsChannelId;
    await this.em.transactional(async (em) => {
      await lockAdmin(em, actor, 'choose where invitation requests go');
      const org = await em.findOneOrFail(Organization, me.organization.id);
      org.approvalsChannelId = channelId;
      org.approvalsChannelFailingSince = null;
      org.updatedAt = now;
      recordAudit(em, {
        organization: org,
        actor: me,
        action: 'organization.approvals_channel_set',
        targetType: 'organization',
        targetId: org.id,
        details: { from: previous, to: channelId },
        at: now,
      });
    });
    me.organization.approvalsChannelId = channelId;
    return previous;
  }

  /** An invitation by id, with its organization loaded (for rendering messages about it). */
  async get(invitationId: string): Promise<Invitation | null> {
    return this.em.findOne(Invitation, invitationId, { populate: ['organization'], refresh: true });
  }

  /** The posted Slack messages about an invitation, oldest first. */
  async messagesOf(invitationId: string, purpose: InvitationMessagePurpose): Promise<InvitationMessage[]> {
    return this.em.find(
      InvitationMessage,
      { invitation: invitationId, purpose },
      { orderBy: { createdAt: 'asc', id: 'asc' } },
    );
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
  async expireDue(organizationId?: string): Promise<number> {
    const now = this.clock.now();
    const due = await this.em.find(Invitation, {
      ...(organizationId ? { organization: organizationId } : {}),
      status: { $in: [...OPEN_STATUSES] },
      expiresAt: { $lte: now },
    });
    let closed = 0;
    for (const inv of due) if (await this.expireIfDue(inv)) closed += 1;
    return closed;
  }

  /** Closes `inv` as expired when it is open and past its expiry; true when this call closed it. */
  private async expireIfDue(inv: Invitation): Promise<boolean> {
    const now = this.clock.now();
    if (!inv.isOpen || !inv.expiresAt || inv.expiresAt.getTime() > now.getTime()) return false;
    return this.em.transactional(async (em) => {
      const won = await em.nativeUpdate(
        Invitation,
        { id: inv.id, status: { $in: [...OPEN_STATUSES] }, expiresAt: { $lte: now } },
        { status: 'expired', openEmail: null, closedAt: now, updatedAt: now },
      );
      await em.refresh(inv);
      if (won !== 1) return false;
      await this.cancelUnsent(em, inv, now);
      const organization = em.getReference(Organization, inv.organization.id);
      await queueInvitationUpdates(em, organization, inv.id, now);
      recordAudit(em, {
        organization,
        actor: null,
        action: 'invitation.expired',
        targetType: 'invitation',
        targetId: inv.id,
        details: { email: inv.email, role: inv.role },
        at: now,
      });
      return true;
    });
  }

  private async respond(
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
      if (inv.status === 'expired') throw new InvitationExpiredError();
      if (inv.status !== 'pending') throw new InvitationClosedError(decided(inv));
      const organization = inv.organization;
      let member: Member | null = null;
      if (decision === 'accept') {
        if (await em.count(Member, { organization, email: inv.email })) {
          throw new AlreadyMemberError({ email: inv.email, organizationName: organization.name });
        }
        // Link the Slack user unless another member already is that Slack user.
        const slackUserId =
          who.slackUserId && !(await em.count(Member, { organization, slackUserId: who.slackUserId }))
            ? who.slackUserId
            : null;
        member = new Member({ organization, email: inv.email, role: inv.role, slackUserId, now });
      }
      const won = await em.nativeUpdate(
        Invitation,
        { id: inv.id, status: 'pending' },
        {
          status: decision === 'accept' ? 'accepted' : 'declined',
          openEmail: null,
          acceptedMemberId: member?.id ?? null,
          closedAt: now,
          updatedAt: now,
        },
      );
      await em.refresh(inv);
      if (won !== 1) throw new InvitationClosedError(decided(inv));
      if (member) em.persist(member);
      await this.cancelUnsent(em, inv, now);
      await queueInvitationUpdates(em, organization, inv.id, now);
      recordAudit(em, {
        organization,
        actor: member ? { member, slackUserId: member.slackUserId ?? '' } : null,
        action: decision === 'accept' ? 'invitation.accepted' : 'invitation.declined',
        targetType: 'invitation',
        targetId: inv.id,
        details: { email: inv.email, role: inv.role, ...(member ? { memberId: member.id } : {}) },
        at: now,
      });
      return inv;
    });
  }

  /**
   * Gives `inv` a new token (hash stored) and queues its mail with the token sealed for that outbox row. The raw
   * token leaves this function only inside the sealed value.
   */
  private issueToken(em: EntityManager, inv: Invitation, organization: Organization, now: Date): void {
    const token = newInvitationToken();
    inv.tokenHash = hashInvitationToken(token);
    inv.sentAt = now;
    inv.updatedAt = now;
    const mailId = randomUUID();
    this.outbox.queue(em, {
      id: mailId,
      organization,
      invitation: inv,
      recipient: inv.email,
      data: {
        organizationName: organization.name,
        inviterEmail: inv.inviterEmail,
        role: inv.role,
        expiresAt: (inv.expiresAt ?? now).toISOString(),
        ...(inv.note ? { note: inv.note } : {}),
      },
      sealedToken: this.settings.sealer.seal(token, mailId),
      now,
      messageDomain: this.settings.messageDomain,
    });
  }

  /** Cancels the invitation's mail that has not gone out yet, and forgets its sealed token. */
  private async cancelUnsent(em: EntityManager, inv: Invitation, now: Date): Promise<void> {
    await this.outbox.cancelUnsent(em, inv.id, now);
  }

  private async findInOrg(em: EntityManager, me: MemberActor, invitationId: string): Promise<Invitation> {
    const inv = await em.findOne(Invitation, { id: invitationId, organization: me.organization.id });
    if (!inv) throw new NotFoundError('invitation_not_found', {});
    return inv;
  }
}

/** Statuses shown in words. */
export const STATUS_LABELS: Record<InvitationStatus, string> = {
  requested: 'awaiting approval',
  pending: 'sent',
  accepted: 'accepted',
  declined: 'declined',
  revoked: 'revoked',
  expired: 'expired',
  denied: 'denied',
};
