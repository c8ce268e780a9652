/**
 * Rendering a queued nudge DM (Slack delivery kind `nudge`) from the records as they are at delivery: when the fact
 * it was queued for no longer holds (the subject is gone, disabled, answered, decided, or changed into another
 * fact), it is skipped with the reason.
 */
import type { EntityManager } from '@mikro-orm/core';
import { ApiClient, ClientSecret } from '../../domain/clients/client.entity.js';
import { Invitation } from '../../domain/invitations/invitation.entity.js';
import { currentFactKey } from '../../domain/nudges/facts.js';
import { NUDGE_KINDS, type NudgeKind } from '../../domain/nudges/kinds.js';
import type { InvitationMessagePurpose } from '../deliveries/invitation-message.entity.js';
import type { DeliveryPayload } from '../deliveries/slack-delivery.entity.js';
import type { SlackMessage } from '../shared/common.blocks.js';
import {
  clientUnusedNudge,
  invitationExpiringNudge,
  requestWaitingNudge,
  secretGraceEndingNudge,
} from './nudges.blocks.js';

/** The payload of a `nudge` delivery: which fact (never a secret). */
export function nudgePayload(n: { kind: NudgeKind; subjectId: string; factKey: string }): DeliveryPayload {
  return { nudge: n.kind, subjectId: n.subjectId, factKey: n.factKey };
}

/**
 * The message of a `nudge` delivery as of `now`, or why it is skipped (the fact changed, or its moment passed). A request's nudge is recorded like a copy of the request
 * (`invitation`), so a decision updates it to the outcome as it updates the other copies.
 */
export async function renderNudge(
  em: EntityManager,
  payload: DeliveryPayload,
  now: Date,
): Promise<
  | {
      message: SlackMessage;
      invitation?: { id: string; status: Invitation['status']; purpose: InvitationMessagePurpose };
    }
  | { skipped: string }
> {
  const kind = NUDGE_KINDS.find((k) => k === payload.nudge);
  const subjectId = typeof payload.subjectId === 'string' ? payload.subjectId : '';
  if (!kind || !subjectId) return { skipped: 'skipped: not a nudge this version knows' };
  const key = await currentFactKey(em, kind, subjectId);
  if (key === null || key !== payload.factKey) {
    return { skipped: `skipped: the ${kind} nudge no longer holds (its subject changed or is gone)` };
  }
  // A delivery held up past the fact's moment (the grace ended, the invitation expired) has nothing left to act on.
  if (
    (kind === 'secret_grace_ending' || kind === 'invitation_expiring') &&
    new Date(key).getTime() <= now.getTime()
  ) {
    return { skipped: `skipped: the ${kind} nudge came too late (its moment has passed)` };
  }
  switch (kind) {
    case 'secret_grace_ending': {
      const secret = await em.findOneOrFail(ClientSecret, subjectId, { populate: ['client'] });
      return { message: secretGraceEndingNudge(secret.client, secret.expiresAt ?? new Date(0)) };
    }
    case 'client_unused':
      return { message: clientUnusedNudge(await em.findOneOrFail(ApiClient, subjectId)) };
    case 'invitation_expiring':
      return { message: invitationExpiringNudge(await em.findOneOrFail(Invitation, subjectId)) };
    case 'request_waiting': {
      const inv = await em.findOneOrFail(Invitation, subjectId);
      return {
        message: requestWaitingNudge(inv),
        invitation: { id: inv.id, status: inv.status, purpose: 'approval' },
      };
    }
  }
}
