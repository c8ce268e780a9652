import { closest, distance } from 'fastest-levenshtein';
import { helpMessage, SUBCOMMANDS } from '../../blocks/help.js';
import { parseCommand } from '../../text.js';
import type { OrgCommandArgs, SubcommandHandler } from '../types.js';
import { audienceOf, help } from './help.js';
import { members } from './members.js';
import { overview } from './overview.js';
import { rename } from './rename.js';
import { setup } from './setup.js';

/** The subcommands of `/org` and their handlers. */
export const SUBCOMMAND_HANDLERS: Record<string, SubcommandHandler> = {
  '': help,
  help,
  setup,
  overview,
  members,
  rename,
};

/** The closest known subcommand to `word`, when it is close enough to be a likely typo. */
export function suggestSubcommand(word: string): string | undefined {
  const best = closest(word, SUBCOMMANDS);
  return distance(word, best) <= Math.max(2, Math.floor(best.length / 3)) ? best : undefined;
}

/**
 * The `/org` listener: acknowledges at once (Slack's 3-second limit), then parses the text (decoded once, here)
 * and runs the subcommand, replying ephemerally through the command's `response_url`. Domain errors thrown by a
 * handler reach the global error handler, which tells the user.
 */
export async function orgCommand(args: OrgCommandArgs): Promise<void> {
  await args.ack();
  const command = parseCommand(args.command.text);
  const actor = await args.context.actor();
  const handler = SUBCOMMAND_HANDLERS[command.subcommand];
  if (handler) {
    await handler({ args, command, actor });
    return;
  }
  const suggestion = suggestSubcommand(command.subcommand);
  const intro =
    `\`${command.subcommand}\` is not an /org command.` +
    (suggestion ? ` Did you mean \`/org ${suggestion}\`?` : '');
  await args.respond({
    response_type: 'ephemeral',
    ...helpMessage(audienceOf(actor), actor.organization?.name, intro),
  });
}
