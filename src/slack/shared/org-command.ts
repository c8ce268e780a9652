import { closest, distance } from 'fastest-levenshtein';
import type { SlackMessage } from './common.blocks.js';
import { handlerFor } from './dispatch.js';
import { audienceOf, type CommandHelp, helpMessage } from './help.blocks.js';
import {
  ACK_DEADLINE_MS,
  type DirectoryHandler,
  type OrgCommandArgs,
  type SubcommandHandler,
} from './listener-types.js';
import { parseCommand } from './text.js';

/** What the `/org` router dispatches on, assembled from every feature's registrations (src/slack/register.ts). */
export interface OrgCommandTable {
  /** Subcommand → handler. `/org`, `/org help` and unknown subcommands are the router's own: help. */
  subcommands: Readonly<Record<string, SubcommandHandler>>;
  /**
   * Subcommands that read only the team: for a caller the team directory knows (a linked member), answered from it
   * with no SQL; anyone else takes the handler of {@link subcommands}.
   */
  directoryHandlers: Readonly<Record<string, DirectoryHandler>>;
  /** Every help line, in the order help lists them. */
  commands: readonly CommandHelp[];
  /** Every subcommand name (`help` included), in the order "did you mean" tries them (the first closest wins). */
  names: readonly string[];
}

/** The closest of `names` to `word`, when it is close enough to be a likely typo. */
export function suggestSubcommand(word: string, names: readonly string[]): string | undefined {
  const best = closest(word, [...names]);
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
 * The `/org` listener for `table`. Parses the text (decoded once, here) and runs the subcommand; `/org`, `/org help`
 * and an unknown subcommand get help for the caller's role (an unknown one with the closest match). A quick answer
 * goes back in the acknowledgement; the router acknowledges on its own before Slack's 3-second limit when a handler
 * is slow, and its later replies go through the `response_url`. Domain errors thrown by a handler reach the global
 * error handler, which tells the user. A subcommand of {@link OrgCommandTable.directoryHandlers} whose team is in the
 * directory's memory runs with no I/O before its reply (on PostgreSQL, one round trip that makes sure the memory is
 * current: `TeamDirectory.current`), so it needs no deadline.
 */
export function orgCommand(table: OrgCommandTable): (args: OrgCommandArgs) => Promise<void> {
  return async (args) => {
    const ack = new CommandAck(args);
    const { reply, acknowledge } = ack;
    try {
      const command = parseCommand(args.command.text);
      const { directory } = args.context;
      const { team_id: teamId, user_id: userId } = args.command;
      const fromDirectory = handlerFor(table.directoryHandlers, command.subcommand);
      const inMemory = fromDirectory ? await directory.current(teamId) : undefined;
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
      const handler = handlerFor(table.subcommands, command.subcommand);
      if (handler) {
        await handler({ args, command, actor, reply, acknowledge });
        return;
      }
      const organizationName = actor.organization?.name;
      if (command.subcommand === '' || command.subcommand === 'help') {
        await reply(helpMessage(table.commands, audienceOf(actor), organizationName));
        return;
      }
      // A user of another workspace has no command to be pointed to.
      const suggestion = actor.foreignWorkspace
        ? undefined
        : suggestSubcommand(command.subcommand, table.names);
      const intro =
        `\`${command.subcommand}\` is not an /org command.` +
        (suggestion ? ` Did you mean \`/org ${suggestion}\`?` : '');
      await reply(helpMessage(table.commands, audienceOf(actor), organizationName, intro));
    } finally {
      await ack.ackOnce();
    }
  };
}
