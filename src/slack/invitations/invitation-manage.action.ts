import { displayEmail } from '../../domain/email.js';
import { plainMessage } from '../shared/common.blocks.js';
import type { ButtonArgs } from '../shared/listener-types.js';
import { escapeMrkdwn } from '../shared/text.js';
import { invitesMessage } from './invites.blocks.js';

/**
 * Resend / Revoke on a row of `/org invites` (admins; the server re-checks). Resend issues a new token (the old
 * link stops working), renews the expiry and queues a new mail and DM; Revoke closes the invitation or request
 * (its Slack messages updated through the delivery outbox). The list
 * is replaced with a fresh one, with a line saying what was done.
 */
export async function invitationManage(args: ButtonArgs): Promise<void> {
  await args.ack();
  const { action, context } = args;
  const actor = await context.actor();
  const id = action.value ?? '';
  let notice: string;
  if (action.action_id === 'invitation_resend') {
    const inv = await context.services.invitations.resend(actor, id);
    notice = `:envelope: Invitation to *${escapeMrkdwn(displayEmail(inv.email))}* sent again with a new link; it now expires in 7 days.`;
  } else {
    const inv = await context.services.invitations.revoke(actor, id);
    notice = `:wastebasket: Invitation to *${escapeMrkdwn(displayEmail(inv.email))}* revoked. Its link no longer works.`;
  }
  await context.deliver();
  const { rows, total } = await context.services.invitations.listOpen(actor);
  if (args.body.container?.type === 'view') {
    await args.respond(plainMessage(notice));
    return;
  }
  await args.respond({ replace_original: true, ...invitesMessage(rows, total, notice) });
}
