import { EntitySchema } from '@mikro-orm/core';
import { Invitation } from '../domain/invitations/invitation.entity.js';
import type { InvitationMailData, OutboxStatus, QueuedInvitationMail } from '../domain/invitations/ports.js';
import { belongsToOrganization, type Organization } from '../domain/organizations/organization.entity.js';

export type { InvitationMailData, OutboxStatus } from '../domain/invitations/ports.js';
export { OUTBOX_STATUSES } from '../domain/invitations/ports.js';

/**
 * One mail to send (transactional outbox): written in the same transaction as the invitation it announces, sent
 * by the {@link OutboxWorker}. The raw invitation token is never stored in plain text: `sealedToken` holds it
 * encrypted (AES-256-GCM, see `token.ts`) until the mail is sent, then it is cleared.
 */
export class OutboxMail {
  id: string;
  organization: Organization;
  invitation: Invitation;
  recipient: string;
  data: InvitationMailData;
  sealedToken: string | null;
  status: OutboxStatus = 'queued';
  attempts = 0;
  lastError: string | null = null;
  nextAttemptAt: Date;
  /** A worker's claim on the row (other workers skip it until then). */
  lockedUntil: Date | null = null;
  /** The worker instance holding the claim (see `OutboxWorker.instanceId`); null when unclaimed. */
  lockedBy: string | null = null;
  /** The RFC 5322 Message-ID, fixed per row so a repeated delivery can be recognised by the receiver. */
  messageId: string;
  sentAt: Date | null = null;
  createdAt: Date;
  updatedAt: Date;

  /** A row for the mail the invitations queue (the domain chose its id and sealed its token for it). */
  constructor(init: QueuedInvitationMail) {
    this.id = init.id;
    this.organization = init.organization;
    this.invitation = init.invitation;
    this.recipient = init.recipient;
    this.data = init.data;
    this.sealedToken = init.sealedToken;
    this.nextAttemptAt = init.now;
    this.messageId = `<invitation.${this.id}@${init.messageDomain}>`;
    this.createdAt = init.now;
    this.updatedAt = init.now;
  }
}

export const OutboxMailSchema = new EntitySchema<OutboxMail>({
  class: OutboxMail,
  tableName: 'mail_outbox',
  indexes: [{ properties: ['status', 'nextAttemptAt'], name: 'mail_outbox_status_next_attempt_at_index' }],
  properties: {
    id: { type: 'text', primary: true },
    organization: belongsToOrganization,
    invitation: {
      kind: 'm:1',
      entity: () => Invitation,
      fieldName: 'invitation_id',
      deleteRule: 'cascade',
      index: true,
    },
    recipient: { type: 'text' },
    data: { type: 'json' },
    sealedToken: { type: 'text', fieldName: 'sealed_token', nullable: true },
    // A plain text column: MikroORM 6's SQLite introspection misreads CHECK lists of more than two items.
    status: { type: 'text' },
    attempts: { type: 'integer' },
    lastError: { type: 'text', fieldName: 'last_error', nullable: true },
    nextAttemptAt: { type: 'Date', fieldName: 'next_attempt_at' },
    lockedUntil: { type: 'Date', fieldName: 'locked_until', nullable: true },
    lockedBy: { type: 'text', fieldName: 'locked_by', nullable: true },
    messageId: { type: 'text', fieldName: 'message_id', unique: 'mail_outbox_message_id_unique' },
    sentAt: { type: 'Date', fieldName: 'sent_at', nullable: true },
    createdAt: { type: 'Date', fieldName: 'created_at' },
    updatedAt: { type: 'Date', fieldName: 'updated_at' },
  },
});
