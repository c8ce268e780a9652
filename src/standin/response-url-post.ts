/**
 * A POST to a response_url (docs.slack.dev/interactivity/handling-user-interaction#message_responses): JSON with
 * `text` / `blocks`, `response_type` (`ephemeral`, the default, or `in_channel`), `replace_original`,
 * `delete_original`, `thread_ts`.
 */
import { messageContent } from './api-context.js';
import { SlackApiError } from './errors.js';
import { isJsonObject, isTruthyFlag, stringAt } from './json.js';
import type { MessageStore } from './messages.js';
import type { ResponseUrlEntry, ResponseUrlRegistry } from './response-urls.js';
import type { JsonObject } from './types.js';

/** HTTP answer to a response_url post. */
export interface ResponseUrlAnswer {
  status: number;
  body: JsonObject;
}

function deleteOriginal(entry: ResponseUrlEntry, messages: MessageStore): ResponseUrlAnswer {
  const original = entry.original;
  if (original?.kind === 'message') {
    const message = messages.find(original.channel, original.ts);
    if (message) {
      messages.remove(message);
      entry.original = undefined;
      return { status: 200, body: { ok: true } };
    }
  } else if (original?.kind === 'ephemeral') {
    const ephemeral = messages.findEphemeral(original.ts, original.channel);
    if (ephemeral) {
      messages.deleteEphemeral(ephemeral, 'response_url');
      entry.original = undefined;
      return { status: 200, body: { ok: true } };
    }
  }
  return { status: 404, body: { ok: false, error: 'message_not_found' } };
}

/**
 * Applies a response_url post.
 *
 * `replace_original` replaces the message an action came from (a slash command's URL replaces what it posted last);
 * without an original it posts anew. Refusals: 404 `used_url` after 5 posts, `expired_url` after 30 minutes,
 * `unknown_url`; 400 `invalid_payload`, `no_text`, `invalid_blocks`; 404 `message_not_found` for `delete_original`
 * with nothing to delete.
 */
export function postToResponseUrl(
  registry: ResponseUrlRegistry,
  messages: MessageStore,
  id: string,
  body: unknown,
): ResponseUrlAnswer {
  const use = registry.use(id);
  if (!use.ok) return { status: 404, body: { ok: false, error: use.error } };
  const { entry } = use;
  if (!isJsonObject(body)) return { status: 400, body: { ok: false, error: 'invalid_payload' } };
  if (isTruthyFlag(body.delete_original)) return deleteOriginal(entry, messages);

  let content: ReturnType<typeof messageContent>;
  try {
    content = messageContent(body);
  } catch (error) {
    if (error instanceof SlackApiError) return { status: 400, body: error.toBody() };
    throw error;
  }
  const original = entry.original;
  if (isTruthyFlag(body.replace_original) && original) {
    if (original.kind === 'message') {
      const message = messages.find(original.channel, original.ts);
      if (message) {
        messages.update(message, content, 'response_url');
        return { status: 200, body: { ok: true } };
      }
    } else {
      const ephemeral = messages.findEphemeral(original.ts, original.channel);
      if (ephemeral) {
        messages.postEphemeral(ephemeral.channel, ephemeral.user, content, 'response_url', ephemeral);
        return { status: 200, body: { ok: true } };
      }
    }
  }
  if (body.response_type === 'in_channel') {
    const message = messages.post(entry.channel, content, 'response_url', stringAt(body, 'thread_ts'));
    if (entry.tracksLastPost) entry.original = { kind: 'message', channel: message.channel, ts: message.ts };
  } else {
    const ephemeral = messages.postEphemeral(entry.channel, entry.user, content, 'response_url');
    if (entry.tracksLastPost)
      entry.original = { kind: 'ephemeral', channel: ephemeral.channel, ts: ephemeral.ts };
  }
  return { status: 200, body: { ok: true } };
}
