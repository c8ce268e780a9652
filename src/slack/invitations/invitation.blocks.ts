import type { KnownBlock } from '@slack/types';
import { displayEmail } from '../../domain/email.js';
import type { Invitation } from '../../domain/invitations/invitation.entity.js';
import type { InviteOutcome } from '../../domain/invitations/invitations.service.js';
import {
  button,
  LIMITS,
  plainMessage,
  type SlackMessage,
  section,
  slackDate,
  truncateMrkdwn,
} from '../shared/common.blocks.js';
import { escapeMrkdwn } from '../shared/text.js';

/** action_ids of the Accept / Decline buttons in the invitee's DM; `value` is the invitation id. */
export const INVITATION_ACTIONS = {
  accept: 'invitation_accept',
  decline: 'invitation_decline',
  resend: 'invitation_resend',
  revoke: 'invitation_revoke',
} as const;

/** Who invited, for Slack: a mention when linked, else the email. */
export function inviterText(inv: Invitation): string {
  return inv.inviterSlackUserId
    ? `<@${inv.inviterSlackUserId}>`
    : escapeMrkdwn(displayEmail(inv.inviterEmail));
}

/** The reply to `/org invite` and the invite modal. */
export function inviteResultMessage(
  outcome: InviteOutcome,
  inv: Invitation,
  approvalsWhere: string,
): SlackMessage {
  const email = escapeMrkdwn(displayEmail(inv.email));
  return outcome === 'sent'
    ? plainMessage(
        `:envelope: Invitation sent to *${email}* as ${inv.role === 'admin' ? 'an *Admin*' : 'a *Member*'}. ` +
          `It expires ${slackDate(inv.expiresAt)}. See \`/org invites\` for its delivery.`,
      )
    : plainMessage(
        `:hourglass_flowing_sand: Your request to invite *${email}* was sent to ${approvalsWhere} for approval. ` +
          'You will get a message once an admin decides.',
      );
}

/**
 * The inviting Admin's note as a mrkdwn quote (every line prefixed with `>`), escaped as Slack documents (`&`, `<`,
 * `>`), so no mention, channel ping or link it holds becomes live. Empty when there is no note.
 */
export function noteQuote(note: string | null): string {
  if (!note) return '';
  return note
    .split('\n')
    .map((line) => `>${escapeMrkdwn(line)}`)
    .join('\n');
}

/**
 * The DM to an invitee who is in the Slack workspace: the invitation, the inviting Admin's note (quoted, escaped)
 * when there is one, and Accept / Decline.
 */
export function inviteeMessage(inv: Invitation, organizationName: string): SlackMessage {
  const org = escapeMrkdwn(organizationName);
  const blocks: KnownBlock[] = [
    section(
      `:wave: ${inviterText(inv)} invited you to join *${org}* on AstroBee as ${inv.role === 'admin' ? 'an *Admin*' : 'a *Member*'}. ` +
        `The invitation expires ${slackDate(inv.expiresAt)}.`,
    ),
    // Not through `section`: its sanitising would escape the quote's `>`; noteQuote already escaped the note.
    ...(inv.note
      ? [
          {
            type: 'section' as const,
            text: { type: 'mrkdwn' as const, text: truncateMrkdwn(noteQuote(inv.note), LIMITS.sectionText) },
          },
        ]
      : []),
    {
      type: 'actions',
      block_id: `invitation_${inv.id}`,
      elements: [
        button(INVITATION_ACTIONS.accept, 'Accept', inv.id, { style: 'primary' }),
        button(INVITATION_ACTIONS.decline, 'Decline', inv.id),
      ],
    },
  ];
  return { text: `You are invited to join ${organizationName} on AstroBee`, blocks };
}

/** The invitee's DM once answered (or closed otherwise): no buttons, the outcome. */
export function inviteeClosedMessage(inv: Invitation, organizationName: string): SlackMessage {
  const org = escapeMrkdwn(organizationName);
  const outcome: Record<string, string> = {
    accepted: `:white_check_mark: You joined *${org}* as ${inv.role === 'admin' ? 'an *Admin*' : 'a *Member*'}. Try \`/org help\`.`,
    declined: `You declined the invitation to join *${org}*.`,
    revoked: `The invitation to join *${org}* was withdrawn.`,
    expired: `The invitation to join *${org}* has expired.`,
  };
  return plainMessage(outcome[inv.status] ?? `The invitation to join *${org}* is no longer open.`);
}
