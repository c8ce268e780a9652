import { randomUUID } from 'node:crypto';
import { EntitySchema } from '@mikro-orm/core';
import { Invitation } from '../../domain/invitations/invitation.entity.js';

/** Why a Slack message about an invitation was posted: a copy of a request for Admins, or the invitee's DM. */
export const INVITATION_MESSAGE_PURPOSES = ['approval', 'invitee'] as const;
export type InvitationMessagePurpose = (typeof INVITATION_MESSAGE_PURPOSES)[number];

/**
 * One posted Slack message about an invitation (channel + ts), so every copy can be updated with `chat.update`
 * once the invitation is decided.
 */
export class InvitationMessage {
  id: string;
  invitation: Invitation;
  purpose: InvitationMessagePurpose;
  channelId: string;
  ts: string;
  createdAt: Date;

  constructor(init: {
    invitation: Invitation;
    purpose: InvitationMessagePurpose;
    channelId: string;
    ts: string;
    now: Date;
  }) {
    this.id = randomUUID();
    this.invitation = init.invitation;
    this.purpose = init.purpose;
    this.channelId = init.channelId;
    this.ts = init.ts;
    this.createdAt = init.now;
  }
}

export const InvitationMessageSchema = new EntitySchema<InvitationMessage>({
  class: InvitationMessage,
  tableName: 'invitation_messages',
  uniques: [{ properties: ['channelId', 'ts'], name: 'invitation_messages_channel_ts_unique' }],
  properties: {
    id: { type: 'text', primary: true },
    invitation: {
      kind: 'm:1',
      entity: () => Invitation,
      fieldName: 'invitation_id',
      deleteRule: 'cascade',
      index: true,
    },
    purpose: { enum: true, items: () => INVITATION_MESSAGE_PURPOSES, type: 'text' },
    channelId: { type: 'text', fieldName: 'channel_id' },
    ts: { type: 'text' },
    createdAt: { type: 'Date', fieldName: 'created_at' },
  },
});
