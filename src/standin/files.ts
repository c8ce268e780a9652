/**
 * Files of Slack's external upload flow (docs.slack.dev/messaging/working-with-files#uploading_files):
 * `files.getUploadURLExternal` issues a file id and an upload URL on the stand-in's own server, a POST to that URL
 * stores the bytes (raw, or the file part of a multipart form, as `@slack/web-api`'s `files.uploadV2` sends them),
 * and `files.completeUploadExternal` shares the file into a conversation.
 */
import type { IdFactory } from './ids.js';
import type { RecordedFile } from './types.js';

/** Largest file the stand-in takes, in bytes (its request body limit). */
export const MAX_FILE_BYTES = 50 * 1024 * 1024;

/** The files of every workspace, by id and by upload key. */
export class FileStore {
  private readonly byId = new Map<string, RecordedFile>();
  private readonly byUploadKey = new Map<string, RecordedFile>();
  /** Every file in the order its upload URL was issued. */
  readonly all: RecordedFile[] = [];

  constructor(private readonly ids: IdFactory) {}

  /**
   * A new file awaiting its bytes.
   * @returns the file and the key of its upload URL (`/upload/<key>`)
   */
  issue(teamId: string, name: string, length: number): { file: RecordedFile; uploadKey: string } {
    const file: RecordedFile = {
      id: this.ids.fileId(),
      teamId,
      name,
      length,
      completed: false,
      sharedIn: [],
    };
    const uploadKey = this.ids.uploadKey();
    this.byId.set(file.id, file);
    this.byUploadKey.set(uploadKey, file);
    this.all.push(file);
    return { file, uploadKey };
  }

  /**
   * A file a user shared in Slack (a snippet, an uploaded text or binary file): stored whole and completed, as
   * if uploaded through Slack's own client.
   */
  add(
    teamId: string,
    input: { name: string; bytes: Buffer; filetype: string; mode: string; mimetype: string; user: string },
  ): RecordedFile {
    const file: RecordedFile = {
      id: this.ids.fileId(),
      teamId,
      name: input.name,
      title: input.name,
      length: input.bytes.length,
      bytes: input.bytes,
      completed: true,
      sharedIn: [],
      filetype: input.filetype,
      mode: input.mode,
      mimetype: input.mimetype,
      user: input.user,
    };
    this.byId.set(file.id, file);
    this.all.push(file);
    return file;
  }

  /** A file by id. */
  find(id: string): RecordedFile | undefined {
    return this.byId.get(id);
  }

  /**
   * Stores the bytes POSTed to an upload URL; a second POST replaces them (until completion).
   * @returns false for an unknown key, or a file already completed (its URL no longer takes bytes)
   */
  receive(uploadKey: string, bytes: Buffer): boolean {
    const file = this.byUploadKey.get(uploadKey);
    if (!file || file.completed) return false;
    file.bytes = bytes;
    return true;
  }
}

/**
 * The file of a multipart/form-data body: the first part that is a file, else the first part's value.
 * @returns undefined when the body is not a readable form
 */
export async function fileOfMultipart(body: Buffer, contentType: string): Promise<Buffer | undefined> {
  let form: FormData;
  try {
    form = await new Response(new Uint8Array(body), { headers: { 'content-type': contentType } }).formData();
  } catch {
    return undefined;
  }
  const values = [...form.values()];
  const file = values.find((v) => typeof v !== 'string') ?? values[0];
  if (file === undefined) return undefined;
  return typeof file === 'string' ? Buffer.from(file, 'utf8') : Buffer.from(await file.arrayBuffer());
}
