import type { EntityManager, FilterQuery } from '@mikro-orm/core';
import { requireAdmin } from '../access.js';
import type { Actor } from '../actor.js';
import type { Page } from '../members/members.service.js';
import type { Organization } from '../organizations/organization.entity.js';
import { pageBounds } from '../paging.js';
import type { AuditAction } from './actions.js';
import { AuditEvent } from './audit-event.entity.js';

/** Audit events per page of `/org audit` (one section each, plus header and pager: 22 of 50 message blocks). */
export const AUDIT_PAGE_SIZE = 20;

/** Largest batch {@link AuditService.after} reads at once. */
export const MAX_AUDIT_BATCH = 1000;

/**
 * Which audit events to read. Every field is optional; the given ones must all hold.
 * - `since` / `until`: the event's time is at or after `since`, before `until` (half-open, so consecutive windows
 *   never share an event)
 * - `action`: exactly this action
 * - `actor`: who acted — a Slack user id (events with that `actorSlackUserId`) or an API client id (events written
 *   through the API by that client, which carry no member and name it in `details.clientId`)
 */
export interface AuditFilter {
  since?: Date;
  until?: Date;
  action?: AuditAction;
  actor?: { slackUserId: string } | { clientId: string };
}

/** Reading the audit log (writing is {@link recordAudit}, inside each change's own transaction). */
export class AuditService {
  constructor(private readonly em: EntityManager) {}

  /**
   * One page of the organization's audit events, newest first. Events recorded in the same millisecond are ordered
   * by id, which is stable but arbitrary.
   * @param page 1-based; clamped into range
   * @throws NoOrganizationError / NotAMemberError; NotAuthorizedError for a Member
   */
  async list(actor: Actor, page = 1, pageSize = AUDIT_PAGE_SIZE): Promise<Page<AuditEvent>> {
    const { organization } = requireAdmin(actor, 'read the audit log');
    const total = await this.em.count(AuditEvent, { organization });
    const { offset, ...bounds } = pageBounds(total, page, pageSize);
    const items = await this.em.find(
      AuditEvent,
      { organization },
      { orderBy: { createdAt: 'desc', id: 'desc' }, limit: pageSize, offset },
    );
    return { items, ...bounds };
  }

  /**
   * Keyset read for the API: up to `limit` events of `organization` matching `filter` whose `seq` is greater than
   * `afterSeq`, in `seq` order (the commit order; see migrations/…_audit_event_seq.ts). Reading on from the last
   * event's `seq` gives every event once, however many are written meanwhile. Events are read without the identity
   * map, so a long walk through batches holds only the current batch.
   * @param afterSeq a `seq` (decimal digits) already seen, or null to start at the first event
   * @param limit 1 to {@link MAX_AUDIT_BATCH}
   * @returns the events, each with `seq` set (decimal digits)
   */
  async after(
    organization: Organization,
    filter: AuditFilter,
    afterSeq: string | null,
    limit: number,
  ): Promise<AuditEvent[]> {
    const where: FilterQuery<AuditEvent> = {
      organization,
      seq: afterSeq === null ? { $ne: null } : { $gt: afterSeq },
    };
    const time: { $gte?: Date; $lt?: Date } = {};
    if (filter.since) time.$gte = filter.since;
    if (filter.until) time.$lt = filter.until;
    if (time.$gte || time.$lt) where.createdAt = time;
    if (filter.action) where.action = filter.action;
    if (filter.actor && 'slackUserId' in filter.actor) where.actorSlackUserId = filter.actor.slackUserId;
    if (filter.actor && 'clientId' in filter.actor) {
      where.actorMemberId = null;
      where.actorSlackUserId = null;
      where.details = { clientId: filter.actor.clientId };
    }
    return this.em.find(AuditEvent, where, {
      orderBy: { seq: 'asc' },
      limit: Math.min(Math.max(1, limit), MAX_AUDIT_BATCH),
      disableIdentityMap: true,
    });
  }
}
