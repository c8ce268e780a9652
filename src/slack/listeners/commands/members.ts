import { InvalidInputError } from '../../../domain/errors.js';
import { membersMessage } from '../../blocks/members.js';
import type { SlackArg } from '../../text.js';
import type { SubcommandHandler } from '../types.js';

/**
 * Reads an optional page number argument.
 * @throws InvalidInputError for anything but a positive whole number
 */
export function parsePage(arg: SlackArg | undefined): number {
  if (!arg) return 1;
  if (arg.kind === 'word' && /^[1-9]\d{0,5}$/.test(arg.text)) return Number(arg.text);
  throw new InvalidInputError('The page must be a positive whole number, as in `/org members 2`.', 'page');
}

/** `/org members [page]`: the team with each role, a page at a time. */
export const members: SubcommandHandler = async ({ args, command, actor, reply }) => {
  const page = parsePage(command.args[0]);
  const result = await args.context.services.members.list(actor, page);
  await reply(membersMessage(result, actor.organization?.name ?? ''));
};
