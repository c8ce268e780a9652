import type { KnownBlock, View } from '@slack/types';
import { MAX_NOTE_GRAPHEMES, MAX_REASON_LENGTH } from '../../domain/invitations/invitations.service.js';
import { modal, textInputBlock } from '../shared/common.blocks.js';

/** callback_id of the invite modal; its input block and action ids. */
export const INVITE_VIEW = {
  callbackId: 'invite_submit',
  email: { blockId: 'email', actionId: 'email_input' },
  role: { blockId: 'role', actionId: 'role_select' },
  reason: { blockId: 'reason', actionId: 'reason_input' },
  note: { blockId: 'note', actionId: 'note_input' },
} as const;

/**
 * The invite modal. Admins choose the role (Member by default) and may add a note for the invitee (shown in the
 * mail, the invitation page and the DM); Members ask for a Member and may give a reason, which goes to the Admins
 * with the request.
 * @param privateMetadata opaque string carried back on submission (at most 3000 characters)
 */
export function inviteModal(isAdmin: boolean, privateMetadata: string): View {
  const blocks: KnownBlock[] = [
    {
      type: 'input',
      block_id: INVITE_VIEW.email.blockId,
      label: { type: 'plain_text', text: 'Email address' },
      element: {
        type: 'email_text_input',
        action_id: INVITE_VIEW.email.actionId,
        placeholder: { type: 'plain_text', text: 'name@example.com' },
      },
    },
  ];
  if (isAdmin) {
    const member = { text: { type: 'plain_text' as const, text: 'Member' }, value: 'member' };
    blocks.push({
      type: 'input',
      block_id: INVITE_VIEW.role.blockId,
      label: { type: 'plain_text', text: 'Role' },
      element: {
        type: 'static_select',
        action_id: INVITE_VIEW.role.actionId,
        initial_option: member,
        options: [member, { text: { type: 'plain_text', text: 'Admin' }, value: 'admin' }],
      },
    });
    blocks.push(
      textInputBlock(INVITE_VIEW.note, 'Note for the invitee', {
        optional: true,
        hint: `Shown in the invitation mail and message; up to ${MAX_NOTE_GRAPHEMES} characters.`,
        multiline: true,
        // Slack counts code units; the note's own limit (in characters as people count them) is checked on submit.
        maxLength: 3000,
      }),
    );
  } else {
    blocks.push(
      textInputBlock(INVITE_VIEW.reason, 'Reason (for the admins)', {
        optional: true,
        multiline: true,
        maxLength: MAX_REASON_LENGTH,
      }),
      {
        type: 'context',
        elements: [
          {
            type: 'mrkdwn',
            text: 'An admin approves the request before the invitation (as a Member) is sent.',
          },
        ],
      },
    );
  }
  return modal({
    callbackId: INVITE_VIEW.callbackId,
    title: isAdmin ? 'Invite someone' : 'Request an invitation',
    submit: isAdmin ? 'Send invitation' : 'Send request',
    privateMetadata,
    blocks,
  });
}
