import { displayEmail } from '../../../domain/email.js';
import { plainMessage } from '../../blocks/common.js';
import { invitesMessage } from '../../blocks/invites.js';
import { escapeMrkdwn } from '../../text.js';
import type { ButtonArgs } from '../types.js';
import { notifyInvitee, refreshCopies } from './invitation-slack.js';

/**
 * Resend / Revoke on a row of `/org invites` (admins; the server re-checks). Resend issues a new token (the old
 * link stops working), renews the expiry and queues a new mail; Revoke closes the invitation or request. The list
 * is replaced with a fresh one, with a line saying what was done.
 */
export async function invitationManage(args: ButtonArgs): Promise<void> {
  await args.ack();
  const { action, client, context } = args;
  const side = { client, services: context.services, log: context.log };
  const actor = await context.actor();
  const id = action.value ?? '';
  let notice: string;
  if (action.action_id === 'invitation_resend') {
    const inv = await context.services.invitations.resend(actor, id);
    await refreshCopies(side, inv.id);
    await notifyInvitee(side, inv, actor.organization?.name ?? '');
    notice = `:envelope: Invitation to *${escapeMrkdwn(displayEmail(inv.email))}* sent again with a new link; it now expires in 7 days.`;
  } else {
    const inv = await context.services.invitations.revoke(actor, id);
    await refreshCopies(side, inv.id);
    notice = `:wastebasket: Invitation to *${escapeMrkdwn(displayEmail(inv.email))}* revoked. Its link no longer works.`;
  }
  const { rows, total } = await context.services.invitations.listOpen(actor);
  if (args.body.container?.type === 'view') {
    await args.respond(plainMessage(notice));
    return;
  }
  await args.respond({ replace_original: true, ...invitesMessage(rows, total, notice) });
}
