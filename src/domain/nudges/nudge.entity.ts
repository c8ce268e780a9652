import { randomUUID } from 'node:crypto';
import { EntitySchema } from '@mikro-orm/core';
import { belongsToOrganization, type Organization } from '../organizations/organization.entity.js';
import type { NudgeKind } from './kinds.js';

/**
 * One hygiene nudge sent (issue 15): the fact it was about, recorded in the transaction that queued the Admins' DMs.
 * The unique index on (kind, subject_id, fact_key) is what makes a nudge go out once per fact, whichever run or
 * instance finds it first. Rows are kept (retention does not purge them; they go with their organization).
 */
export class Nudge {
  id: string;
  organization: Organization;
  kind: NudgeKind;
  /** What the fact is about: a client secret id, a client id, or an invitation id. */
  subjectId: string;
  /**
   * What identifies the fact itself, so a changed fact is a new one: a secret's `expiresAt` (ISO), a client's
   * `lastUsedAt` (ISO) or `never`, an invitation's `expiresAt` (ISO), a request's `createdAt` (ISO).
   */
  factKey: string;
  createdAt: Date;

  constructor(init: {
    organization: Organization;
    kind: NudgeKind;
    subjectId: string;
    factKey: string;
    now: Date;
  }) {
    this.id = randomUUID();
    this.organization = init.organization;
    this.kind = init.kind;
    this.subjectId = init.subjectId;
    this.factKey = init.factKey;
    this.createdAt = init.now;
  }
}

export const NudgeSchema = new EntitySchema<Nudge>({
  class: Nudge,
  tableName: 'nudges',
  uniques: [{ properties: ['kind', 'subjectId', 'factKey'], name: 'nudges_kind_subject_id_fact_key_unique' }],
  properties: {
    id: { type: 'text', primary: true },
    organization: belongsToOrganization,
    kind: { type: 'text' },
    subjectId: { type: 'text', fieldName: 'subject_id' },
    factKey: { type: 'text', fieldName: 'fact_key' },
    createdAt: { type: 'Date', fieldName: 'created_at' },
  },
});
