import type { KnownBlock } from '@slack/types';
import { displayEmail } from '../../domain/email.js';
import type { OpenInvitation } from '../../domain/invitations/invitations.service.js';
import { roleLabel } from '../../domain/members/member.entity.js';
import type { MailFailure } from '../../mail/outbox-worker.js';
import {
  button,
  plainMessage,
  type SlackMessage,
  section,
  slackDate,
  truncate,
} from '../shared/common.blocks.js';
import { escapeMrkdwn } from '../shared/text.js';
import { approvalButtons, requestLine } from './approval.blocks.js';
import { INVITATION_ACTIONS, inviterText } from './invitation.blocks.js';

/** The delivery state of an invitation's latest mail, in words: queued / sent / retrying (…) / failed (…). */
export function deliveryText(delivery: OpenInvitation['delivery']): string {
  if (!delivery) return 'no mail';
  switch (delivery.status) {
    case 'queued':
      return 'mail queued';
    case 'sent':
      return `mail sent ${slackDate(delivery.sentAt)}`;
    case 'retrying':
      return `mail retrying (${delivery.attempts} attempt${delivery.attempts === 1 ? '' : 's'}, last error: ${escapeMrkdwn(truncate(delivery.lastError ?? 'unknown', 120))}; next ${slackDate(delivery.nextAttemptAt)})`;
    case 'failed':
      return `mail failed after ${delivery.attempts} attempt${delivery.attempts === 1 ? '' : 's'} (${escapeMrkdwn(truncate(delivery.lastError ?? 'unknown', 120))}) — resend to try again`;
    case 'cancelled':
      return 'mail cancelled';
  }
}

/**
 * The DM to the inviting Admin when an invitation mail is given up on: to whom, why (the server's reply, escaped),
 * and what to do. The invitation stays open; `/org invites` shows the same reason.
 */
export function mailFailedMessage(failure: MailFailure): SlackMessage {
  const to = escapeMrkdwn(displayEmail(failure.recipient));
  const why = escapeMrkdwn(truncate(failure.reason, 300));
  const head = failure.permanent
    ? `:warning: The invitation mail to *${to}* was refused by the mail server, so it will not be tried again.`
    : `:warning: The invitation mail to *${to}* could not be sent after several attempts.`;
  return plainMessage(
    `${head}\nReason: ${why}\nCheck the address, then revoke the invitation and invite again, or resend it from \`/org invites\`.`,
  );
}

function row(r: OpenInvitation): KnownBlock[] {
  const inv = r.invitation;
  if (inv.status === 'requested') {
    return [
      section(`:inbox_tray: *Request* — ${requestLine(inv)}\nExpires ${slackDate(inv.expiresAt)}`),
      approvalButtons(inv),
    ];
  }
  return [
    section(
      `:envelope: *${escapeMrkdwn(displayEmail(inv.email))}* — ${roleLabel(inv.role)}, invited by ${inviterText(inv)}\n` +
        `Expires ${slackDate(inv.expiresAt)} · ${deliveryText(r.delivery)}`,
    ),
    {
      type: 'actions',
      block_id: `invite_${inv.id}`,
      elements: [
        button(INVITATION_ACTIONS.resend, 'Resend', inv.id),
        button(INVITATION_ACTIONS.revoke, 'Revoke', inv.id, {
          style: 'danger',
          confirm: {
            title: { type: 'plain_text', text: 'Revoke invitation?' },
            text: {
              type: 'plain_text',
              text: `The link sent to ${truncate(displayEmail(inv.email), 200)} will stop working.`,
            },
            confirm: { type: 'plain_text', text: 'Revoke' },
            deny: { type: 'plain_text', text: 'Cancel' },
          },
        }),
      ],
    },
  ];
}

/**
 * `/org invites`: the open invitations and requests (at most 20 rows, two blocks each, within 50 blocks), each with
 * its buttons, and a note on what happened last when `notice` is given.
 */
export function invitesMessage(rows: OpenInvitation[], total: number, notice?: string): SlackMessage {
  const blocks: KnownBlock[] = [];
  if (notice) blocks.push(section(notice));
  if (rows.length === 0) {
    blocks.push(
      section('No open invitations or requests. Invite someone with `/org invite <email> [admin|member]`.'),
    );
    return { text: notice ?? 'No open invitations', blocks };
  }
  blocks.push(section(`*Open invitations and requests* — ${total}`));
  for (const r of rows) blocks.push(...row(r));
  if (total > rows.length) blocks.push(section(`…and ${total - rows.length} more, older ones.`));
  return { text: notice ?? `${total} open invitations and requests`, blocks };
}
