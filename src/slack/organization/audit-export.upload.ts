import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { WebClient } from '@slack/web-api';

/** Milliseconds the POST of the file's bytes to Slack's `upload_url` may take. */
export const UPLOAD_TIMEOUT_MS = 60_000;

/** A file written to a private temporary folder; `remove()` deletes it (and its folder). */
export interface SpooledFile {
  path: string;
  /** Size in bytes. */
  bytes: number;
  /** Lines written. */
  lines: number;
  remove(): Promise<void>;
}

/**
 * Writes lines to a temporary file as they come (each followed by `\n`), so a large export never sits in memory
 * whole. The folder is made with `mkdtemp` (mode 0700).
 * @param lines strings without their newline, produced lazily
 * @throws the file system's errors; the file is removed first
 */
export async function spoolLines(lines: AsyncIterable<string>, name: string): Promise<SpooledFile> {
  const dir = await mkdtemp(join(tmpdir(), 'astrobee-export-'));
  const path = join(dir, name);
  const remove = (): Promise<void> => rm(dir, { recursive: true, force: true });
  let count = 0;
  try {
    await pipeline(
      Readable.from(
        (async function* counted() {
          for await (const line of lines) {
            count += 1;
            yield `${line}\n`;
          }
        })(),
      ),
      createWriteStream(path, { mode: 0o600 }),
    );
    const { size } = await stat(path);
    return { path, bytes: size, lines: count, remove };
  } catch (error) {
    await remove();
    throw error;
  }
}

/**
 * Shares a file in a user's direct message with the bot through Slack's external upload flow
 * (docs.slack.dev/messaging/working-with-files#uploading_files): `conversations.open` (`users`) for the DM's id;
 * `files.getUploadURLExternal` (`filename`, `length` in bytes) for an `upload_url` and a `file_id`; a POST of the
 * raw bytes to the `upload_url`, streamed from disk; then `files.completeUploadExternal` (`files: [{ id, title }]`,
 * `channel_id`), which shares it. `@slack/web-api`'s `files.uploadV2` does the same steps but needs the whole file
 * in memory as a Buffer; this streams it.
 * @returns the DM's channel id and the file id
 * @throws WebAPIPlatformError / WebAPIHTTPError for a refused or failed Web API call; Error when the upload_url
 *   answers other than 200 or times out ({@link UPLOAD_TIMEOUT_MS})
 */
export async function shareFileInDm(
  client: WebClient,
  userId: string,
  file: Pick<SpooledFile, 'path' | 'bytes'> & { filename: string; title: string },
): Promise<{ channelId: string; fileId: string }> {
  const opened = await client.conversations.open({ users: userId });
  const channelId = opened.channel?.id;
  if (!channelId) throw new Error('conversations.open answered without a channel id');
  const target = await client.files.getUploadURLExternal({ filename: file.filename, length: file.bytes });
  const { upload_url: uploadUrl, file_id: fileId } = target;
  if (!uploadUrl || !fileId)
    throw new Error('files.getUploadURLExternal answered without upload_url or file_id');
  const res = await fetch(uploadUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/octet-stream', 'content-length': String(file.bytes) },
    body: Readable.toWeb(createReadStream(file.path)) as ReadableStream<Uint8Array>,
    duplex: 'half',
    signal: AbortSignal.timeout(UPLOAD_TIMEOUT_MS),
  } as RequestInit & { duplex: 'half' });
  await res.body?.cancel();
  if (res.status !== 200) throw new Error(`the upload_url answered HTTP ${res.status}`);
  await client.files.completeUploadExternal({
    files: [{ id: fileId, title: file.title }],
    channel_id: channelId,
  });
  return { channelId, fileId };
}
