/**
 * The hygiene nudges' DMs to Admins (issue 15), one builder per kind. Each names the thing, says when, and offers
 * the one-click action that resolves it — the buttons of the features themselves (same action ids, same checks):
 * Rotate / Disable of `/org clients`, Resend / Revoke of `/org invites`, Approve / Deny of a request. "Nothing to
 * do" and "Keep" ({@link NUDGE_ACTIONS}) change nothing. Every DM ends with how to mute its kind.
 */
import type { ContextBlock, KnownBlock } from '@slack/types';
import type { ApiClient } from '../../domain/clients/client.entity.js';
import { displayEmail } from '../../domain/email.js';
import type { Invitation } from '../../domain/invitations/invitation.entity.js';
import { roleLabel } from '../../domain/members/member.entity.js';
import { NUDGE_KINDS, type NudgeKind } from '../../domain/nudges/kinds.js';
import { CLIENT_ACTIONS } from '../clients/clients.blocks.js';
import { approvalButtons, requestLine } from '../invitations/approval.blocks.js';
import { INVITATION_ACTIONS, inviterText } from '../invitations/invitation.blocks.js';
import { button, type SlackMessage, section, slackDate, truncate } from '../shared/common.blocks.js';
import { escapeMrkdwn } from '../shared/text.js';

/**
 * action_id of the buttons that resolve a nudge by changing nothing ("Nothing to do", "Keep"); `value` is the
 * nudge's kind.
 */
export const NUDGE_ACTIONS = { dismiss: 'nudge_dismiss' } as const;

/** The last line of every nudge. */
export const MUTE_HINT = 'Mute these with `/org nudges`';

function muteHint(): ContextBlock {
  return { type: 'context', elements: [{ type: 'mrkdwn', text: MUTE_HINT }] };
}

function clientName(client: Pick<ApiClient, 'id' | 'name'>): string {
  return `*${escapeMrkdwn(client.name)}* (\`${client.id}\`)`;
}

function nudgeMessage(text: string, actions: KnownBlock[]): SlackMessage {
  return { text, blocks: [section(text), ...actions, muteHint()] };
}

/** A nudge's "Nothing to do" / "Keep" button for `kind`. */
function dismissButton(kind: NudgeKind, label: string) {
  return button(NUDGE_ACTIONS.dismiss, label, kind);
}

/** `secret_grace_ending`: the previous secret of a client stops working at `endsAt`. Rotate again / Nothing to do. */
export function secretGraceEndingNudge(client: Pick<ApiClient, 'id' | 'name'>, endsAt: Date): SlackMessage {
  const text =
    `:hourglass_flowing_sand: The previous secret of the API client ${clientName(client)} stops working ${slackDate(endsAt)}. ` +
    'Anything still using it needs the current secret by then. If the current secret never reached its owner, or may have leaked, rotate again.';
  return nudgeMessage(text, [
    {
      type: 'actions',
      elements: [
        button(CLIENT_ACTIONS.rotate, 'Rotate again', client.id),
        dismissButton('secret_grace_ending', 'Nothing to do'),
      ],
    },
  ]);
}

/** `client_unused`: a client unused since `lastUsedAt` (or never used since it was created). Disable / Keep. */
export function clientUnusedNudge(
  client: Pick<ApiClient, 'id' | 'name' | 'lastUsedAt' | 'createdAt'>,
): SlackMessage {
  const since = client.lastUsedAt
    ? `has not been used since ${slackDate(client.lastUsedAt)}`
    : `has never been used since it was created ${slackDate(client.createdAt)}`;
  const text =
    `:zzz: The API client ${clientName(client)} ${since}. ` +
    'Disable it if nobody needs it (it can be enabled again), or keep it: you will not hear about it again unless it is used and then left unused again.';
  return nudgeMessage(text, [
    {
      type: 'actions',
      elements: [
        button(CLIENT_ACTIONS.disable, 'Disable', client.id, { style: 'danger' }),
        dismissButton('client_unused', 'Keep'),
      ],
    },
  ]);
}

/** `invitation_expiring`: a sent invitation expires unanswered at its `expiresAt`. Resend / Revoke. */
export function invitationExpiringNudge(inv: Invitation): SlackMessage {
  const email = displayEmail(inv.email);
  const text =
    `:envelope: The invitation to *${escapeMrkdwn(email)}* (${roleLabel(inv.role)}, invited by ${inviterText(inv)}) ` +
    `expires ${slackDate(inv.expiresAt)} and has not been answered. Resend it with a new link valid for 7 days, or revoke it.`;
  return nudgeMessage(text, [
    {
      type: 'actions',
      block_id: `nudge_invite_${inv.id}`,
      elements: [
        button(INVITATION_ACTIONS.resend, 'Resend', inv.id, { style: 'primary' }),
        button(INVITATION_ACTIONS.revoke, 'Revoke', inv.id, {
          style: 'danger',
          confirm: {
            title: { type: 'plain_text', text: 'Revoke invitation?' },
            text: { type: 'plain_text', text: `The link sent to ${truncate(email, 200)} will stop working.` },
            confirm: { type: 'plain_text', text: 'Revoke' },
            deny: { type: 'plain_text', text: 'Cancel' },
          },
        }),
      ],
    },
  ]);
}

/** `request_waiting`: a Member's request has waited since its `createdAt`. Approve / Deny, as on the request. */
export function requestWaitingNudge(inv: Invitation): SlackMessage {
  const text = `:inbox_tray: An invitation request has been waiting for a decision since ${slackDate(inv.createdAt)}:\n${requestLine(inv)}`;
  return nudgeMessage(text, [approvalButtons(inv)]);
}

/** What "Nothing to do" / "Keep" leave in place of the nudge (`kind` as the button's value; anything else: generic). */
export function dismissedText(kind: string | undefined): string {
  const known = NUDGE_KINDS.find((k) => k === kind);
  switch (known) {
    case 'secret_grace_ending':
      return ':ok_hand: OK — nothing changed; the previous secret stops working as planned.';
    case 'client_unused':
      return ':ok_hand: OK — the client stays as it is. You will not hear about it again unless it is used and then left unused again.';
    default:
      return ':ok_hand: OK — nothing changed.';
  }
}
