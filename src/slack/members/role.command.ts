import { requireAdmin } from '../../domain/access.js';
import { plainMessage } from '../shared/common.blocks.js';
import type { SubcommandHandler } from '../shared/listener-types.js';
import { SlackInputError } from '../shared/slack-input-error.js';
import { argText, memberReferenceArg } from '../shared/text.js';
import { roleChangedText } from './member-messages.blocks.js';

const USAGE = '/org role @someone admin';

/**
 * `/org role <@user or email> <admin|member>` (admins): changes a member's role at once. The last Admin cannot be
 * demoted (the domain checks it in the write's transaction).
 */
export const role: SubcommandHandler = async ({ args, command, actor }) => {
  requireAdmin(actor, 'change roles');
  const ref = memberReferenceArg(command.args[0], USAGE);
  const roleArg = command.args[1];
  if (!roleArg || command.args.length > 2) {
    throw new SlackInputError(
      `Name one member and one role, as in \`${USAGE}\` or \`/org role someone@example.com member\`.`,
      'role',
    );
  }
  const change = await args.context.services.members.changeRole(
    actor,
    ref,
    argText(roleArg),
    args.context.profiles,
  );
  await args.respond({ response_type: 'ephemeral', ...plainMessage(roleChangedText(change)) });
};
