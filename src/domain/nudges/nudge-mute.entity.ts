import { randomUUID } from 'node:crypto';
import { EntitySchema } from '@mikro-orm/core';
import { Member } from '../members/member.entity.js';
import type { NudgeKind } from './kinds.js';

/**
 * One Admin's mute of one kind of hygiene nudge (`/org nudges`): while the row exists, the nudge job sends that
 * member no nudge of that kind. A personal preference, stored per member (not per organization): it goes when the
 * member leaves or is removed (the foreign key cascades), and stays through a demotion (it applies again if they
 * become an Admin again).
 */
export class NudgeMute {
  id: string;
  member: Member;
  kind: NudgeKind;
  createdAt: Date;

  constructor(init: { member: Member; kind: NudgeKind; now: Date }) {
    this.id = randomUUID();
    this.member = init.member;
    this.kind = init.kind;
    this.createdAt = init.now;
  }
}

export const NudgeMuteSchema = new EntitySchema<NudgeMute>({
  class: NudgeMute,
  tableName: 'nudge_mutes',
  uniques: [{ properties: ['member', 'kind'], name: 'nudge_mutes_member_kind_unique' }],
  properties: {
    id: { type: 'text', primary: true },
    member: {
      kind: 'm:1',
      entity: () => Member,
      fieldName: 'member_id',
      deleteRule: 'cascade',
      index: true,
    },
    // Plain text, no check constraint: a new kind of nudge needs no migration (the code only writes NUDGE_KINDS).
    kind: { type: 'text' },
    createdAt: { type: 'Date', fieldName: 'created_at' },
  },
});
