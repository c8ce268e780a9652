import { requireAdmin } from '../../../domain/access.js';
import { plainMessage } from '../../blocks/common.js';
import { roleChangedText } from '../../blocks/member-messages.js';
import { SlackInputError } from '../../slack-input-error.js';
import { argText, memberReferenceArg } from '../../text.js';
import type { SubcommandHandler } from '../types.js';

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
