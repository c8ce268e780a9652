import { randomUUID } from 'node:crypto';
import { EntitySchema } from '@mikro-orm/core';
import { BaseEntity, BaseEntitySchema } from '../base.entity.js';
import { ROLES, type Role } from '../members/member.entity.js';
import { belongsToOrganization, type Organization } from '../organizations/organization.entity.js';

/**
 * Where an invitation stands. `requested` (a Member asked; an Admin must approve) and `pending` (sent, waiting for
 * the invitee) are open; the others are final (DESIGN.md §3).
 */
export const INVITATION_STATUSES = [
  'requested',
  'pending',
  'accepted',
  'declined',
  'revoked',
  'expired',
  'denied',
] as const;
export type InvitationStatus = (typeof INVITATION_STATUSES)[number];

/** The statuses that still allow a decision; only one such invitation may exist per (organization, email). */
export const OPEN_STATUSES: readonly InvitationStatus[] = ['requested', 'pending'];

/**
 * An invitation to join an organization, or a Member's request for one. The token itself is never stored: only its
 * SHA-256 (`tokenHash`). `openEmail` equals `email` while the invitation is open and is null once it is final, so
 * the unique index on (organization, open_email) allows one open invitation per address (NULLs never collide).
 */
export class Invitation extends BaseEntity {
  organization: Organization;
  /** Lower-cased, trimmed. */
  email: string;
  openEmail: string | null;
  role: Role;
  status: InvitationStatus;
  /** The Member's reason for a request (optional), shown to the Admins who decide. */
  reason: string | null = null;
  /** The inviting Admin's note to the invitee (optional), shown in the mail, the invitation page and the DM. */
  note: string | null = null;
  /** Who invited or requested: member id, Slack user id and email at the time (kept if the member leaves). */
  inviterMemberId: string;
  inviterSlackUserId: string | null;
  inviterEmail: string;
  /** The invitee's Slack user, when invited by mention or found by email. */
  inviteeSlackUserId: string | null = null;
  /** SHA-256 (hex) of the current token; null while requested. Kept once final so an old link can say what became of it. */
  tokenHash: string | null = null;
  sentAt: Date | null = null;
  /** When the current token stops working (7 days after it was sent or resent). */
  expiresAt: Date | null = null;
  decidedByMemberId: string | null = null;
  decidedBySlackUserId: string | null = null;
  decidedAt: Date | null = null;
  denyReason: string | null = null;
  /** The member created by acceptance. */
  acceptedMemberId: string | null = null;
  closedAt: Date | null = null;

  constructor(init: {
    organization: Organization;
    email: string;
    role: Role;
    status: 'requested' | 'pending';
    inviter: { memberId: string; slackUserId: string | null; email: string };
    inviteeSlackUserId?: string | null;
    reason?: string | null;
    note?: string | null;
    now: Date;
  }) {
    super();
    this.id = randomUUID();
    this.organization = init.organization;
    this.email = init.email.trim().toLowerCase();
    this.openEmail = this.email;
    this.role = init.role;
    this.status = init.status;
    this.inviterMemberId = init.inviter.memberId;
    this.inviterSlackUserId = init.inviter.slackUserId;
    this.inviterEmail = init.inviter.email;
    this.inviteeSlackUserId = init.inviteeSlackUserId ?? null;
    this.reason = init.reason ?? null;
    this.note = init.note ?? null;
    this.createdAt = init.now;
    this.updatedAt = init.now;
  }

  get isOpen(): boolean {
    return OPEN_STATUSES.includes(this.status);
  }
}

export const InvitationSchema = new EntitySchema<Invitation, BaseEntity>({
  class: Invitation,
  extends: BaseEntitySchema,
  tableName: 'invitations',
  uniques: [
    { properties: ['organization', 'openEmail'], name: 'invitations_organization_open_email_unique' },
  ],
  indexes: [{ properties: ['organization', 'createdAt'], name: 'invitations_organization_created_at_index' }],
  properties: {
    organization: belongsToOrganization,
    email: { type: 'text' },
    openEmail: { type: 'text', fieldName: 'open_email', nullable: true },
    role: { enum: true, items: () => ROLES, type: 'text' },
    // A plain text column: MikroORM 6's SQLite introspection misreads CHECK lists of more than two items.
    status: { type: 'text' },
    reason: { type: 'text', nullable: true },
    note: { type: 'text', nullable: true },
    inviterMemberId: { type: 'text', fieldName: 'inviter_member_id' },
    inviterSlackUserId: { type: 'text', fieldName: 'inviter_slack_user_id', nullable: true },
    inviterEmail: { type: 'text', fieldName: 'inviter_email' },
    inviteeSlackUserId: { type: 'text', fieldName: 'invitee_slack_user_id', nullable: true },
    tokenHash: {
      type: 'text',
      fieldName: 'token_hash',
      nullable: true,
      unique: 'invitations_token_hash_unique',
    },
    sentAt: { type: 'Date', fieldName: 'sent_at', nullable: true },
    expiresAt: { type: 'Date', fieldName: 'expires_at', nullable: true },
    decidedByMemberId: { type: 'text', fieldName: 'decided_by_member_id', nullable: true },
    decidedBySlackUserId: { type: 'text', fieldName: 'decided_by_slack_user_id', nullable: true },
    decidedAt: { type: 'Date', fieldName: 'decided_at', nullable: true },
    denyReason: { type: 'text', fieldName: 'deny_reason', nullable: true },
    acceptedMemberId: { type: 'text', fieldName: 'accepted_member_id', nullable: true },
    closedAt: { type: 'Date', fieldName: 'closed_at', nullable: true },
    isOpen: { type: 'boolean', persist: false, getter: true },
  },
});
