import type { SubcommandHandler } from '../shared/listener-types.js';
import { invitesMessage } from './invites.blocks.js';

/** `/org invites` (admins): open invitations and requests, each with its delivery state and buttons. */
export const invites: SubcommandHandler = async ({ args, actor, reply }) => {
  const { rows, total } = await args.context.services.invitations.listOpen(actor);
  await reply(invitesMessage(rows, total));
};
