/**
 * `files.getUploadURLExternal` and `files.completeUploadExternal`, following
 * docs.slack.dev/reference/methods/files.getUploadURLExternal and files.completeUploadExternal.
 */
import { type ApiContext, type MethodSpec, optionalString, requireString } from './api-context.js';
import { SlackApiError } from './errors.js';
import { isJsonObject, tryParseJson } from './json.js';
import type { JsonObject, RecordedFile } from './types.js';

/**
 * `files.getUploadURLExternal`: `filename` and `length` (bytes, a positive whole number) are required; answers
 * `{ upload_url, file_id }`, the URL on the stand-in's own server.
 */
function getUploadUrlExternal(ctx: ApiContext, args: JsonObject): JsonObject {
  const filename = requireString(args, 'filename');
  const rawLength = requireString(args, 'length');
  const length = /^\d+$/.test(rawLength) ? Number(rawLength) : Number.NaN;
  if (!Number.isSafeInteger(length) || length < 1) {
    throw new SlackApiError('invalid_arguments', ['[ERROR] length must be a positive integer']);
  }
  const { file, uploadKey } = ctx.files.issue(ctx.workspace.team.id, filename, length);
  return { upload_url: ctx.uploadUrl(uploadKey), file_id: file.id };
}

/** The `files` argument: a JSON array (or its JSON string, as form encoding sends it) of `{ id, title? }`. */
function filesArg(args: JsonObject): { id: string; title?: string }[] {
  const raw = typeof args.files === 'string' ? tryParseJson(args.files) : args.files;
  if (!Array.isArray(raw) || raw.length === 0) {
    throw new SlackApiError('invalid_arguments', ['[ERROR] missing required field: files']);
  }
  return raw.map((entry) => {
    if (!isJsonObject(entry) || typeof entry.id !== 'string' || entry.id === '') {
      throw new SlackApiError('invalid_arguments', ['[ERROR] each file needs an id']);
    }
    return typeof entry.title === 'string' ? { id: entry.id, title: entry.title } : { id: entry.id };
  });
}

/**
 * `files.completeUploadExternal`: every file must have been issued to this workspace (`file_not_found`) and
 * uploaded whole: bytes received and as many as its `length` (`file_not_found` while none came,
 * `invalid_arguments` for another size). With `channel_id` (or the first of `channels`) the files are shared into
 * that conversation, which the bot must see (`channel_not_found`; `not_in_channel` for a public channel without
 * it); without, they stay private. Nothing changes unless every check passes. Answers `{ files: [{ id, name,
 * title, size }] }`.
 */
function completeUploadExternal(ctx: ApiContext, args: JsonObject): JsonObject {
  const wanted = filesArg(args);
  const files: { file: RecordedFile; title: string }[] = wanted.map(({ id, title }) => {
    const file = ctx.files.find(id);
    if (!file || file.teamId !== ctx.workspace.team.id || file.completed || file.bytes === undefined) {
      throw new SlackApiError('file_not_found', [`[ERROR] no uploaded file ${id}`]);
    }
    if (file.bytes.length !== file.length) {
      throw new SlackApiError('invalid_arguments', [
        `[ERROR] file ${id} has ${file.bytes.length} bytes, not the length ${file.length} given`,
      ]);
    }
    return { file, title: title ?? file.name };
  });
  const channelArg = optionalString(args, 'channel_id') ?? optionalString(args, 'channels')?.split(',')[0];
  let channelId: string | undefined;
  if (channelArg !== undefined) {
    const channel = ctx.workspace.findChannel(channelArg.trim());
    if (!channel) throw new SlackApiError('channel_not_found');
    if (!ctx.workspace.isMember(channel, ctx.workspace.bot.userId)) {
      throw new SlackApiError(channel.isPrivate || channel.isIm ? 'channel_not_found' : 'not_in_channel');
    }
    if (channel.isArchived) throw new SlackApiError('is_archived');
    channelId = channel.id;
  }
  for (const { file, title } of files) {
    file.completed = true;
    file.title = title;
    if (channelId !== undefined) file.sharedIn.push(channelId);
  }
  return {
    files: files.map(({ file }) => ({
      id: file.id,
      name: file.name,
      title: file.title ?? file.name,
      size: file.length,
    })),
  };
}

/** The external upload methods, by name. */
export const FILE_METHODS: Record<string, MethodSpec> = {
  'files.getUploadURLExternal': { token: 'bot', handler: getUploadUrlExternal },
  'files.completeUploadExternal': { token: 'bot', handler: completeUploadExternal },
};
