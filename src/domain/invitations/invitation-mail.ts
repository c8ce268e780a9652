import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/core';
import type { Organization } from '../organizations/organization.entity.js';
import type { Invitation } from './invitation.entity.js';
import type { InvitationOutbox } from './ports.js';
import type { InvitationSettings } from './settings.js';
import { hashInvitationToken, newInvitationToken } from './token.js';

/**
 * Gives `inv` a new token (its SHA-256 hash stored, the old link stops working) and queues its mail in the outbox,
 * in the caller's transaction `em`, with the token sealed for that outbox row (`settings.sealer`). The raw token
 * leaves this function only inside the sealed value.
 */
export function issueToken(
  em: EntityManager,
  inv: Invitation,
  organization: Organization,
  now: Date,
  settings: InvitationSettings,
  outbox: InvitationOutbox,
): void {
  const token = newInvitationToken();
  inv.tokenHash = hashInvitationToken(token);
  inv.sentAt = now;
  inv.updatedAt = now;
  const mailId = randomUUID();
  outbox.queue(em, {
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
    sealedToken: settings.sealer.seal(token, mailId),
    now,
    messageDomain: settings.messageDomain,
  });
}
