import type {
  AllMiddlewareArgs,
  BlockAction,
  ButtonAction,
  SlackActionMiddlewareArgs,
  SlackCommandMiddlewareArgs,
  SlackViewMiddlewareArgs,
  ViewSubmitAction,
} from '@slack/bolt';
import type { Actor } from '../../domain/actor.js';
import type { OrgContext } from '../context.js';
import type { ParsedCommand } from '../text.js';

/** Bolt's arguments to the `/org` command listener, with our context. */
export type OrgCommandArgs = SlackCommandMiddlewareArgs & AllMiddlewareArgs<OrgContext>;

/** What a subcommand handler gets: Bolt's arguments (already acked), the parsed text and the caller. */
export interface SubcommandInput {
  args: OrgCommandArgs;
  command: ParsedCommand;
  actor: Actor;
}

/** A handler of one `/org` subcommand. Throws DomainError for the user to read. */
export type SubcommandHandler = (input: SubcommandInput) => Promise<void>;

/** Bolt's arguments to a button listener, with our context. */
export type ButtonArgs = SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs<OrgContext>;

/** Bolt's arguments to a view_submission listener, with our context. */
export type ViewSubmissionArgs = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs<OrgContext>;
