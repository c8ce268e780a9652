import { randomUUID } from 'node:crypto';
import { EntitySchema } from '@mikro-orm/core';
import { belongsToOrganization, type Organization } from '../organizations/organization.entity.js';

/** Details of an audit event: small JSON, never a secret or a token. */
export type AuditDetails = Record<string, string | number | boolean | null>;

/**
 * One change, on record: who (member id and Slack user id, or an integration's client id), what (`action`, e.g.
 * `organization.renamed`), to what (`targetType`, `targetId`), when, and details without secrets.
 */
export class AuditEvent {
  id: string;
  seq?: string;
  organization: Organization;
  createdAt: Date;
  actorMemberId: string | null;
  actorSlackUserId: string | null;
  action: string;
  targetType: string;
  targetId: string | null;
  details: AuditDetails;

  constructor(init: {
    organization: Organization;
    at: Date;
    actorMemberId?: string | null;
    actorSlackUserId?: string | null;
    action: string;
    targetType: string;
    targetId?: string | null;
    details?: AuditDetails;
  }) {
    this.id = randomUUID();
    this.organization = init.organization;
    this.createdAt = init.at;
    this.actorMemberId = init.actorMemberId ?? null;
    this.actorSlackUserId = init.actorSlackUserId ?? null;
    this.action = init.action;
    this.targetType = init.targetType;
    this.targetId = init.targetId ?? null;
    this.details = init.details ?? {};
  }
}

export const AuditEventSchema = new EntitySchema<AuditEvent>({
  class: AuditEvent,
  tableName: 'audit_events',
  indexes: [
    { properties: ['organization', 'createdAt'], name: 'audit_events_organization_created_at_index' },
    { properties: ['organization', 'seq'], name: 'audit_events_organization_id_seq_index' },
  ],
  uniques: [{ properties: ['seq'], name: 'audit_events_seq_unique' }],
  properties: {
    id: { type: 'text', primary: true },
    seq: { type: 'bigint', nullable: true },
    organization: belongsToOrganization,
    createdAt: { type: 'Date', fieldName: 'created_at' },
    actorMemberId: { type: 'text', fieldName: 'actor_member_id', nullable: true },
    actorSlackUserId: { type: 'text', fieldName: 'actor_slack_user_id', nullable: true },
    action: { type: 'text' },
    targetType: { type: 'text', fieldName: 'target_type' },
    targetId: { type: 'text', fieldName: 'target_id', nullable: true },
    details: { type: 'json' },
  },
});
