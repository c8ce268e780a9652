import { WebClient } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SlackStandIn } from '../../src/standin/index.js';

/** The Slack error code of a refused call. */
async function errorOf(call: Promise<unknown>): Promise<string | undefined> {
  try {
    await call;
    return undefined;
  } catch (error) {
    return (error as { data?: { error?: string } }).data?.error;
  }
}

describe("the stand-in's external file upload", () => {
  const standin = new SlackStandIn({ signingSecret: 'x'.repeat(32) });
  let client: WebClient;
  let dm: string;

  async function issue(filename: string, length: number): Promise<{ url: string; id: string }> {
    const res = await client.files.getUploadURLExternal({ filename, length });
    if (!res.upload_url || !res.file_id) throw new Error('no upload_url or file_id');
    return { url: res.upload_url, id: res.file_id };
  }

  beforeAll(async () => {
    await standin.start();
    standin.addUser({ id: 'U1', name: 'ada' });
    standin.addChannel({ id: 'C1', name: 'private-room', isPrivate: true, members: ['U1'] });
    standin.addChannel({ id: 'C2', name: 'public-room', members: ['U1', standin.botUserId] });
    standin.addChannel({ id: 'C3', name: 'no-bot-room', members: ['U1'] });
    client = new WebClient(standin.botToken, { slackApiUrl: standin.apiUrl, retryConfig: { retries: 0 } });
    dm = standin.imChannelOf('U1');
  });
  afterAll(async () => standin.stop());

  it("takes @slack/web-api's files.uploadV2 (a multipart POST) and shares the file in a DM", async () => {
    const res = await client.files.uploadV2({
      channel_id: dm,
      content: '{"a":1}\n{"b":2}\n',
      filename: 'events.jsonl',
      title: 'Events',
    });
    expect(res.ok).toBe(true);
    const [file] = standin.filesIn(dm);
    expect(file).toMatchObject({ name: 'events.jsonl', title: 'Events', length: 16, completed: true });
    expect(file?.bytes?.toString('utf8')).toBe('{"a":1}\n{"b":2}\n');
    expect(file?.id).toMatch(/^F[A-Z0-9]{10}$/);
  });

  it('lists uploaded files at GET /standin/files and serves their bytes at /standin/files/<id>', async () => {
    const [file] = standin.filesIn(dm);
    const list = (await (await fetch(`${standin.baseUrl}/standin/files`)).json()) as {
      files: { id: string; name: string; completed: boolean; shared_in: string[] }[];
    };
    expect(list.files.find((f) => f.id === file?.id)).toMatchObject({
      name: 'events.jsonl',
      completed: true,
      shared_in: [dm],
    });
    const bytes = await fetch(`${standin.baseUrl}/standin/files/${file?.id}`);
    expect(bytes.status).toBe(200);
    expect(await bytes.text()).toBe('{"a":1}\n{"b":2}\n');
    const missing = await fetch(`${standin.baseUrl}/standin/files/F0NOSUCHFILE`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ ok: false, error: 'file_not_found' });
  });

  it('takes raw bytes, checks the length at completion, and answers the files as Slack does', async () => {
    const { url, id } = await issue('raw.txt', 5);
    expect(url.startsWith(`${standin.baseUrl}/upload/`)).toBe(true);
    const posted = await fetch(url, { method: 'POST', body: 'four' });
    expect(posted.status).toBe(200);
    expect(await posted.text()).toBe('OK - 4');
    expect(await errorOf(client.files.completeUploadExternal({ files: [{ id }], channel_id: dm }))).toBe(
      'invalid_arguments',
    );
    await fetch(url, { method: 'POST', body: 'five!' });
    const done = await client.files.completeUploadExternal({
      files: [{ id, title: 'Raw' }],
      channel_id: 'C2',
    });
    expect(done.files).toEqual([{ id, name: 'raw.txt', title: 'Raw', size: 5 }]);
    expect(standin.filesIn('C2').map((f) => f.id)).toEqual([id]);
    const again = await fetch(url, { method: 'POST', body: 'late!' });
    expect(again.status).toBe(404);
    expect(standin.filesIn('C2')[0]?.bytes?.toString('utf8')).toBe('five!');
  });

  it('refuses a file id it never issued, or one whose bytes never came', async () => {
    expect(
      await errorOf(client.files.completeUploadExternal({ files: [{ id: 'F0NOSUCHFILE' }], channel_id: dm })),
    ).toBe('file_not_found');
    const { id } = await issue('empty.txt', 3);
    expect(await errorOf(client.files.completeUploadExternal({ files: [{ id }], channel_id: dm }))).toBe(
      'file_not_found',
    );
    const unknown = await fetch(`${standin.baseUrl}/upload/${'0'.repeat(32)}`, { method: 'POST', body: 'x' });
    expect(unknown.status).toBe(404);
  });

  it('refuses a conversation the bot cannot see, and shares nothing until a completion passes', async () => {
    const { url, id } = await issue('secret-room.txt', 2);
    await fetch(url, { method: 'POST', body: 'hi' });
    for (const channel of ['C1', 'C0NOWHERE']) {
      expect(
        await errorOf(client.files.completeUploadExternal({ files: [{ id }], channel_id: channel })),
      ).toBe('channel_not_found');
    }
    expect(await errorOf(client.files.completeUploadExternal({ files: [{ id }], channel_id: 'C3' }))).toBe(
      'not_in_channel',
    );
    expect(standin.files.find((f) => f.id === id)).toMatchObject({ completed: false, sharedIn: [] });
    await client.files.completeUploadExternal({ files: [{ id }] });
    expect(standin.files.find((f) => f.id === id)).toMatchObject({ completed: true, sharedIn: [] });
  });

  it('refuses missing or bad arguments', async () => {
    const call = (method: string, args: Record<string, unknown>) => client.apiCall(method, args);
    expect(await errorOf(call('files.getUploadURLExternal', { filename: 'a.txt' }))).toBe(
      'invalid_arguments',
    );
    expect(await errorOf(call('files.getUploadURLExternal', { filename: 'a.txt', length: 0 }))).toBe(
      'invalid_arguments',
    );
    expect(await errorOf(call('files.getUploadURLExternal', { length: 3 }))).toBe('invalid_arguments');
    expect(await errorOf(call('files.completeUploadExternal', { channel_id: dm }))).toBe('invalid_arguments');
    expect(await errorOf(call('files.completeUploadExternal', { files: '[{"title":"x"}]' }))).toBe(
      'invalid_arguments',
    );
  });
});
