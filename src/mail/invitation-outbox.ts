import type { EntityManager } from '@mikro-orm/core';
import type { InvitationOutbox, MailDelivery, QueuedInvitationMail } from '../domain/invitations/ports.js';
import { OutboxMail } from './outbox.entity.js';

/**
 * The invitations' outbox port ({@link InvitationOutbox}) on the `mail_outbox` table: rows written in the caller's
 * unit of work, sent later by the {@link OutboxWorker}.
 */
export class OutboxMailQueue implements InvitationOutbox {
  /** Persists one {@link OutboxMail} row in `em` (flushed with the caller's transaction). */
  queue(em: EntityManager, mail: QueuedInvitationMail): void {
    em.persist(new OutboxMail(mail));
  }

  /** Marks the invitation's `queued`/`retrying` rows `cancelled` and clears their sealed tokens. */
  async cancelUnsent(em: EntityManager, invitationId: string, now: Date): Promise<void> {
    await em.nativeUpdate(
      OutboxMail,
      { invitation: invitationId, status: { $in: ['queued', 'retrying'] } },
      { status: 'cancelled', sealedToken: null, updatedAt: now },
    );
  }

  /** The newest row (by creation time) of each invitation, by invitation id. */
  async latestDeliveries(
    em: EntityManager,
    invitationIds: readonly string[],
  ): Promise<Map<string, MailDelivery>> {
    const latest = new Map<string, MailDelivery>();
    if (invitationIds.length === 0) return latest;
    const mails = await em.find(
      OutboxMail,
      { invitation: { $in: [...invitationIds] } },
      { orderBy: { createdAt: 'desc' } },
    );
    for (const mail of mails) if (!latest.has(mail.invitation.id)) latest.set(mail.invitation.id, mail);
    return latest;
  }
}
