/**
 * `files.getUploadURLExternal`, `files.completeUploadExternal` and `files.info`, following
 * docs.slack.dev/reference/methods/files.getUploadURLExternal, files.completeUploadExternal and files.info.
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

/** Whether Slack shows a file's text: a snippet or post, or a `text/*` (or JSON, XML, YAML…) upload. */
function isTextual(file: RecordedFile): boolean {
  if (file.mode === 'snippet' || file.mode === 'post') return true;
  const mime = file.mimetype ?? '';
  return mime.startsWith('text/') || /^application\/(json|xml|yaml|x-yaml|javascript|x-sh)$/.test(mime);
}

/**
 * A file object as Slack's events and `files.info` show it (docs.slack.dev/reference/objects/file-object): id,
 * name, title, filetype, mimetype, mode, size, user, and the `url_private` links; never its bytes.
 */
export function fileObject(file: RecordedFile, apiBase = 'https://files.slack.com'): JsonObject {
  return {
    id: file.id,
    name: file.name,
    title: file.title ?? file.name,
    mimetype: file.mimetype ?? 'application/octet-stream',
    filetype: file.filetype ?? 'binary',
    mode: file.mode ?? 'hosted',
    size: file.length,
    ...(file.user ? { user: file.user } : {}),
    user_team: file.teamId,
    is_external: false,
    url_private: `${apiBase}/files-pri/${file.teamId}-${file.id}/${encodeURIComponent(file.name)}`,
    channels: [...file.sharedIn],
  };
}

/**
 * `files.info`: needs `files:read` (`missing_scope` with `needed` and `provided` for a token granted without it);
 * a file of another workspace, or one never completed, is `file_not_found`. Answers `{ file, comments: [] }` and,
 * for a text file (snippet or `text/*`), its text in `content` with `is_truncated: false`; a binary file has none.
 */
function filesInfo(ctx: ApiContext, args: JsonObject): JsonObject {
  const id = requireString(args, 'file', 'file_not_found');
  const scopes = ctx.grant?.scopes ?? [];
  if (scopes.length > 0 && !scopes.includes('files:read')) {
    throw new SlackApiError('missing_scope', [], { needed: 'files:read', provided: scopes.join(',') });
  }
  const file = ctx.files.find(id);
  const teams = ctx.scope.map((w) => w.team.id);
  if (!file?.completed || file.bytes === undefined || !teams.includes(file.teamId)) {
    throw new SlackApiError('file_not_found');
  }
  return {
    file: fileObject(file),
    comments: [],
    ...(isTextual(file) ? { content: file.bytes.toString('utf8'), is_truncated: false } : {}),
  };
}

/** The file methods, by name. */
export const FILE_METHODS: Record<string, MethodSpec> = {
  'files.info': { token: 'bot', handler: filesInfo },
  'files.getUploadURLExternal': { token: 'bot', handler: getUploadUrlExternal },
  'files.completeUploadExternal': { token: 'bot', handler: completeUploadExternal },
};
