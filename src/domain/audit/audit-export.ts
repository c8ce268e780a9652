import type { EntityManager } from '@mikro-orm/core';
import { requireAdmin } from '../access.js';
import type { Actor } from '../actor.js';
import { recordAudit } from './audit.js';
import type { AuditDetails } from './audit-event.entity.js';
import { AuditEvent } from './audit-event.entity.js';

/** Audit events read per query of an export: memory holds one batch at a time, whatever the period. */
export const AUDIT_EXPORT_BATCH_SIZE = 500;

/** A period of audit events: `since` included, `until` excluded. */
export interface AuditPeriod {
  since: Date;
  until: Date;
}

/**
 * One audit event as it leaves the building — a line of a Slack export, an item of `GET /api/v1/audit-events` —
 * the same shape in both: `time` in RFC 3339 (UTC, milliseconds); the actor: the member who made the change (their
 * Slack user id and member id), the API client that made it through the API (recorded with no member, its id in
 * `details.clientId`), or the system (expiry, Slack's own events); the target; and the details, which never hold a
 * secret ({@link recordAudit} keeps them out).
 */
export interface AuditExportRecord {
  id: string;
  time: string;
  actor:
    | { type: 'member'; slack_user_id: string | null; member_id: string | null }
    | { type: 'api_client'; client_id: string }
    | { type: 'system' };
  action: string;
  target: { type: string; id: string | null };
  details: AuditDetails;
}

/** The outward form of one event (see {@link AuditExportRecord}). */
export function auditExportRecord(event: AuditEvent): AuditExportRecord {
  const clientId = event.details.clientId;
  const actor: AuditExportRecord['actor'] =
    event.actorSlackUserId !== null || event.actorMemberId !== null
      ? { type: 'member', slack_user_id: event.actorSlackUserId, member_id: event.actorMemberId }
      : typeof clientId === 'string'
        ? { type: 'api_client', client_id: clientId }
        : { type: 'system' };
  return {
    id: event.id,
    time: event.createdAt.toISOString(),
    actor,
    action: event.action,
    target: { type: event.targetType, id: event.targetId },
    details: event.details,
  };
}

/**
 * The caller's organization's audit events of a period, oldest first, in batches read by keyset (the last
 * `(created_at, id)` seen), never all at once: each batch is one query on its own fork of `em`, cleared before the
 * next, so memory holds one batch whatever the period. Events inserted meanwhile after the last one read are
 * included when they fall in the period; none is given twice.
 * @param batchSize events per query (default {@link AUDIT_EXPORT_BATCH_SIZE})
 * @throws NoOrganizationError / NotAMemberError; NotAuthorizedError for a Member (before any read)
 */
export function auditExportBatches(
  em: EntityManager,
  actor: Actor,
  period: AuditPeriod,
  batchSize = AUDIT_EXPORT_BATCH_SIZE,
): AsyncGenerator<AuditEvent[]> {
  const { organization } = requireAdmin(actor, 'read the audit log');
  return readBatches(em.fork(), organization.id, period, batchSize);
}

async function* readBatches(
  em: EntityManager,
  organizationId: string,
  period: AuditPeriod,
  batchSize: number,
): AsyncGenerator<AuditEvent[]> {
  let last: { createdAt: Date; id: string } | undefined;
  for (;;) {
    const inPeriod = { $gte: period.since, $lt: period.until };
    const after = last
      ? {
          $or: [
            { createdAt: { $gt: last.createdAt, $lt: period.until } },
            { createdAt: last.createdAt, id: { $gt: last.id } },
          ],
        }
      : { createdAt: inPeriod };
    const batch = await em.find(
      AuditEvent,
      { organization: organizationId, ...after },
      { orderBy: { createdAt: 'asc', id: 'asc' }, limit: batchSize },
    );
    em.clear();
    const tail = batch.at(-1);
    if (!tail) return;
    yield batch;
    if (batch.length < batchSize) return;
    last = { createdAt: tail.createdAt, id: tail.id };
  }
}

/**
 * Records that `actor` took the audit log of `period` out of the building (`audit.exported`, details: the period in
 * RFC 3339, the number of events and the file's name), in a transaction of `em` (the request's unit of work).
 * @throws NotAuthorizedError for a Member; the database's error
 */
export async function recordAuditExport(
  em: EntityManager,
  actor: Actor,
  exported: { period: AuditPeriod; events: number; filename: string; at: Date },
): Promise<void> {
  const { organization } = requireAdmin(actor, 'read the audit log');
  await em.transactional(async (tx) => {
    recordAudit(tx, {
      organization,
      actor,
      action: 'audit.exported',
      targetType: 'organization',
      targetId: organization.id,
      details: {
        since: exported.period.since.toISOString(),
        until: exported.period.until.toISOString(),
        events: exported.events,
        filename: exported.filename,
      },
      at: exported.at,
    });
  });
}
