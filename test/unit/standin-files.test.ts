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

  it("answers files.info as Slack does: a snippet's text in content, none for a binary file, only in its workspace", async () => {
    const snippet = standin.shareFile({
      channel: 'C2',
      user: 'U1',
      name: 'notes.env',
      content: 'A=1\nB=2\n',
    });
    expect(snippet).toMatchObject({
      name: 'notes.env',
      mode: 'snippet',
      filetype: 'text',
      size: 8,
      user: 'U1',
    });
    const info = await client.files.info({ file: String(snippet.id) });
    expect(info.content).toBe('A=1\nB=2\n');
    expect(info.is_truncated).toBe(false);
    expect(info.file).toMatchObject({ id: snippet.id, name: 'notes.env', mode: 'snippet', size: 8 });

    const image = standin.shareFile({
      channel: 'C2',
      user: 'U1',
      name: 'chart.png',
      content: Buffer.from([0x89, 0x50, 0x4e, 0x47]),
      filetype: 'png',
      mode: 'hosted',
      mimetype: 'image/png',
    });
    const binary = await client.files.info({ file: String(image.id) });
    expect(binary.content).toBeUndefined();
    expect(binary.file).toMatchObject({ mimetype: 'image/png', filetype: 'png', mode: 'hosted' });

    // Another workspace's file, an unknown one, and one never completed are not found; no id is invalid.
    const other = standin.addWorkspace({
      team: { id: 'T0OTHER', name: 'Other Co' },
      botToken: 'xoxb-other-0001',
    });
    other.addUser({ id: 'U2', name: 'olga' });
    const theirs = standin.shareFile({
      teamId: 'T0OTHER',
      channel: 'C9',
      user: 'U2',
      name: 'x.txt',
      content: 'x',
    });
    const { id: unfinished } = await issue('half.txt', 4);
    for (const file of [String(theirs.id), 'F0NOSUCHFILE', unfinished]) {
      expect(await errorOf(client.files.info({ file }))).toBe('file_not_found');
    }
    expect(await errorOf(client.apiCall('files.info', {}))).toBe('file_not_found');
    const theirClient = new WebClient('xoxb-other-0001', {
      slackApiUrl: standin.apiUrl,
      retryConfig: { retries: 0 },
    });
    expect((await theirClient.files.info({ file: String(theirs.id) })).content).toBe('x');
  });

  it('refuses files.info to a token granted without files:read (missing_scope)', async () => {
    standin.oauthApp({
      clientId: '1.2',
      clientSecret: 'client-secret-example',
      redirectUri: 'https://example.com/cb',
    });
    const narrow = standin.addWorkspace({ team: { id: 'T0NARROW', name: 'Narrow Co' } });
    narrow.addUser({ id: 'U3', name: 'nils', isAdmin: true });
    const file = standin.shareFile({
      teamId: 'T0NARROW',
      channel: 'C8',
      user: 'U3',
      name: 'a.txt',
      content: 'a',
    });
    const authorize = new URL(standin.authorizeUrl);
    for (const [k, v] of Object.entries({
      client_id: '1.2',
      scope: 'chat:write',
      team: 'T0NARROW',
      user: 'U3',
    })) {
      authorize.searchParams.set(k, v);
    }
    const redirect = await fetch(authorize, { redirect: 'manual' });
    const code = new URL(redirect.headers.get('location') ?? '').searchParams.get('code') ?? '';
    const granted = await client.oauth.v2.access({
      client_id: '1.2',
      client_secret: 'client-secret-example',
      code,
    });
    const narrowClient = new WebClient(String(granted.access_token), {
      slackApiUrl: standin.apiUrl,
      retryConfig: { retries: 0 },
    });
    expect(await errorOf(narrowClient.files.info({ file: String(file.id) }))).toBe('missing_scope');
  });
});
