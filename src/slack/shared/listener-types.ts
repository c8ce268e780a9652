import type {
  AllMiddlewareArgs,
  BlockAction,
  ButtonAction,
  SlackActionMiddlewareArgs,
  SlackCommandMiddlewareArgs,
  SlackViewMiddlewareArgs,
  StaticSelectAction,
  ViewSubmitAction,
} from '@slack/bolt';
import type { Actor } from '../../domain/actor.js';
import type { DirectoryView } from '../../domain/members/team-directory.js';
import type { OrgContext } from '../context.js';
import type { SlackMessage } from './common.blocks.js';
import type { ParsedCommand } from './text.js';

/** Bolt's arguments to the `/org` command listener, with our context. */
export type OrgCommandArgs = SlackCommandMiddlewareArgs & AllMiddlewareArgs<OrgContext>;

/**
 * What a subcommand handler gets: Bolt's arguments, the parsed text, the caller, and `reply`. The command may not be
 * acknowledged yet: `reply` answers in the acknowledgement itself while it can (one HTTP response, no `response_url`
 * round trip) and through the `response_url` after that. Call `acknowledge()` before slow work (a Slack Web API
 * call); the router also acknowledges by itself after {@link ACK_DEADLINE_MS}.
 */
export interface SubcommandInput {
  args: OrgCommandArgs;
  command: ParsedCommand;
  actor: Actor;
  /** Sends an ephemeral reply to the caller. */
  reply: (message: SlackMessage) => Promise<void>;
  /** Acknowledges the command now, with no message (idempotent). */
  acknowledge: () => Promise<void>;
}

/** Milliseconds after which the router acknowledges a command that has not replied yet (Slack allows 3 s). */
export const ACK_DEADLINE_MS = 2000;

/** A handler of one `/org` subcommand. Throws DomainError for the user to read. */
export type SubcommandHandler = (input: SubcommandInput) => Promise<void>;

/**
 * A handler that answers a linked member from the team directory, with no unit of work: it gets the directory's
 * view of the caller instead of an {@link Actor}.
 */
export type DirectoryHandler = (
  input: Omit<SubcommandInput, 'actor'> & { view: DirectoryView },
) => Promise<void>;

/** Bolt's arguments to a button listener, with our context. */
export type ButtonArgs = SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs<OrgContext>;

/** Bolt's arguments to a view_submission listener, with our context. */
export type ViewSubmissionArgs = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs<OrgContext>;

/** Bolt's arguments to a static_select listener, with our context. */
export type StaticSelectArgs = SlackActionMiddlewareArgs<BlockAction<StaticSelectAction>> &
  AllMiddlewareArgs<OrgContext>;

/** Bolt's arguments to an action listener of any element type, with our context. */
export type ActionArgs = SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs<OrgContext>;
