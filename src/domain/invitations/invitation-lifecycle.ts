import type { EntityManager, FilterQuery } from '@mikro-orm/core';
import type { MemberActor } from '../access.js';
import type { Clock } from '../actor.js';
import { recordAudit } from '../audit/audit.js';
import type { AuditDetails } from '../audit/audit-event.entity.js';
import {
  AlreadyMemberError,
  type DomainErrorParams,
  InvitationClosedError,
  InvitationExpiredError,
} from '../errors.js';
import { Member, type Role } from '../members/member.entity.js';
import { Organization } from '../organizations/organization.entity.js';
import { Invitation, type InvitationStatus, OPEN_STATUSES } from './invitation.entity.js';
import { issueToken } from './invitation-mail.js';
import type { InvitationChange, InvitationPorts } from './ports.js';
import type { InvitationSettings } from './settings.js';

/** The audit events of an invitation, one per transition. */
type InvitationAuditAction = `invitation.${'sent' | 'requested' | InvitationChange}`;

/** Who an audit event names as acting: a member, or no one (expiry, a decline through the page). */
type AuditActor = Parameters<typeof recordAudit>[1]['actor'];

/** Who decided an invitation or request, for "already approved by …". */
export function decided(inv: Invitation): DomainErrorParams['invitation_closed'] {
  return { status: inv.status, email: inv.email, decidedBySlackUserId: inv.decidedBySlackUserId };
}

/** What a new invitation is made of (input already validated, the caller's role as committed). */
export interface NewInvitation {
  organization: Organization;
  /** The inviting member, as locked in the transaction. */
  by: MemberActor;
  /** True for an Admin's invitation (sent now), false for a Member's request. */
  isAdmin: boolean;
  email: string;
  role: Role;
  reason: string | null;
  note: string | null;
  inviteeSlackUserId: string | null;
}

/**
 * The lifecycle of an invitation (DESIGN.md §3): each status transition in one place, with what goes with it — the
 * conditional update that makes it happen once, the token and the outbox row of a mail, the notifier's event (the
 * invitee told, the request's copies, their refresh and the requester's outcome: `InvitationNotifier`) and the
 * audit event:
 * `requested` / `sent` (new), `approved`, `denied`, `resent`, `revoked`, `expired`, `accepted`, `declined`.
 * Every method but {@link expireIfDue} and {@link expireDue} runs inside the caller's transaction (`em`); the
 * callers check who may act. A transition that lost a race throws InvitationClosedError (expiry returns false).
 */
export class InvitationLifecycle {
  constructor(
    private readonly em: EntityManager,
    private readonly clock: Clock,
    private readonly settings: InvitationSettings,
    private readonly ports: InvitationPorts,
  ) {}

  /**
   * Writes a new invitation: an Admin's is `pending` and sent (token, mail, the invitee's DM; `invitation.sent`),
   * a Member's is `requested` and its copies go to the approvers (`invitation.requested`).
   */
  async open(em: EntityManager, init: NewInvitation, now: Date): Promise<Invitation> {
    const { organization, by, isAdmin, email, role, reason, note } = init;
    const inv = new Invitation({
      organization,
      email,
      role,
      status: isAdmin ? 'pending' : 'requested',
      inviter: { memberId: by.member.id, slackUserId: by.slackUserId, email: by.member.email },
      inviteeSlackUserId: init.inviteeSlackUserId,
      reason,
      note,
      now,
    });
    inv.expiresAt = this.renewedExpiry(now);
    em.persist(inv);
    if (isAdmin) {
      issueToken(em, inv, organization, now, this.settings, this.ports.outbox);
      await this.ports.notifier.invitationSent(em, { organization, invitation: inv, now });
    } else {
      await this.ports.notifier.requestMade(em, { organization, invitation: inv, now });
    }
    this.audit(em, organization, by, isAdmin ? 'invitation.sent' : 'invitation.requested', inv, now, {
      email,
      role,
      ...(reason ? { reason } : {}),
      ...(note ? { note } : {}),
    });
    return inv;
  }

  /**
   * `requested` → `pending`: a request approved by `by` is sent (token, expiry renewed, mail, the invitee's DM),
   * its copies refreshed and the requester told (`invitation.approved`).
   */
  async approve(em: EntityManager, inv: Invitation, by: MemberActor, now: Date): Promise<Invitation> {
    await this.transition(em, inv, 'requested', { status: 'pending', ...decision(by, now) }, now);
    const organization = await em.findOneOrFail(Organization, by.organization.id);
    inv.expiresAt = this.renewedExpiry(now);
    issueToken(em, inv, organization, now, this.settings, this.ports.outbox);
    await this.ports.notifier.invitationChanged(em, {
      organization,
      invitation: inv,
      change: 'approved',
      now,
    });
    this.audit(em, organization, by, 'invitation.approved', inv, now, {
      email: inv.email,
      role: inv.role,
      requestedBy: inv.inviterEmail,
    });
    return inv;
  }

  /**
   * `requested` → `denied` (final), with `reason` told to the requester; its copies refreshed
   * (`invitation.denied`).
   */
  async deny(
    em: EntityManager,
    inv: Invitation,
    by: MemberActor,
    reason: string | null,
    now: Date,
  ): Promise<Invitation> {
    await this.transition(
      em,
      inv,
      'requested',
      {
        status: 'denied',
        openEmail: null,
        ...decision(by, now),
        denyReason: reason,
        closedAt: now,
      },
      now,
    );
    const organization = em.getReference(Organization, by.organization.id);
    await this.ports.notifier.invitationChanged(em, { organization, invitation: inv, change: 'denied', now });
    this.audit(em, organization, by, 'invitation.denied', inv, now, {
      email: inv.email,
      requestedBy: inv.inviterEmail,
      ...(reason ? { reason } : {}),
    });
    return inv;
  }

  /**
   * `pending` → `pending`, sent again: a new token (the old link stops working), expiry renewed, a new mail (an
   * unsent earlier one cancelled) and the invitee's DM (`invitation.resent`).
   */
  async resend(em: EntityManager, inv: Invitation, by: MemberActor, now: Date): Promise<Invitation> {
    if (inv.status !== 'pending') throw new InvitationClosedError(decided(inv));
    const organization = await em.findOneOrFail(Organization, by.organization.id);
    await this.ports.outbox.cancelUnsent(em, inv.id, now);
    inv.expiresAt = this.renewedExpiry(now);
    issueToken(em, inv, organization, now, this.settings, this.ports.outbox);
    await this.ports.notifier.invitationChanged(em, { organization, invitation: inv, change: 'resent', now });
    this.audit(em, organization, by, 'invitation.resent', inv, now, { email: inv.email, role: inv.role });
    return inv;
  }

  /** An open invitation or request → `revoked` (final); an unsent mail cancelled (`invitation.revoked`). */
  async revoke(em: EntityManager, inv: Invitation, by: MemberActor, now: Date): Promise<Invitation> {
    await this.transition(
      em,
      inv,
      [...OPEN_STATUSES],
      {
        status: 'revoked',
        openEmail: null,
        ...decision(by, now),
        closedAt: now,
      },
      now,
    );
    await this.close(em, inv, by, 'revoked', now, { email: inv.email, role: inv.role });
    return inv;
  }

  /**
   * `pending` → `accepted` or `declined` (final), by the invitee. Accepting adds them to the team once, in the
   * invitation's role, linked to `who.slackUserId` unless another member already is that Slack user
   * (`invitation.accepted` / `invitation.declined`, by the new member or by no one).
   * @throws InvitationExpiredError; InvitationClosedError; AlreadyMemberError when the email joined meanwhile
   */
  async respond(
    em: EntityManager,
    inv: Invitation,
    answer: 'accept' | 'decline',
    who: { slackUserId: string | null },
    now: Date,
  ): Promise<Invitation> {
    if (inv.status === 'expired') throw new InvitationExpiredError();
    if (inv.status !== 'pending') throw new InvitationClosedError(decided(inv));
    const organization = inv.organization;
    let member: Member | null = null;
    if (answer === 'accept') {
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
    await this.transition(
      em,
      inv,
      'pending',
      {
        status: answer === 'accept' ? 'accepted' : 'declined',
        openEmail: null,
        acceptedMemberId: member?.id ?? null,
        closedAt: now,
      },
      now,
    );
    if (member) em.persist(member);
    await this.close(
      em,
      inv,
      member ? { member, slackUserId: member.slackUserId ?? '' } : null,
      answer === 'accept' ? 'accepted' : 'declined',
      now,
      { email: inv.email, role: inv.role, ...(member ? { memberId: member.id } : {}) },
    );
    return inv;
  }

  /**
   * An open invitation or request past its expiry → `expired`, in a transaction of its own; an unsent mail
   * cancelled (`invitation.expired`, by no one).
   * @returns true when this call closed it
   */
  async expireIfDue(inv: Invitation): Promise<boolean> {
    const now = this.clock.now();
    if (!inv.isOpen || !inv.expiresAt || inv.expiresAt.getTime() > now.getTime()) return false;
    return this.em.transactional(async (em) => {
      const won = await this.update(
        em,
        inv,
        { status: { $in: [...OPEN_STATUSES] }, expiresAt: { $lte: now } },
        { status: 'expired', openEmail: null, closedAt: now, updatedAt: now },
      );
      if (!won) return false;
      await this.close(em, inv, null, 'expired', now, { email: inv.email, role: inv.role });
      return true;
    });
  }

  /**
   * Closes every open invitation or request past its expiry (of one organization, or all), as {@link expireIfDue}.
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

  /**
   * The status change itself: a conditional update (`WHERE status IN from`), so of two concurrent changes exactly
   * one wins; `inv` is read again either way.
   * @throws InvitationClosedError when it was no longer in `from`
   */
  private async transition(
    em: EntityManager,
    inv: Invitation,
    from: InvitationStatus | InvitationStatus[],
    changes: Partial<Invitation>,
    now: Date,
  ): Promise<void> {
    const status = Array.isArray(from) ? { $in: from } : from;
    const won = await this.update(em, inv, { status }, { ...changes, updatedAt: now });
    if (!won) throw new InvitationClosedError(decided(inv));
  }

  private async update(
    em: EntityManager,
    inv: Invitation,
    where: FilterQuery<Invitation>,
    changes: Partial<Invitation>,
  ): Promise<boolean> {
    const won = await em.nativeUpdate(Invitation, { ...(where as object), id: inv.id }, changes);
    await em.refresh(inv);
    return won === 1;
  }

  /** What follows every closing: unsent mail cancelled, the notifier told (copies refreshed), the audit event. */
  private async close(
    em: EntityManager,
    inv: Invitation,
    by: AuditActor,
    change: Extract<InvitationChange, 'revoked' | 'expired' | 'accepted' | 'declined'>,
    now: Date,
    details: AuditDetails,
  ): Promise<void> {
    await this.ports.outbox.cancelUnsent(em, inv.id, now);
    const organization = em.getReference(Organization, inv.organization.id);
    await this.ports.notifier.invitationChanged(em, { organization, invitation: inv, change, now });
    this.audit(em, organization, by, `invitation.${change}`, inv, now, details);
  }

  private audit(
    em: EntityManager,
    organization: Organization,
    actor: AuditActor,
    action: InvitationAuditAction,
    inv: Invitation,
    at: Date,
    details: AuditDetails,
  ): void {
    recordAudit(em, { organization, actor, action, targetType: 'invitation', targetId: inv.id, details, at });
  }

  private renewedExpiry(now: Date): Date {
    return new Date(now.getTime() + this.settings.ttlMs);
  }
}

/** The decision columns an Admin's approval, denial or revocation writes. */
function decision(by: MemberActor, now: Date): Partial<Invitation> {
  return { decidedByMemberId: by.member.id, decidedBySlackUserId: by.slackUserId, decidedAt: now };
}
