import { requireAdmin } from '../../domain/access.js';
import type { SubcommandHandler } from '../shared/listener-types.js';
import { SlackInputError } from '../shared/slack-input-error.js';
import { accountDeactivated } from '../shared/slack-profile.js';
import { memberReferenceArg } from '../shared/text.js';
import { removeConfirmMessage } from './member-messages.blocks.js';

const USAGE = '/org remove @someone';

/**
 * `/org remove <@user or email>` (admins): the confirm step. Nothing changes here; the reply carries a Remove button
 * (with a Slack confirm dialog) whose click removes the member (member-remove.action.ts). It says whether the member
 * will be told: not when their Slack account is deactivated (`users.info`).
 */
export const remove: SubcommandHandler = async ({ args, command, actor }) => {
  const admin = requireAdmin(actor, 'remove members');
  const ref = memberReferenceArg(command.args[0], USAGE);
  if (command.args.length > 1) {
    throw new SlackInputError(`Name one member at a time, as in \`${USAGE}\`.`, 'member');
  }
  const member = await args.context.services.members.find(actor, ref, args.context.profiles);
  if (member.id === admin.member.id) {
    throw new SlackInputError('To leave the organization yourself, use `/org leave`.', 'member');
  }
  const deactivated = member.slackUserId
    ? await accountDeactivated(args.context.profiles, args.context.log, member.slackUserId)
    : false;
  await args.respond({
    response_type: 'ephemeral',
    ...removeConfirmMessage(member, admin.organization.name, deactivated),
  });
};
