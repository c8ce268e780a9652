import type { KnownBlock, View } from '@slack/types';
import { MAX_NOTE_GRAPHEMES, MAX_REASON_LENGTH } from '../../domain/invitations/invitations.service.js';

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
    blocks.push({
      type: 'input',
      block_id: INVITE_VIEW.note.blockId,
      optional: true,
      label: { type: 'plain_text', text: 'Note for the invitee' },
      hint: {
        type: 'plain_text',
        text: `Shown in the invitation mail and message; up to ${MAX_NOTE_GRAPHEMES} characters.`,
      },
      element: {
        type: 'plain_text_input',
        action_id: INVITE_VIEW.note.actionId,
        multiline: true,
        // Slack counts code units; the note's own limit (in characters as people count them) is checked on submit.
        max_length: 3000,
      },
    });
  } else {
    blocks.push(
      {
        type: 'input',
        block_id: INVITE_VIEW.reason.blockId,
        optional: true,
        label: { type: 'plain_text', text: 'Reason (for the admins)' },
        element: {
          type: 'plain_text_input',
          action_id: INVITE_VIEW.reason.actionId,
          multiline: true,
          max_length: MAX_REASON_LENGTH,
        },
      },
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
  return {
    type: 'modal',
    callback_id: INVITE_VIEW.callbackId,
    title: { type: 'plain_text', text: isAdmin ? 'Invite someone' : 'Request an invitation' },
    submit: { type: 'plain_text', text: isAdmin ? 'Send invitation' : 'Send request' },
    close: { type: 'plain_text', text: 'Cancel' },
    private_metadata: privateMetadata,
    blocks,
  };
}
