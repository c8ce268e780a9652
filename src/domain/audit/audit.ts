import type { EntityManager } from '@mikro-orm/core';
import type { Actor } from '../actor.js';
import type { Organization } from '../organizations/organization.entity.js';
import type { AuditAction } from './actions.js';
import { type AuditDetails, AuditEvent } from './audit-event.entity.js';

/**
 * Records an audit event in the unit of work `em` — call it inside the same `em.transactional` as the change, so
 * both commit or neither does. `details` must hold no secret or token (client secrets, invitation tokens, access
 * tokens, Slack tokens); ids, names, emails and roles are fine.
 */
export function recordAudit(
  em: EntityManager,
  event: {
    organization: Organization;
    actor: Pick<Actor, 'member' | 'slackUserId'> | null;
    action: AuditAction;
    targetType: string;
    targetId?: string | null;
    details?: AuditDetails;
    at: Date;
  },
): AuditEvent {
  const audit = new AuditEvent({
    organization: event.organization,
    at: event.at,
    actorMemberId: event.actor?.member?.id ?? null,
    actorSlackUserId: event.actor?.slackUserId ?? null,
    action: event.action,
    targetType: event.targetType,
    targetId: event.targetId ?? null,
    ...(event.details ? { details: event.details } : {}),
  });
  em.persist(audit);
  return audit;
}
