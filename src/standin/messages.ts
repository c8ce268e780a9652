/**
 * The conversation history the app writes: messages (posted, updated, deleted) and ephemerals, shared by
 * `chat.*`, response_urls and slash command acks so each path records the same way.
 */
import { withGeneratedIds } from './block-kit.js';
import type { IdFactory } from './ids.js';
import type { Recorder } from './recorder.js';
import type { JsonObject, MessageVia, RecordedEphemeral, RecordedMessage } from './types.js';
import type { BotIdentity } from './workspace.js';

/** Content of a message: text (may be empty when blocks are given) and blocks. */
export interface MessageContent {
  text: string;
  blocks: JsonObject[];
}

/** Writes messages and ephemerals into the recorder and announces them. */
export class MessageStore {
  constructor(
    private readonly recorder: Recorder,
    private readonly ids: IdFactory,
    private readonly bot: BotIdentity,
    private readonly teamId: string,
    private readonly now: () => number,
  ) {}

  /** Records a new message by the bot in a conversation; returns it (with a fresh, increasing `ts`). */
  post(
    channel: string,
    content: MessageContent,
    via: RecordedMessage['via'],
    threadTs?: string,
  ): RecordedMessage {
    const blocks = withGeneratedIds(content.blocks, this.ids);
    const message: RecordedMessage = {
      channel,
      ts: this.ids.messageTs(),
      threadTs,
      user: this.bot.userId,
      text: content.text,
      blocks,
      via,
      deleted: false,
      history: [{ text: content.text, blocks, at: this.now(), via }],
    };
    this.recorder.messages.push(message);
    this.recorder.emit({ kind: 'message', message });
    return message;
  }

  /** Replaces a message's content, keeping the old version in its history. */
  update(message: RecordedMessage, content: MessageContent, via: MessageVia): void {
    const blocks = withGeneratedIds(content.blocks, this.ids);
    message.text = content.text;
    message.blocks = blocks;
    message.history.push({ text: content.text, blocks, at: this.now(), via });
    this.recorder.emit({ kind: 'message_changed', message });
  }

  /** Marks a message deleted. */
  remove(message: RecordedMessage): void {
    message.deleted = true;
    this.recorder.emit({ kind: 'message_deleted', message });
  }

  /** A live (not deleted) message by conversation and ts. */
  find(channel: string, ts: string): RecordedMessage | undefined {
    return this.recorder.messages.find((m) => m.channel === channel && m.ts === ts && !m.deleted);
  }

  /** Records an ephemeral shown to one user in a conversation. */
  postEphemeral(
    channel: string,
    user: string,
    content: MessageContent,
    via: RecordedEphemeral['via'],
    replacing?: RecordedEphemeral,
  ): RecordedEphemeral {
    const ephemeral: RecordedEphemeral = {
      channel,
      user,
      text: content.text,
      blocks: withGeneratedIds(content.blocks, this.ids),
      via,
      ts: replacing?.ts ?? this.ids.messageTs(),
      at: this.now(),
      superseded: false,
    };
    if (replacing) {
      replacing.superseded = true;
      ephemeral.replaceOriginal = true;
    }
    this.recorder.ephemerals.push(ephemeral);
    this.recorder.emit({ kind: 'ephemeral', ephemeral });
    return ephemeral;
  }

  /** Records the deletion of an ephemeral (`delete_original`): an entry with `deleteOriginal` and no content. */
  deleteEphemeral(original: RecordedEphemeral, via: RecordedEphemeral['via']): RecordedEphemeral {
    original.superseded = true;
    const entry: RecordedEphemeral = {
      channel: original.channel,
      user: original.user,
      text: '',
      blocks: [],
      via,
      ts: original.ts,
      at: this.now(),
      deleteOriginal: true,
      superseded: true,
    };
    this.recorder.ephemerals.push(entry);
    this.recorder.emit({ kind: 'ephemeral', ephemeral: entry });
    return entry;
  }

  /** The ephemeral the user currently sees with this ts (optionally in this conversation). */
  findEphemeral(ts: string, channel?: string): RecordedEphemeral | undefined {
    for (let i = this.recorder.ephemerals.length - 1; i >= 0; i -= 1) {
      const e = this.recorder.ephemerals[i];
      if (e && e.ts === ts && !e.superseded && (channel === undefined || e.channel === channel)) return e;
    }
    return undefined;
  }

  /** The message object Slack returns from `chat.postMessage` and puts in interaction payloads. */
  messageObject(message: RecordedMessage): JsonObject {
    const object: JsonObject = {
      type: 'message',
      user: message.user,
      bot_id: this.bot.botId,
      app_id: this.bot.appId,
      text: message.text,
      ts: message.ts,
      team: this.teamId,
      blocks: message.blocks,
      bot_profile: {
        id: this.bot.botId,
        app_id: this.bot.appId,
        name: this.bot.name,
        deleted: false,
        team_id: this.teamId,
      },
    };
    if (message.threadTs !== undefined) object.thread_ts = message.threadTs;
    const last = message.history.at(-1);
    if (message.history.length > 1 && last) {
      object.edited = { user: message.user, ts: `${Math.floor(last.at / 1000)}.000000` };
    }
    return object;
  }
}
