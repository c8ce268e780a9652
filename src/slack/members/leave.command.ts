import { requireMember } from '../../domain/access.js';
import type { SubcommandHandler } from '../shared/listener-types.js';
import { SlackInputError } from '../shared/slack-input-error.js';
import { leaveConfirmMessage } from './member-messages.blocks.js';

/**
 * `/org leave` (members): the confirm step. The last Admin is told at once that they cannot leave; anyone else gets
 * a Leave button (with a Slack confirm dialog) whose click does it (member-leave.action.ts).
 */
export const leave: SubcommandHandler = async ({ args, command, actor }) => {
  const { organization, member } = requireMember(actor);
  if (command.args.length > 0) {
    throw new SlackInputError(
      '`/org leave` takes no arguments: it is for leaving yourself. To remove someone else, an Admin uses `/org remove @someone`.',
      'member',
    );
  }
  await args.context.services.members.checkCanLeave(actor, args.context.profiles);
  await args.respond({ response_type: 'ephemeral', ...leaveConfirmMessage(organization.name, member.role) });
};
