/** What Web API method handlers work on, and the argument helpers they share. */
import { BLOCK_LIMITS, checkBlocks } from './block-kit.js';
import { SlackApiError } from './errors.js';
import type { FileStore } from './files.js';
import { isJsonObject, objectsOf } from './json.js';
import type { MessageContent, MessageStore } from './messages.js';
import type { OAuthServer } from './oauth.js';
import type { Recorder } from './recorder.js';
import type { BotGrant } from './tokens.js';
import type { TriggerRegistry } from './triggers.js';
import type { JsonObject, StandInChannel, StandInEnterprise } from './types.js';
import type { ViewStore } from './views.js';
import type { Workspace } from './workspace.js';

/**
 * The stand-in's state as one Web API call sees it: the workspace its token acts on, and that workspace's messages
 * and views.
 */
export interface ApiContext {
  /**
   * The workspace the call acts on: the token's workspace; for an org-wide token, the one the arguments point to
   * (`team_id`, a channel, a user, a view or a trigger).
   * @throws SlackApiError `invalid_arguments` when an org-wide token's call names no workspace of several.
   */
  readonly workspace: Workspace;
  /** Every workspace the token serves (one, or each workspace of the organization for an org-wide token). */
  readonly scope: readonly Workspace[];
  /** The bot token's grant; undefined for calls without a bot token (`oauth.v2.access`, the app token's). */
  readonly grant: BotGrant | undefined;
  /** The organization of the token's installation, in a Grid. */
  readonly enterprise: StandInEnterprise | undefined;
  readonly recorder: Recorder;
  /** The messages of `workspace`. */
  readonly messages: MessageStore;
  /** The views of `workspace`. */
  readonly views: ViewStore;
  readonly triggers: TriggerRegistry;
  /** Files of the external upload flow (every workspace's). */
  readonly files: FileStore;
  /** The upload URL of an upload key (`http://127.0.0.1:<port>/upload/<key>`). */
  uploadUrl(uploadKey: string): string;
  /** The app's OAuth side (`oauth.v2.access`). */
  readonly oauth: OAuthServer;
  /** The request's `Authorization` header (HTTP Basic client credentials for `oauth.v2.access`). */
  readonly authorization: string | undefined;
  /** Milliseconds since the epoch. */
  now(): number;
  /** A fresh single-use Socket Mode URL (`ws://127.0.0.1:<port>/socket?ticket=…`). */
  openSocketUrl(): string;
}

/** A Web API method: decoded args in, the success body (without `ok`) out; refusals are thrown as SlackApiError. */
export type MethodHandler = (ctx: ApiContext, args: JsonObject) => JsonObject;

/** A method and the kind of token it takes (`none`: client credentials instead, as `oauth.v2.access`). */
export interface MethodSpec {
  token: 'bot' | 'app' | 'none';
  handler: MethodHandler;
}

/**
 * A required string argument.
 * @throws SlackApiError `error` (default `invalid_arguments`) when missing or empty.
 */
export function requireString(args: JsonObject, key: string, error = 'invalid_arguments'): string {
  const value = args[key];
  if (typeof value === 'number') return String(value);
  if (typeof value !== 'string' || value === '') {
    throw new SlackApiError(error, [`[ERROR] missing required field: ${key}`]);
  }
  return value;
}

/** An optional string argument (numbers accepted, as form encoding makes no difference). */
export function optionalString(args: JsonObject, key: string): string | undefined {
  const value = args[key];
  if (typeof value === 'number') return String(value);
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * The text and blocks of a message argument set, checked as Slack does.
 * @throws SlackApiError `invalid_blocks_format` (blocks not a JSON array), `invalid_blocks` (a Block Kit limit,
 *   e.g. more than 50 blocks or section text over 3000 characters), `msg_too_long` (text over 40000 characters),
 *   `no_text` (neither text, blocks nor attachments).
 */
export function messageContent(args: JsonObject): MessageContent {
  const rawBlocks = args.blocks;
  let blocks: JsonObject[] = [];
  if (rawBlocks !== undefined && rawBlocks !== '') {
    if (!Array.isArray(rawBlocks))
      throw new SlackApiError('invalid_blocks_format', ['[ERROR] blocks must be a JSON array']);
    const problems = checkBlocks(rawBlocks, BLOCK_LIMITS.messageBlocks, '/blocks');
    if (problems.length > 0) throw new SlackApiError('invalid_blocks', problems);
    blocks = objectsOf(rawBlocks);
  }
  const text =
    typeof args.text === 'string' ? args.text : typeof args.text === 'number' ? String(args.text) : '';
  if (text.length > BLOCK_LIMITS.messageText) throw new SlackApiError('msg_too_long');
  const hasAttachments = Array.isArray(args.attachments) && args.attachments.length > 0;
  if (text === '' && blocks.length === 0 && !hasAttachments) throw new SlackApiError('no_text');
  return { text, blocks };
}

/**
 * The conversation a `channel` argument names: a conversation id or name, or a user id (`U…`/`W…`), which means
 * that user's direct message with the bot (created on demand, as Slack does).
 */
export function resolveChannel(ctx: ApiContext, channelArg: string): StandInChannel | undefined {
  const user = ctx.workspace.users.get(channelArg);
  if (user && !user.isBot) return ctx.workspace.imWithBot(user.id);
  return ctx.workspace.findChannel(channelArg);
}

/** A JSON object argument (already decoded from its JSON string form). */
export function objectArg(args: JsonObject, key: string): JsonObject | undefined {
  const value = args[key];
  return isJsonObject(value) ? value : undefined;
}
