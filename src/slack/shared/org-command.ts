import { closest, distance } from 'fastest-levenshtein';
import type { SlackMessage } from './common.blocks.js';
import { helpMessage, SUBCOMMANDS } from './help.blocks.js';
import { parseCommand } from './text.js';
import { handlerFor } from './dispatch.js';
import {
  ACK_DEADLINE_MS,
  type DirectoryHandler,
  type OrgCommandArgs,
  type SubcommandHandler,
} from './listener-types.js';
import { approvals } from '../invitations/approvals.command.js';
import { audit } from '../organization/audit.command.js';
import { clients } from '../clients/clients.command.js';
import { audienceOf, help } from '../listeners/commands/help.js';
import { invite } from '../invitations/invite.command.js';
import { invites } from '../invitations/invites.command.js';
import { leave } from '../members/leave.command.js';
import { members, membersFromDirectory } from '../members/members.command.js';
import { overview } from '../organization/overview.command.js';
import { recover } from '../members/recover.command.js';
import { remove } from '../members/remove.command.js';
import { rename } from '../organization/rename.command.js';
import { role } from '../members/role.command.js';
import { setup } from '../organization/setup.command.js';

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
  recover,
};

/**
 * Subcommands that read only the team: for a caller the team directory knows (a linked member), answered from it
 * with no SQL; anyone else takes the handler of {@link SUBCOMMAND_HANDLERS}.
 */
export const DIRECTORY_HANDLERS: Record<string, DirectoryHandler> = {
  members: membersFromDirectory,
};

/** The closest known subcommand to `word`, when it is close enough to be a likely typo. */
export function suggestSubcommand(word: string): string | undefined {
  const best = closest(word, SUBCOMMANDS);
  return distance(word, best) <= Math.max(2, Math.floor(best.length / 3)) ? best : undefined;
}

/**
 * The acknowledgement of one `/org` command. The first reply goes in the acknowledgement itself
 * (https://api.slack.com/interactivity/slash-commands#responding_immediately), later ones through the
 * `response_url`; once {@link armDeadline} is called, the command is acknowledged with no message after
 * {@link ACK_DEADLINE_MS} unless a reply came first (Slack allows 3 s).
 */
class CommandAck {
  private acked = false;
  private deadline: NodeJS.Timeout | undefined;
  /** Sends an ephemeral reply to the caller (bound: handlers get it as a function). */
  readonly reply: (message: SlackMessage) => Promise<void>;
  /** Acknowledges now with no message, when not done yet (bound). */
  readonly acknowledge: () => Promise<void>;

  constructor(private readonly args: OrgCommandArgs) {
    this.reply = this.sendReply.bind(this);
    this.acknowledge = this.ackEmpty.bind(this);
  }

  /** Starts the deadline (once); needed before anything that waits on I/O. */
  armDeadline(): void {
    this.deadline ??= setTimeout(CommandAck.deadlinePassed, ACK_DEADLINE_MS, this);
  }

  /** Acknowledges with `message`, or none; false when the command was acknowledged already. */
  async ackOnce(message?: SlackMessage): Promise<boolean> {
    if (this.acked) return false;
    this.acked = true;
    clearTimeout(this.deadline);
    await this.args.ack(
      message ? { response_type: 'ephemeral', text: message.text, blocks: message.blocks } : undefined,
    );
    return true;
  }

  private async sendReply(message: SlackMessage): Promise<void> {
    if (!(await this.ackOnce(message))) await this.args.respond({ response_type: 'ephemeral', ...message });
  }

  private async ackEmpty(): Promise<void> {
    await this.ackOnce();
  }

  private static deadlinePassed(this: void, self: CommandAck): void {
    self.ackOnce().catch((err: unknown) => {
      self.args.context.log.error({ err }, 'could not acknowledge the command');
    });
  }
}

/**
 * The `/org` listener. Parses the text (decoded once, here) and runs the subcommand. A quick answer goes back in the
 * acknowledgement; the router acknowledges on its own before Slack's 3-second limit when a handler is slow, and its
 * later replies go through the `response_url`. Domain errors thrown by a handler reach the global error handler,
 * which tells the user. A subcommand of {@link DIRECTORY_HANDLERS} whose team is in the directory's memory runs
 * with no I/O before its reply, so it needs no deadline.
 */
export async function orgCommand(args: OrgCommandArgs): Promise<void> {
  const ack = new CommandAck(args);
  const { reply, acknowledge } = ack;
  try {
    const command = parseCommand(args.command.text);
    const { directory } = args.context;
    const { team_id: teamId, user_id: userId } = args.command;
    const fromDirectory = handlerFor(DIRECTORY_HANDLERS, command.subcommand);
    const inMemory = fromDirectory ? directory.peek(teamId) : undefined;
    if (!inMemory) ack.armDeadline();
    if (fromDirectory) {
      const view = inMemory ? directory.viewer(inMemory, userId) : await directory.view(teamId, userId);
      if (view) {
        await fromDirectory({ args, command, view, reply, acknowledge });
        return;
      }
      ack.armDeadline();
    }
    const actor = await args.context.actor();
    const handler = handlerFor(SUBCOMMAND_HANDLERS, command.subcommand);
    if (handler) {
      await handler({ args, command, actor, reply, acknowledge });
      return;
    }
    // A user of another workspace has no command to be pointed to.
    const suggestion = actor.foreignWorkspace ? undefined : suggestSubcommand(command.subcommand);
    const intro =
      `\`${command.subcommand}\` is not an /org command.` +
      (suggestion ? ` Did you mean \`/org ${suggestion}\`?` : '');
    await reply(helpMessage(audienceOf(actor), actor.organization?.name, intro));
  } finally {
    await ack.ackOnce();
  }
}
