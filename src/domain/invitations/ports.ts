/**
 * What the invitations need from the rings around the domain (DESIGN.md §6). The domain declares these
 * interfaces; the outer layers implement them (the mail outbox: `src/mail/invitation-outbox.ts`; the notifier:
 * `src/slack/deliveries/slack-notifier.ts`) and the composition root (`src/app.ts`, `src/adapters.ts`) wires them in.
 */
import type { EntityManager } from '@mikro-orm/core';
import type { Organization } from '../organizations/organization.entity.js';
import type { Invitation } from './invitation.entity.js';

/**
 * Delivery state of a queued mail: `queued` (never tried), `retrying` (failed, will try again at `nextAttemptAt`),
 * `sent`, `failed` (refused for good by the SMTP server with a 5yz reply, or gave up after the last attempt;
 * `lastError` says why) and `cancelled` (the invitation was resent, revoked or closed before the mail went out).
 */
export const OUTBOX_STATUSES = ['queued', 'retrying', 'sent', 'failed', 'cancelled'] as const;
export type OutboxStatus = (typeof OUTBOX_STATUSES)[number];

/** What the invitation mail shows; no secret. */
export interface InvitationMailData {
  organizationName: string;
  inviterEmail: string;
  role: 'admin' | 'member';
  /** ISO 8601 instant. */
  expiresAt: string;
  /** The inviting Admin's note, as typed (escaped when rendered). */
  note?: string;
  [key: string]: string | undefined;
}

/** The state of an invitation's latest mail, as `/org invites` shows it. */
export interface MailDelivery {
  status: OutboxStatus;
  attempts: number;
  lastError: string | null;
  sentAt: Date | null;
  nextAttemptAt: Date;
}

/** One invitation mail to queue. The token is already sealed for the mail's id (see `TokenSealer`). */
export interface QueuedInvitationMail {
  /** The mail's id (a UUID chosen by the domain: the token is sealed with it as associated data). */
  id: string;
  organization: Organization;
  invitation: Invitation;
  recipient: string;
  data: InvitationMailData;
  /** The invitation token, sealed (AES-256-GCM) for this mail id; never the raw token. */
  sealedToken: string;
  /** When it was queued (first attempt due at once). */
  now: Date;
  /** Right-hand side of the mail's Message-ID. */
  messageDomain: string;
}

/**
 * The transactional outbox of invitation mails: each method works inside the caller's unit of work (`em`, the
 * EntityManager of the open transaction), so a mail is queued, or cancelled, in the same transaction as the
 * invitation change it belongs to, and is committed or rolled back with it.
 */
export interface InvitationOutbox {
  /** Queues `mail` in `em`'s unit of work (written by the transaction's flush). */
  queue(em: EntityManager, mail: QueuedInvitationMail): void;
  /** Cancels the invitation's mails that have not gone out yet and forgets their sealed tokens. */
  cancelUnsent(em: EntityManager, invitationId: string, now: Date): Promise<void>;
  /** The latest mail of each invitation that has one, by invitation id. */
  latestDeliveries(em: EntityManager, invitationIds: readonly string[]): Promise<Map<string, MailDelivery>>;
}

/**
 * An invitation change as its notifier gets it: the organization (loaded where a method says it reads more than its
 * id), the invitation as just written, and when (the change's clock time).
 */
export interface InvitationEvent {
  organization: Organization;
  invitation: Invitation;
  now: Date;
}

/**
 * The transitions of an invitation after it was written (see `InvitationLifecycle`): a request `approved` or
 * `denied` by an Admin, an invitation `resent`, and the closings `revoked`, `expired`, `accepted`, `declined`.
 */
export type InvitationChange =
  | 'approved'
  | 'denied'
  | 'resent'
  | 'revoked'
  | 'expired'
  | 'accepted'
  | 'declined';

/** A request's copy refused for good by the approvals channel `channelId`. */
export interface RequestCopyRefused {
  organization: Organization;
  invitationId: string;
  channelId: string;
  now: Date;
}

/** The organization's approvals channel failing, `reason` being the refusal's code (such as `not_in_channel`). */
export interface ApprovalsChannelFailing {
  organization: Organization;
  channelId: string;
  reason: string;
  now: Date;
}

/**
 * Who is told what about invitations, one method per thing that happened. Each method works inside the change's
 * own transaction (`em`, the EntityManager of the open transaction): what it promises to deliver is written there,
 * so a committed change always has its notifications and a rolled-back one has none. The Slack side implements it
 * (`src/slack/deliveries/slack-notifier.ts`: messages queued in its delivery outbox, sent by its worker); it owns
 * what it posts (where each copy went), the domain only says what happened.
 */
export interface InvitationNotifier {
  /** An Admin's invitation was sent: the invitee is told, with Accept / Decline. */
  invitationSent(em: EntityManager, event: InvitationEvent): Promise<void>;
  /**
   * A Member's request was made: the Admins get its copies, in the approvals channel when the organization has
   * one (`organization.approvalsChannelId`; `organization` is loaded), else each by DM.
   */
  requestMade(em: EntityManager, event: InvitationEvent): Promise<void>;
  /**
   * An invitation changed state (`change`). A decision or a closing (`approved`, `denied`, `revoked`, `expired`,
   * `accepted`, `declined`): what was told about it is brought up to date (the request's copies, the invitee's
   * message), and a decided request's requester is told the outcome (`approved`, `denied`). An approved or `resent`
   * invitation is sent to the invitee as {@link invitationSent} does (a resend refreshes nothing: it stays open).
   */
  invitationChanged(em: EntityManager, event: InvitationEvent & { change: InvitationChange }): Promise<void>;
  /**
   * The approvals channel refused a request's copy for good (the app was removed from it, it was archived…): the
   * copy goes to each active Admin by DM instead.
   */
  requestCopyRefused(em: EntityManager, event: RequestCopyRefused): Promise<void>;
  /** The organization's approvals channel started failing: each active Admin is told once what to do. */
  approvalsChannelFailing(em: EntityManager, event: ApprovalsChannelFailing): Promise<void>;
}

/** The ports of the invitations (wired by the composition root; see `DomainPorts`). */
export interface InvitationPorts {
  outbox: InvitationOutbox;
  notifier: InvitationNotifier;
}
