/**
 * `chat.*` and `conversations.open`, following docs.slack.dev/reference/methods/chat.postMessage,
 * chat.postEphemeral, chat.update, chat.delete and conversations.open.
 */
import {
  type ApiContext,
  type MethodSpec,
  messageContent,
  optionalString,
  requireString,
  resolveChannel,
} from './api-context.js';
import { SlackApiError } from './errors.js';
import type { JsonObject, StandInChannel } from './types.js';

/**
 * The conversation the bot posts to, checked as Slack does: an unknown conversation, or a private one (private
 * channel, DM, group DM) without the bot, is invisible to it (`channel_not_found`); a public channel without the bot
 * is `not_in_channel`; an archived one is `is_archived`.
 */
function postableChannel(ctx: ApiContext, channelArg: string): StandInChannel {
  const channel = resolveChannel(ctx, channelArg);
  if (!channel) throw new SlackApiError('channel_not_found');
  if (!ctx.workspace.isMember(channel, ctx.workspace.bot.userId)) {
    throw new SlackApiError(channel.isPrivate ? 'channel_not_found' : 'not_in_channel');
  }
  if (channel.isArchived) throw new SlackApiError('is_archived');
  return channel;
}

function postMessage(ctx: ApiContext, args: JsonObject): JsonObject {
  const channelArg = requireString(args, 'channel', 'channel_not_found');
  // A direct message to a deactivated account fails (https://docs.slack.dev/reference/methods/chat.postMessage).
  if (ctx.workspace.users.get(channelArg)?.deleted) throw new SlackApiError('user_disabled');
  const channel = postableChannel(ctx, channelArg);
  const content = messageContent(args);
  const message = ctx.messages.post(
    channel.id,
    content,
    'chat.postMessage',
    optionalString(args, 'thread_ts'),
  );
  return { channel: channel.id, ts: message.ts, message: ctx.messages.messageObject(message) };
}

function postEphemeral(ctx: ApiContext, args: JsonObject): JsonObject {
  const channelArg = requireString(args, 'channel', 'channel_not_found');
  const userId = requireString(args, 'user', 'user_not_found');
  const user = ctx.workspace.users.get(userId);
  if (!user) throw new SlackApiError('user_not_found');
  const channel = resolveChannel(ctx, channelArg);
  // The bot can only show an ephemeral where it is a member: elsewhere, including a DM between two people, Slack
  // answers channel_not_found.
  if (!channel || !ctx.workspace.isMember(channel, ctx.workspace.bot.userId))
    throw new SlackApiError('channel_not_found');
  if (!ctx.workspace.isMember(channel, user.id)) throw new SlackApiError('user_not_in_channel');
  const ephemeral = ctx.messages.postEphemeral(
    channel.id,
    user.id,
    messageContent(args),
    'chat.postEphemeral',
  );
  return { message_ts: ephemeral.ts };
}

function update(ctx: ApiContext, args: JsonObject): JsonObject {
  const channel = resolveChannel(ctx, requireString(args, 'channel', 'channel_not_found'));
  if (!channel) throw new SlackApiError('channel_not_found');
  const ts = requireString(args, 'ts', 'message_not_found');
  const message = ctx.messages.find(channel.id, ts);
  if (!message) throw new SlackApiError('message_not_found');
  ctx.messages.update(message, messageContent(args), 'chat.update');
  return { channel: channel.id, ts, text: message.text, message: ctx.messages.messageObject(message) };
}

function remove(ctx: ApiContext, args: JsonObject): JsonObject {
  const channel = resolveChannel(ctx, requireString(args, 'channel', 'channel_not_found'));
  if (!channel) throw new SlackApiError('channel_not_found');
  const ts = requireString(args, 'ts', 'message_not_found');
  const message = ctx.messages.find(channel.id, ts);
  if (!message) throw new SlackApiError('message_not_found');
  ctx.messages.remove(message);
  return { channel: channel.id, ts };
}

function conversationsOpen(ctx: ApiContext, args: JsonObject): JsonObject {
  const channelArg = optionalString(args, 'channel');
  if (channelArg !== undefined) {
    const channel = ctx.workspace.findChannel(channelArg);
    if (!channel?.isIm) throw new SlackApiError('channel_not_found');
    return { no_op: true, already_open: true, channel: { id: channel.id } };
  }
  const users = requireString(args, 'users', 'users_list_not_supplied')
    .split(',')
    .map((u) => u.trim())
    .filter((u) => u !== '' && u !== ctx.workspace.bot.userId);
  if (users.length === 0) throw new SlackApiError('users_list_not_supplied');
  if (users.length > 8) throw new SlackApiError('too_many_users');
  for (const id of users) if (!ctx.workspace.users.has(id)) throw new SlackApiError('user_not_found');
  const [only] = users;
  if (users.length === 1 && only !== undefined) {
    const existed = [...ctx.workspace.channels.values()].some(
      (c) =>
        c.isIm &&
        c.members.length === 2 &&
        c.members.includes(only) &&
        c.members.includes(ctx.workspace.bot.userId),
    );
    const im = ctx.workspace.imWithBot(only);
    return existed ? { no_op: true, already_open: true, channel: { id: im.id } } : { channel: { id: im.id } };
  }
  return { channel: { id: ctx.workspace.groupDmWithBot(users).id } };
}

/**
 * `conversations.info`: a conversation the bot can see (a public channel, or a private one it is in); anything else
 * is `channel_not_found`, as Slack answers a bot token.
 */
function conversationsInfo(ctx: ApiContext, args: JsonObject): JsonObject {
  const channel = ctx.workspace.channels.get(requireString(args, 'channel', 'channel_not_found'));
  if (!channel) throw new SlackApiError('channel_not_found');
  if (channel.isPrivate && !ctx.workspace.isMember(channel, ctx.workspace.bot.userId)) {
    throw new SlackApiError('channel_not_found');
  }
  return { channel: ctx.workspace.channelObject(channel) };
}

/** The `chat.*`, `conversations.open` and `conversations.info` methods, by name. */
export const CHAT_METHODS: Record<string, MethodSpec> = {
  'chat.postMessage': { token: 'bot', handler: postMessage },
  'chat.postEphemeral': { token: 'bot', handler: postEphemeral },
  'chat.update': { token: 'bot', handler: update },
  'chat.delete': { token: 'bot', handler: remove },
  'conversations.open': { token: 'bot', handler: conversationsOpen },
  'conversations.info': { token: 'bot', handler: conversationsInfo },
};
