import { closest, distance } from 'fastest-levenshtein';
import type { SlackMessage } from '../../blocks/common.js';
import { helpMessage, SUBCOMMANDS } from '../../blocks/help.js';
import { parseCommand } from '../../text.js';
import { ACK_DEADLINE_MS, type OrgCommandArgs, type SubcommandHandler } from '../types.js';
import { approvals } from './approvals.js';
import { audit } from './audit.js';
import { clients } from './clients.js';
import { audienceOf, help } from './help.js';
import { invite } from './invite.js';
import { invites } from './invites.js';
import { leave } from './leave.js';
import { members } from './members.js';
import { overview } from './overview.js';
import { remove } from './remove.js';
import { rename } from './rename.js';
import { role } from './role.js';
import { setup } from './setup.js';

/** The subcommands of `/org` and their handlers. */
export const SUBCOMMAND_HANDLERS: Record<string, SubcommandHandler> = {
  '': help,
  help,
  setup,
  overview,
  members,
  rename,
  role,
  remove,
  leave,
  audit,
  clients,
  invite,
  invites,
  approvals,
};

/** The closest known subcommand to `word`, when it is close enough to be a likely typo. */
export function suggestSubcommand(word: string): string | undefined {
  const best = closest(word, SUBCOMMANDS);
  return distance(word, best) <= Math.max(2, Math.floor(best.length / 3)) ? best : undefined;
}

/**
 * The `/org` listener. Parses the text (decoded once, here) and runs the subcommand. A quick answer goes back in the
 * acknowledgement (https://api.slack.com/interactivity/slash-commands#responding_immediately); the router
 * acknowledges on its own before Slack's 3-second limit when a handler is slow, and its later replies go through
 * the `response_url`. Domain errors thrown by a handler reach the global error handler, which tells the user.
 */
export async function orgCommand(args: OrgCommandArgs): Promise<void> {
  let acked = false;
  const ackOnce = async (message?: SlackMessage): Promise<boolean> => {
    if (acked) return false;
    acked = true;
    clearTimeout(deadline);
    await args.ack(
      message ? { response_type: 'ephemeral', text: message.text, blocks: message.blocks } : undefined,
    );
    return true;
  };
  const deadline = setTimeout(() => {
    ackOnce().catch((err: unknown) => args.context.log.error({ err }, 'could not acknowledge the command'));
  }, ACK_DEADLINE_MS);
  const reply = async (message: SlackMessage): Promise<void> => {
    if (!(await ackOnce(message))) await args.respond({ response_type: 'ephemeral', ...message });
  };
  const acknowledge = async (): Promise<void> => {
    await ackOnce();
  };
  try {
    const command = parseCommand(args.command.text);
    const actor = await args.context.actor();
    const handler = SUBCOMMAND_HANDLERS[command.subcommand];
    if (handler) {
      await handler({ args, command, actor, reply, acknowledge });
      return;
    }
    const suggestion = suggestSubcommand(command.subcommand);
    const intro =
      `\`${command.subcommand}\` is not an /org command.` +
      (suggestion ? ` Did you mean \`/org ${suggestion}\`?` : '');
    await reply(helpMessage(audienceOf(actor), actor.organization?.name, intro));
  } finally {
    await ackOnce();
  }
}
