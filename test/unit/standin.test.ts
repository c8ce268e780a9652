import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { App, LogLevel, verifySlackRequest } from '@slack/bolt';
import type { ActionsBlock, InputBlock, KnownBlock, ModalView, SectionBlock } from '@slack/types';
import { ErrorCode, type WebAPIPlatformError, WebClient } from '@slack/web-api';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { DeliveryResult, JsonObject, StandInOptions } from '../../src/standin/index.js';
import { buttonsOf, SlackStandIn, signSlackRequest } from '../../src/standin/index.js';
import { isJsonObject } from '../../src/standin/json.js';

const SIGNING_SECRET = 'test-signing-secret';
const TS_FORMAT = /^\d{10}\.\d{6}$/;

// ── helpers ──────────────────────────────────────────────────────────────────────────────────────────────────────

const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  // Apps first, then the stand-in (a Socket Mode client would otherwise try to reconnect).
  while (cleanups.length > 0) await cleanups.pop()?.();
});

/** A started stand-in with a small workspace; stopped after the test. */
async function startStandIn(options: Partial<StandInOptions> = {}): Promise<SlackStandIn> {
  const standin = new SlackStandIn({ signingSecret: SIGNING_SECRET, ...options });
  await standin.start();
  cleanups.push(() => standin.stop());
  standin.addUser({
    id: 'U1',
    name: 'ada',
    realName: 'Ada Lovelace',
    email: 'Ada@Example.com',
    isAdmin: true,
  });
  standin.addUser({ id: 'U2', name: 'bob', email: 'bob@example.com', tz: 'Europe/Paris' });
  standin.addUser({ id: 'U3', name: 'cy' });
  standin.addChannel({ id: 'C1', name: 'general', members: ['U1', 'U2', standin.botUserId] });
  standin.addChannel({ id: 'C2', name: 'random', members: ['U1', 'U2'] });
  standin.addChannel({ id: 'G1', name: 'secret', isPrivate: true, members: ['U1', 'U2'] });
  standin.addChannel({ id: 'D0PEOPLE', name: 'ada-bob', isIm: true, members: ['U1', 'U2'] });
  return standin;
}

const silentLogger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  setLevel: () => {},
  getLevel: () => LogLevel.ERROR,
  setName: () => {},
};

/** A real WebClient on the stand-in; `null` sends no token at all. */
function webClient(standin: SlackStandIn, token: string | null = standin.botToken): WebClient {
  return new WebClient(token ?? undefined, {
    slackApiUrl: standin.apiUrl,
    retryConfig: { retries: 0 },
    logger: silentLogger,
  });
}

function isPlatformError(error: unknown): error is WebAPIPlatformError {
  return error instanceof Error && 'code' in error && error.code === ErrorCode.PlatformError;
}

/** The Slack error code a Web API call fails with. */
async function slackError(call: Promise<unknown>): Promise<string> {
  try {
    await call;
  } catch (error) {
    if (isPlatformError(error)) return error.data.error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

interface ReceivedRequest {
  headers: IncomingHttpHeaders;
  body: string;
}

/** A bare HTTP "app" that records what it receives and answers with `answer`. */
async function startBareApp(
  answer: (request: ReceivedRequest) => { status?: number; body?: string | JsonObject } = () => ({}),
): Promise<{ url: string; requests: ReceivedRequest[] }> {
  const requests: ReceivedRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const request = { headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      requests.push(request);
      const { status = 200, body = '' } = answer(request);
      const text = typeof body === 'string' ? body : JSON.stringify(body);
      res.writeHead(status, typeof body === 'string' ? {} : { 'content-type': 'application/json' });
      res.end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  );
  return { url: `http://127.0.0.1:${portOf(server)}/slack/events`, requests };
}

/** The port a server listens on. */
function portOf(server: Server): number {
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('server is not listening on TCP');
  return address.port;
}

/** JSON text parsed, required to be an object. */
function parseObject(text: string): JsonObject {
  const value: unknown = JSON.parse(text);
  if (!isJsonObject(value)) throw new Error(`not a JSON object: ${text.slice(0, 100)}`);
  return value;
}

/** The JSON payload of an interactive delivery (form field `payload`). */
function interactivePayload(request: ReceivedRequest | undefined): JsonObject {
  const payload = new URLSearchParams(request?.body ?? '').get('payload');
  if (payload === null) throw new Error('no payload field');
  return parseObject(payload);
}

async function postJson(url: string, body: unknown): Promise<{ status: number; json: unknown }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

const section = (text: string): SectionBlock => ({ type: 'section', text: { type: 'mrkdwn', text } });

const decideBlock: ActionsBlock = {
  type: 'actions',
  block_id: 'decide',
  elements: [
    {
      type: 'button',
      action_id: 'approve',
      text: { type: 'plain_text', text: 'Approve' },
      value: 'inv-1',
      style: 'primary',
    },
    {
      type: 'button',
      action_id: 'deny',
      text: { type: 'plain_text', text: 'Deny' },
      value: 'inv-1',
      confirm: {
        title: { type: 'plain_text', text: 'Sure?' },
        text: { type: 'plain_text', text: 'Deny it' },
        confirm: { type: 'plain_text', text: 'Deny' },
        deny: { type: 'plain_text', text: 'Back' },
      },
    },
  ],
};

const approveBlocks: KnownBlock[] = [section('Request from <@U2>'), decideBlock];

function modal(blocks: KnownBlock[], extra: Partial<ModalView> = {}): ModalView {
  return {
    type: 'modal',
    callback_id: 'rename',
    title: { type: 'plain_text', text: 'Rename' },
    submit: { type: 'plain_text', text: 'Save' },
    blocks,
    ...extra,
  };
}

const nameInput: InputBlock = {
  type: 'input',
  block_id: 'name',
  label: { type: 'plain_text', text: 'Name' },
  element: { type: 'plain_text_input', action_id: 'value' },
};

// ── signing ──────────────────────────────────────────────────────────────────────────────────────────────────────

describe('signSlackRequest', () => {
  it('produces a signature that Bolt verifies, and that breaks with the body, the secret or an old timestamp', () => {
    const body = 'command=%2Forg&text=members';
    const headers = signSlackRequest(SIGNING_SECRET, body);
    expect(headers['x-slack-signature']).toMatch(/^v0=[0-9a-f]{64}$/);
    const asBolt = (h: typeof headers) => ({
      'x-slack-signature': h['x-slack-signature'],
      'x-slack-request-timestamp': Number(h['x-slack-request-timestamp']),
    });
    expect(() =>
      verifySlackRequest({ signingSecret: SIGNING_SECRET, body, headers: asBolt(headers) }),
    ).not.toThrow();
    expect(() =>
      verifySlackRequest({ signingSecret: SIGNING_SECRET, body: `${body}x`, headers: asBolt(headers) }),
    ).toThrow();
    expect(() => verifySlackRequest({ signingSecret: 'other', body, headers: asBolt(headers) })).toThrow();
    const old = signSlackRequest(SIGNING_SECRET, body, Math.floor(Date.now() / 1000) - 6 * 60);
    expect(() => verifySlackRequest({ signingSecret: SIGNING_SECRET, body, headers: asBolt(old) })).toThrow(
      /stale|old|timestamp/i,
    );
  });

  it('signs the basestring v0:<ts>:<body> (fixed vector)', () => {
    const headers = signSlackRequest('8f742231b10e8888abcd99yyyzzz85a5', 'token=x', 1531420618);
    expect(headers['x-slack-request-timestamp']).toBe('1531420618');
    const again = signSlackRequest('8f742231b10e8888abcd99yyyzzz85a5', 'token=x', 1531420618);
    expect(again['x-slack-signature']).toBe(headers['x-slack-signature']);
    expect(
      signSlackRequest('8f742231b10e8888abcd99yyyzzz85a5', 'token=y', 1531420618)['x-slack-signature'],
    ).not.toBe(headers['x-slack-signature']);
  });
});

// ── Web API ──────────────────────────────────────────────────────────────────────────────────────────────────────

describe('Web API', () => {
  it('answers auth.test for the bot and checks tokens', async () => {
    const standin = await startStandIn({ botUserId: 'U0ORGBOT', botId: 'B0ORGBOT' });
    const auth = await webClient(standin).auth.test();
    expect(auth).toMatchObject({
      ok: true,
      user_id: 'U0ORGBOT',
      bot_id: 'B0ORGBOT',
      team_id: 'T0STANDIN',
      team: 'Stand-in Workspace',
      is_enterprise_install: false,
    });
    expect(auth.url).toMatch(/^https:\/\/.+\.slack\.com\/$/);
    expect(await slackError(webClient(standin, 'xoxb-wrong').auth.test())).toBe('invalid_auth');
    expect(await slackError(webClient(standin, null).auth.test())).toBe('not_authed');
    expect(await slackError(webClient(standin, standin.appToken).auth.test())).toBe('not_allowed_token_type');
    expect(await slackError(webClient(standin).apiCall('nope.nothing'))).toBe('unknown_method');
    expect(standin.callsTo('auth.test').map((c) => c.ok)).toEqual([true, false, false, false]);
    expect(standin.calls.every((c) => !('token' in c.args))).toBe(true);
  });

  it('accepts a JSON body with the token in the body', async () => {
    const standin = await startStandIn();
    const res = await postJson(`${standin.apiUrl}users.info`, { token: standin.botToken, user: 'U2' });
    expect(res.json).toMatchObject({ ok: true, user: { id: 'U2', name: 'bob' } });
    const bad = await postJson(`${standin.apiUrl}users.info`, ['not', 'an', 'object']);
    expect(bad).toEqual({ status: 200, json: expect.objectContaining({ ok: false, error: 'invalid_json' }) });
    expect(standin.apiErrors.map((e) => e.error)).toEqual(['invalid_json']);
  });

  it('describes users like users.info and finds them by email regardless of case', async () => {
    const standin = await startStandIn();
    const client = webClient(standin);
    const { user } = await client.users.info({ user: 'U1' });
    expect(user).toMatchObject({
      id: 'U1',
      name: 'ada',
      team_id: 'T0STANDIN',
      is_admin: true,
      is_owner: false,
      is_bot: false,
      deleted: false,
      tz: 'America/Los_Angeles',
      profile: { email: 'Ada@Example.com', real_name: 'Ada Lovelace', display_name: 'ada' },
    });
    expect((await client.users.info({ user: 'U2' })).user?.tz_offset).toBeOneOf([3600, 7200]);
    expect((await client.users.lookupByEmail({ email: 'ada@EXAMPLE.com' })).user?.id).toBe('U1');
    expect(await slackError(client.users.lookupByEmail({ email: 'nobody@example.com' }))).toBe(
      'users_not_found',
    );
    expect(await slackError(client.users.info({ user: 'U404' }))).toBe('user_not_found');
    expect((await client.team.info()).team).toMatchObject({ id: 'T0STANDIN', name: 'Stand-in Workspace' });
  });

  it('models users of another workspace and deactivated accounts as Slack answers for them', async () => {
    const standin = await startStandIn();
    const client = webClient(standin);
    standin.addUser({ id: 'U0PARTNER', name: 'pat', email: 'pat@example.com', teamId: 'T0PARTNER' });
    const { user } = await client.users.info({ user: 'U0PARTNER' });
    expect(user).toMatchObject({
      team_id: 'T0PARTNER',
      profile: { team: 'T0PARTNER', email: 'pat@example.com' },
    });
    // users.lookupByEmail searches this workspace only.
    expect(await slackError(client.users.lookupByEmail({ email: 'pat@example.com' }))).toBe(
      'users_not_found',
    );
    await standin.changeUser('U2', { deleted: true }, false);
    expect((await client.users.info({ user: 'U2' })).user?.deleted).toBe(true);
    expect(await slackError(client.chat.postMessage({ channel: 'U2', text: 'hello' }))).toBe('user_disabled');
  });

  it('posts messages with increasing Slack timestamps, to channels and to users’ DMs', async () => {
    const standin = await startStandIn();
    const client = webClient(standin);
    const first = await client.chat.postMessage({ channel: 'C1', text: 'hello', blocks: approveBlocks });
    const second = await client.chat.postMessage({ channel: 'U2', text: 'psst' });
    expect(first.ts).toMatch(TS_FORMAT);
    expect(Number(second.ts)).toBeGreaterThan(Number(first.ts));
    expect(first.message).toMatchObject({
      type: 'message',
      text: 'hello',
      user: standin.botUserId,
      bot_id: standin.botId,
    });
    const im = await client.conversations.open({ users: 'U2' });
    expect(im.channel?.id).toBe(second.channel);
    expect(second.channel).toMatch(/^D/);
    expect(standin.imChannelOf('U2')).toBe(second.channel);

    // Recorded with blocks decoded (the WebClient sends them as a JSON string in a form) and block ids filled in.
    const call = standin.callsTo('chat.postMessage')[0];
    expect(Array.isArray(call?.args.blocks)).toBe(true);
    const recorded = standin.messagesIn('C1')[0];
    expect(recorded?.blocks).toHaveLength(2);
    expect(recorded?.blocks[0]?.block_id).toEqual(expect.any(String));
    expect(recorded?.blocks[1]?.block_id).toBe('decide');
    expect(standin.lastMessage()?.text).toBe('psst');
  });

  it('refuses to post where Slack would', async () => {
    const standin = await startStandIn();
    const client = webClient(standin);
    expect(await slackError(client.chat.postMessage({ channel: 'C404', text: 'x' }))).toBe(
      'channel_not_found',
    );
    expect(await slackError(client.chat.postMessage({ channel: 'C2', text: 'x' }))).toBe('not_in_channel');
    expect(await slackError(client.chat.postMessage({ channel: 'G1', text: 'x' }))).toBe('channel_not_found');
    expect(await slackError(client.chat.postMessage({ channel: 'D0PEOPLE', text: 'x' }))).toBe(
      'channel_not_found',
    );
    expect(await slackError(client.apiCall('chat.postMessage', { channel: 'C1' }))).toBe('no_text');
    expect(standin.messages).toHaveLength(0);
  });

  it('updates and deletes messages, keeping the history', async () => {
    const standin = await startStandIn();
    const client = webClient(standin);
    const posted = await client.chat.postMessage({ channel: 'C1', text: 'v1' });
    const ts = posted.ts ?? '';
    const updated = await client.chat.update({ channel: 'C1', ts, text: 'v2', blocks: [section('v2')] });
    expect(updated).toMatchObject({ ok: true, channel: 'C1', ts, text: 'v2' });
    const message = standin.findMessage('C1', ts);
    expect(message?.history.map((v) => [v.text, v.via])).toEqual([
      ['v1', 'chat.postMessage'],
      ['v2', 'chat.update'],
    ]);
    expect(await slackError(client.chat.update({ channel: 'C1', ts: '1.000001', text: 'x' }))).toBe(
      'message_not_found',
    );
    await client.chat.delete({ channel: 'C1', ts });
    expect(message?.deleted).toBe(true);
    expect(standin.findMessage('C1', ts)).toBeUndefined();
    expect(await slackError(client.chat.delete({ channel: 'C1', ts }))).toBe('message_not_found');
  });

  it('shows ephemerals only where the bot and the user both are', async () => {
    const standin = await startStandIn();
    const client = webClient(standin);
    // A DM between two people: the bot is not part of it, so Slack answers channel_not_found.
    expect(await slackError(client.chat.postEphemeral({ channel: 'D0PEOPLE', user: 'U1', text: 'x' }))).toBe(
      'channel_not_found',
    );
    expect(await slackError(client.chat.postEphemeral({ channel: 'C2', user: 'U1', text: 'x' }))).toBe(
      'channel_not_found',
    );
    expect(await slackError(client.chat.postEphemeral({ channel: 'C1', user: 'U3', text: 'x' }))).toBe(
      'user_not_in_channel',
    );
    const res = await client.chat.postEphemeral({ channel: 'C1', user: 'U1', text: 'only you' });
    expect(res.message_ts).toMatch(TS_FORMAT);
    expect(standin.lastEphemeral('U1')).toMatchObject({
      channel: 'C1',
      user: 'U1',
      text: 'only you',
      via: 'chat.postEphemeral',
      ts: res.message_ts,
    });
    expect(standin.ephemerals).toHaveLength(1);
  });

  it('enforces Block Kit limits and records the refusals', async () => {
    const standin = await startStandIn();
    const client = webClient(standin);
    const many = (n: number) => Array.from({ length: n }, (_, i) => section(`line ${i}`));
    await client.chat.postMessage({ channel: 'C1', text: 'fifty', blocks: many(50) });
    expect(standin.apiErrors).toHaveLength(0);

    expect(
      await slackError(client.chat.postMessage({ channel: 'C1', text: 'too many', blocks: many(51) })),
    ).toBe('invalid_blocks');
    expect(
      await slackError(
        client.chat.postMessage({ channel: 'C1', text: 'long', blocks: [section('x'.repeat(3001))] }),
      ),
    ).toBe('invalid_blocks');
    expect(standin.apiErrors.map((e) => e.error)).toEqual(['invalid_blocks', 'invalid_blocks']);
    expect(standin.apiErrors[0]?.messages.join()).toContain('json-pointer:/blocks');
    expect(standin.apiErrors[1]?.messages.join()).toContain('/blocks/0/text/text');
    expect(standin.messages).toHaveLength(1);

    // Home tab: 100 blocks pass, 101 do not; private_metadata is capped at 3000 characters.
    await client.views.publish({ user_id: 'U1', view: { type: 'home', blocks: many(100) } });
    expect(
      await slackError(
        client.apiCall('views.publish', { user_id: 'U1', view: { type: 'home', blocks: many(101) } }),
      ),
    ).toBe('invalid_arguments');
    expect(
      await slackError(
        client.apiCall('views.publish', {
          user_id: 'U1',
          view: { type: 'home', blocks: many(1), private_metadata: 'x'.repeat(3001) },
        }),
      ),
    ).toBe('invalid_arguments');
    expect(standin.apiErrors.map((e) => e.method)).toEqual([
      'chat.postMessage',
      'chat.postMessage',
      'views.publish',
      'views.publish',
    ]);
  });

  it('publishes one Home tab per user and checks hashes', async () => {
    const standin = await startStandIn();
    const client = webClient(standin);
    const first = await client.views.publish({
      user_id: 'U1',
      view: { type: 'home', blocks: [section('one')] },
    });
    const second = await client.views.publish({
      user_id: 'U1',
      hash: first.view?.hash ?? '',
      view: { type: 'home', blocks: [section('two')] },
    });
    expect(second.view?.id).toBe(first.view?.id);
    expect(second.view?.hash).not.toBe(first.view?.hash);
    expect(
      await slackError(
        client.views.publish({
          user_id: 'U1',
          hash: first.view?.hash ?? '',
          view: { type: 'home', blocks: [section('3')] },
        }),
      ),
    ).toBe('hash_conflict');
    expect(await slackError(client.apiCall('views.publish', { view: { type: 'home', blocks: [] } }))).toBe(
      'invalid_arguments',
    );
    expect(standin.homeView('U1')?.view.blocks).toEqual([
      expect.objectContaining({ text: { type: 'mrkdwn', text: 'two' } }),
    ]);
    expect(standin.homeView('U1')?.history).toHaveLength(1);
  });

  it('opens a Socket Mode URL with the app token only', async () => {
    const standin = await startStandIn();
    const res = await webClient(standin, standin.appToken).apps.connections.open();
    expect(res.url).toMatch(new RegExp(`^ws://127\\.0\\.0\\.1:${standin.port}/socket\\?ticket=`));
    expect(await slackError(webClient(standin).apps.connections.open())).toBe('not_allowed_token_type');
  });
});

// ── delivering to an app (a bare HTTP server) ───────────────────────────────────────────────────────────────────

describe('HTTP delivery', () => {
  it('sends a signed, form-encoded slash command with Slack’s fields and returns the ack', async () => {
    const standin = await startStandIn();
    const app = await startBareApp(() => ({ body: '' }));
    standin.deliverTo({ kind: 'http', url: app.url });
    const result = await standin.command('U1', 'members 2');
    expect(result).toMatchObject({ status: 200, body: '' });
    const request = app.requests[0];
    expect(request?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    const signature = String(request?.headers['x-slack-signature']);
    const timestamp = Number(request?.headers['x-slack-request-timestamp']);
    const body = request?.body ?? '';
    verifySlackRequest({
      signingSecret: SIGNING_SECRET,
      body,
      headers: { 'x-slack-signature': signature, 'x-slack-request-timestamp': timestamp },
    });

    const fields = Object.fromEntries(new URLSearchParams(body));
    expect(fields).toMatchObject({
      team_id: 'T0STANDIN',
      channel_id: standin.imChannelOf('U1'),
      channel_name: 'directmessage',
      user_id: 'U1',
      user_name: 'ada',
      command: '/org',
      text: 'members 2',
      api_app_id: standin.appId,
      is_enterprise_install: 'false',
    });
    expect(fields).not.toHaveProperty('enterprise_id');
    expect(fields.response_url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${standin.port}/response/`));
    expect(fields.trigger_id).toMatch(/^\d+\.\d+\.[0-9a-f]+$/);
    expect(standin.lastCommand?.responseUrl).toBe(fields.response_url);
    expect(standin.deliveries[0]?.result?.status).toBe(200);
  });

  it('applies overrides: a wrong signature, an old timestamp and retry headers', async () => {
    const standin = await startStandIn();
    const app = await startBareApp();
    standin.deliverTo({ kind: 'http', url: app.url });
    await standin.command('U1', 'x', {
      signingSecret: 'wrong',
      timestampSeconds: 1_000_000_000,
      retryNum: 2,
      headers: { 'X-Extra': 'yes' },
    });
    const request = app.requests[0];
    expect(request?.headers['x-slack-request-timestamp']).toBe('1000000000');
    expect(request?.headers['x-slack-retry-num']).toBe('2');
    expect(request?.headers['x-extra']).toBe('yes');
    const headers = {
      'x-slack-signature': String(request?.headers['x-slack-signature']),
      'x-slack-request-timestamp': Date.now() / 1000,
    };
    expect(() =>
      verifySlackRequest({ signingSecret: SIGNING_SECRET, body: request?.body ?? '', headers }),
    ).toThrow();
  });

  it('shows a slash command’s ack body as Slack does', async () => {
    const standin = await startStandIn();
    let ack: string | JsonObject = 'plain text answer';
    const app = await startBareApp(() => ({ body: ack }));
    standin.deliverTo({ kind: 'http', url: app.url });
    await standin.command('U1', 'a', { channelId: 'C1' });
    expect(standin.lastEphemeral('U1')).toMatchObject({
      text: 'plain text answer',
      via: 'ack',
      channel: 'C1',
    });
    ack = { response_type: 'in_channel', text: 'for everyone' };
    await standin.command('U1', 'b', { channelId: 'C1' });
    expect(standin.lastMessage('C1')).toMatchObject({ text: 'for everyone', via: 'ack' });
  });

  it('sends user_change with the user as users.info shows them', async () => {
    const standin = await startStandIn();
    const app = await startBareApp();
    standin.deliverTo({ kind: 'http', url: app.url });
    await standin.changeUser('U2', { deleted: true });
    const body = parseObject(app.requests[0]?.body ?? '{}');
    expect(body).toMatchObject({
      type: 'event_callback',
      event: { type: 'user_change', user: { id: 'U2', team_id: 'T0STANDIN', deleted: true } },
    });
  });

  it('sends Events API callbacks as signed JSON', async () => {
    const standin = await startStandIn();
    const app = await startBareApp();
    standin.deliverTo({ kind: 'http', url: app.url });
    await standin.appHomeOpened('U2');
    const request = app.requests[0];
    expect(request?.headers['content-type']).toBe('application/json');
    const body = parseObject(request?.body ?? '{}');
    expect(body).toMatchObject({
      type: 'event_callback',
      team_id: 'T0STANDIN',
      api_app_id: standin.appId,
      event: { type: 'app_home_opened', user: 'U2', channel: standin.imChannelOf('U2'), tab: 'home' },
      authorizations: [{ team_id: 'T0STANDIN', user_id: standin.botUserId, is_bot: true }],
    });
    expect(body.event_id).toMatch(/^Ev/);
    expect(typeof body.event_time).toBe('number');
  });

  it('replays an event as Slack retries it: same event_id, with retry headers', async () => {
    const standin = await startStandIn();
    const app = await startBareApp();
    standin.deliverTo({ kind: 'http', url: app.url });
    await standin.event({ type: 'app_home_opened', user: 'U1', tab: 'home' });
    const first = standin.deliveries[0];
    if (!first) throw new Error('no delivery');
    await standin.redeliver(first, { retryNum: 1, retryReason: 'http_timeout' });
    const [original, retry] = app.requests.map((r) => parseObject(r.body));
    expect(retry?.event_id).toBe(original?.event_id);
    expect(app.requests[1]?.headers['x-slack-retry-num']).toBe('1');
    expect(app.requests[1]?.headers['x-slack-retry-reason']).toBe('http_timeout');
    expect(app.requests[0]?.headers).not.toHaveProperty('x-slack-retry-num');
  });

  it('rejects a delivery without a target, and says so', async () => {
    const standin = await startStandIn();
    await expect(standin.command('U1', 'x')).rejects.toThrow(/deliverTo/);
  });
});

describe('trigger ids', () => {
  it('open one view, once, within 3 seconds', async () => {
    let nowMs = Date.now();
    const standin = await startStandIn({ now: () => nowMs });
    const app = await startBareApp();
    standin.deliverTo({ kind: 'http', url: app.url });
    const client = webClient(standin);
    const view = modal([nameInput]);

    await standin.command('U1', 'rename');
    const trigger = standin.lastCommand?.triggerId ?? '';
    const opened = await client.views.open({ trigger_id: trigger, view });
    expect(opened.view).toMatchObject({ type: 'modal', callback_id: 'rename', state: { values: {} } });
    expect(opened.view?.id).toMatch(/^V/);
    expect(opened.view?.root_view_id).toBe(opened.view?.id);
    expect(standin.openView('U1')?.id).toBe(opened.view?.id);
    expect(await slackError(client.views.open({ trigger_id: trigger, view }))).toBe('expired_trigger_id');
    expect(await slackError(client.views.open({ trigger_id: '123.456.abc', view }))).toBe(
      'invalid_trigger_id',
    );

    await standin.command('U1', 'rename');
    nowMs += 3000;
    expect(
      await slackError(client.views.open({ trigger_id: standin.lastCommand?.triggerId ?? '', view })),
    ).toBe('expired_trigger_id');
  });
});

describe('response_url', () => {
  it('takes 5 posts, then answers 404 used_url; and expires after 30 minutes', async () => {
    let nowMs = Date.now();
    const standin = await startStandIn({ now: () => nowMs });
    const app = await startBareApp();
    standin.deliverTo({ kind: 'http', url: app.url });
    await standin.command('U1', 'x', { channelId: 'C1' });
    const url = standin.lastCommand?.responseUrl ?? '';
    for (let i = 1; i <= 5; i += 1) {
      expect(await postJson(url, { text: `reply ${i}` })).toEqual({ status: 200, json: { ok: true } });
    }
    expect(await postJson(url, { text: 'sixth' })).toEqual({
      status: 404,
      json: { ok: false, error: 'used_url' },
    });
    expect(standin.ephemerals.map((e) => e.text)).toEqual([
      'reply 1',
      'reply 2',
      'reply 3',
      'reply 4',
      'reply 5',
    ]);
    expect(standin.lastEphemeral('U1')).toMatchObject({ via: 'response_url', channel: 'C1' });

    await standin.command('U1', 'y', { channelId: 'C1' });
    nowMs += 30 * 60 * 1000;
    expect(await postJson(standin.lastCommand?.responseUrl ?? '', { text: 'late' })).toEqual({
      status: 404,
      json: { ok: false, error: 'expired_url' },
    });
  });

  it('posts in_channel messages, even where the bot is not a member, and refuses bad blocks', async () => {
    const standin = await startStandIn();
    const app = await startBareApp();
    standin.deliverTo({ kind: 'http', url: app.url });
    await standin.command('U1', 'x', { channelId: 'D0PEOPLE' });
    const url = standin.lastCommand?.responseUrl ?? '';
    expect((await postJson(url, { response_type: 'in_channel', text: 'hi both' })).status).toBe(200);
    expect(standin.lastMessage('D0PEOPLE')).toMatchObject({ text: 'hi both', via: 'response_url' });
    const tooMany = Array.from({ length: 51 }, () => section('x'));
    expect(await postJson(url, { text: 'x', blocks: tooMany })).toMatchObject({
      status: 400,
      json: { error: 'invalid_blocks' },
    });
  });

  it('replaces the message a button was clicked on, and deletes an ephemeral', async () => {
    const standin = await startStandIn();
    const app = await startBareApp();
    standin.deliverTo({ kind: 'http', url: app.url });
    const client = webClient(standin);
    const posted = await client.chat.postMessage({ channel: 'C1', text: 'request', blocks: approveBlocks });
    const message = standin.findMessage('C1', posted.ts ?? '');
    const [approve] = buttonsOf(message?.blocks ?? []);
    if (!approve) throw new Error('no button');
    await standin.blockAction('U1', approve, { channelId: 'C1', messageTs: posted.ts ?? '' });
    const payload = interactivePayload(app.requests[0]);
    const replaced = await postJson(String(payload.response_url), {
      replace_original: true,
      text: 'Approved by <@U1>',
    });
    expect(replaced.status).toBe(200);
    expect(message?.text).toBe('Approved by <@U1>');
    expect(message?.history.map((h) => h.via)).toEqual(['chat.postMessage', 'response_url']);

    const eph = await client.chat.postEphemeral({
      channel: 'C1',
      user: 'U2',
      text: 'choose',
      blocks: [
        {
          type: 'actions',
          elements: [{ type: 'button', action_id: 'ok', text: { type: 'plain_text', text: 'OK' } }],
        },
      ],
    });
    await expect(
      standin.blockAction('U1', { actionId: 'ok' }, { channelId: 'C1', messageTs: eph.message_ts ?? '' }),
    ).rejects.toThrow(/shown to U2/);
    await standin.blockAction('U2', { actionId: 'ok' }, { channelId: 'C1', messageTs: eph.message_ts ?? '' });
    const ephPayload = interactivePayload(app.requests[1]);
    expect(ephPayload.container).toEqual({
      type: 'message',
      message_ts: eph.message_ts,
      channel_id: 'C1',
      is_ephemeral: true,
    });
    expect(ephPayload).not.toHaveProperty('message');
    expect((await postJson(String(ephPayload.response_url), { delete_original: true })).status).toBe(200);
    expect(standin.visibleEphemerals('U2')).toEqual([]);
    expect(standin.lastEphemeral('U2')).toMatchObject({ deleteOriginal: true, ts: eph.message_ts });
  });
});

describe('block_actions', () => {
  it('builds Slack’s payload for a message click and refuses elements that are not there', async () => {
    const standin = await startStandIn();
    const app = await startBareApp();
    standin.deliverTo({ kind: 'http', url: app.url });
    const posted = await webClient(standin).chat.postMessage({
      channel: 'C1',
      text: 'request',
      blocks: approveBlocks,
    });
    await standin.blockAction('U2', { actionId: 'approve' }, { channelId: 'C1', messageTs: posted.ts ?? '' });
    const payload = interactivePayload(app.requests[0]);
    expect(payload).toMatchObject({
      type: 'block_actions',
      user: { id: 'U2', username: 'bob', name: 'bob', team_id: 'T0STANDIN' },
      api_app_id: standin.appId,
      team: { id: 'T0STANDIN' },
      container: { type: 'message', message_ts: posted.ts, channel_id: 'C1', is_ephemeral: false },
      channel: { id: 'C1', name: 'general' },
      message: { ts: posted.ts, text: 'request' },
      actions: [
        {
          type: 'button',
          action_id: 'approve',
          block_id: 'decide',
          value: 'inv-1',
          text: { type: 'plain_text', text: 'Approve' },
        },
      ],
    });
    expect(payload.actions).toEqual([
      expect.objectContaining({ action_ts: expect.stringMatching(TS_FORMAT) }),
    ]);
    expect(payload.trigger_id).toMatch(/^\d+\.\d+\.[0-9a-f]+$/);
    await expect(
      standin.blockAction('U2', { actionId: 'missing' }, { channelId: 'C1', messageTs: posted.ts ?? '' }),
    ).rejects.toThrow(/no interactive element with action_id "missing"/);
    await expect(
      standin.blockAction(
        'U2',
        { actionId: 'approve', value: 'forged' },
        { channelId: 'C1', messageTs: posted.ts ?? '' },
      ),
    ).rejects.toThrow(/value/);
    expect(app.requests).toHaveLength(1);
  });

  it('lists interactive elements in display order with their options and confirm dialogs', () => {
    const blocks = [
      ...approveBlocks,
      {
        type: 'section',
        block_id: 'row',
        text: { type: 'mrkdwn', text: 'Ada' },
        accessory: {
          type: 'static_select',
          action_id: 'role',
          options: [
            { text: { type: 'plain_text', text: 'Admin' }, value: 'admin' },
            { text: { type: 'plain_text', text: 'Member' }, value: 'member' },
          ],
        },
      },
      {
        type: 'section',
        block_id: 'more',
        text: { type: 'mrkdwn', text: 'More' },
        accessory: {
          type: 'overflow',
          action_id: 'menu',
          options: [{ text: { type: 'plain_text', text: 'Rotate' }, value: 'rotate' }],
        },
      },
      nameInput,
    ];
    const elements = buttonsOf(blocks);
    expect(
      elements.map((e) => [e.index, e.type, e.actionId, e.text, e.value ?? e.selectedOption?.value]),
    ).toEqual([
      [1, 'button', 'approve', 'Approve', 'inv-1'],
      [2, 'button', 'deny', 'Deny', 'inv-1'],
      [3, 'static_select', 'role', 'Admin', 'admin'],
      [4, 'static_select', 'role', 'Member', 'member'],
      [5, 'overflow', 'menu', 'Rotate', 'rotate'],
    ]);
    expect(elements[1]?.confirm).toMatchObject({ title: { text: 'Sure?' } });
    expect(elements[0]?.style).toBe('primary');
  });
});

describe('views and view_submission', () => {
  async function openModal(standin: SlackStandIn, view: ModalView): Promise<string> {
    await standin.command('U1', 'open');
    const res = await webClient(standin).views.open({
      trigger_id: standin.lastCommand?.triggerId ?? '',
      view,
    });
    return res.view?.id ?? '';
  }

  it('sends the state values, keeps the modal open on errors and closes it on an empty ack', async () => {
    const standin = await startStandIn();
    let ack: JsonObject | string = { response_action: 'errors', errors: { name: 'Too short' } };
    const app = await startBareApp(() => ({ body: ack }));
    standin.deliverTo({ kind: 'http', url: app.url });
    const viewId = await openModal(standin, modal([nameInput], { private_metadata: 'org-1' }));

    await expect(standin.viewSubmission('U1', viewId, {})).rejects.toThrow(/required input "name"/);
    const result = await standin.viewSubmission('U1', viewId, {
      name: { value: { type: 'plain_text_input', value: 'A' } },
    });
    expect(result.json).toEqual({ response_action: 'errors', errors: { name: 'Too short' } });
    const payload = interactivePayload(app.requests.at(-1));
    expect(payload).toMatchObject({
      type: 'view_submission',
      user: { id: 'U1' },
      response_urls: [],
      view: {
        id: viewId,
        callback_id: 'rename',
        private_metadata: 'org-1',
        state: { values: { name: { value: { type: 'plain_text_input', value: 'A' } } } },
      },
    });
    expect(payload.view).toMatchObject({ hash: expect.stringMatching(/^\d+\.\w+$/) });
    expect(standin.openView('U1')?.id).toBe(viewId);

    ack = '';
    await standin.viewSubmission('U1', viewId, {
      name: { value: { type: 'plain_text_input', value: 'Orbit' } },
    });
    expect(standin.views.get(viewId)?.state).toBe('closed');
    expect(standin.openView('U1')).toBeUndefined();
  });

  it('applies update and push acks, and enforces the stack limit and hashes', async () => {
    const standin = await startStandIn();
    let ack: JsonObject = {
      response_action: 'update',
      view: modal([section('Saved')], { submit: undefined }),
    };
    const app = await startBareApp(() => ({ body: ack }));
    standin.deliverTo({ kind: 'http', url: app.url });
    const client = webClient(standin);
    const viewId = await openModal(standin, modal([nameInput]));
    const before = standin.views.get(viewId)?.view.hash;
    await standin.viewSubmission('U1', viewId, { name: { value: { type: 'plain_text_input', value: 'x' } } });
    const updated = standin.views.get(viewId);
    expect(updated?.state).toBe('open');
    expect(updated?.view.hash).not.toBe(before);
    expect(updated?.history).toHaveLength(1);
    expect(
      await slackError(
        client.views.update({ view_id: viewId, hash: String(before), view: modal([section('z')]) }),
      ),
    ).toBe('hash_conflict');

    ack = { response_action: 'push', view: modal([nameInput]) };
    await standin.viewSubmission('U1', viewId, {});
    const pushed = standin.openView('U1');
    expect(pushed?.id).not.toBe(viewId);
    expect(pushed?.view).toMatchObject({ root_view_id: viewId, previous_view_id: viewId });

    // Two views are stacked; a third is allowed, a fourth is not.
    await standin.command('U1', 'x');
    await client.views.push({
      trigger_id: standin.lastCommand?.triggerId ?? '',
      view: modal([section('third')]),
    });
    await standin.command('U1', 'x');
    expect(
      await slackError(
        client.views.push({ trigger_id: standin.lastCommand?.triggerId ?? '', view: modal([section('4')]) }),
      ),
    ).toBe('push_limit_reached');

    ack = { response_action: 'clear' };
    await standin.viewSubmission('U1', standin.openView('U1')?.id ?? '', {});
    expect(standin.openView('U1')).toBeUndefined();
    expect([...standin.views.values()].every((v) => v.state === 'closed')).toBe(true);
    expect(await slackError(client.views.update({ view_id: viewId, view: modal([section('late')]) }))).toBe(
      'not_found',
    );
  });

  it('closes a modal the user cancels and tells the app when it asked to be notified', async () => {
    const standin = await startStandIn();
    const app = await startBareApp();
    standin.deliverTo({ kind: 'http', url: app.url });
    const quiet = await openModal(standin, modal([nameInput]));
    expect(await standin.viewClosed('U1', quiet)).toBeUndefined();
    expect(standin.views.get(quiet)?.state).toBe('closed');
    const requestsBefore = app.requests.length;

    const noisy = await openModal(standin, modal([nameInput], { notify_on_close: true }));
    expect((await standin.viewClosed('U1', noisy))?.status).toBe(200);
    expect(app.requests).toHaveLength(requestsBefore + 2);
    expect(interactivePayload(app.requests.at(-1))).toMatchObject({
      type: 'view_closed',
      user: { id: 'U1' },
      is_cleared: false,
      view: { id: noisy },
    });
    expect(standin.openView('U1')).toBeUndefined();
  });

  it('records an invalid update ack as an API error and leaves the modal as it was', async () => {
    const standin = await startStandIn();
    const app = await startBareApp(() => ({
      body: { response_action: 'update', view: modal(Array.from({ length: 101 }, () => section('x'))) },
    }));
    standin.deliverTo({ kind: 'http', url: app.url });
    const viewId = await openModal(standin, modal([nameInput]));
    await standin.viewSubmission('U1', viewId, { name: { value: { type: 'plain_text_input', value: 'x' } } });
    expect(standin.apiErrors).toMatchObject([{ method: 'view_submission.ack', error: 'invalid_arguments' }]);
    expect(standin.views.get(viewId)?.history).toHaveLength(0);
  });
});

describe('recording and waiting', () => {
  it('notifies record listeners as things happen and resolves waitFor', async () => {
    const standin = await startStandIn();
    const kinds: string[] = [];
    const listener = (record: { kind: string }) => kinds.push(record.kind);
    standin.on('record', listener);
    const waiting = standin.waitFor(() => standin.lastMessage('C1'));
    await webClient(standin).chat.postMessage({ channel: 'C1', text: 'hi' });
    expect((await waiting).text).toBe('hi');
    expect(kinds).toEqual(['message', 'call']);
    standin.off('record', listener);
    await webClient(standin).chat.postMessage({ channel: 'C1', text: 'again' });
    expect(kinds).toHaveLength(2);
  });

  it('rejects waitFor on timeout with an error naming what was awaited', async () => {
    const standin = await startStandIn();
    await expect(
      standin.waitFor(() => standin.lastEphemeral('U3'), 50, 'an ephemeral for U3'),
    ).rejects.toThrow(/timed out after 50 ms waiting for an ephemeral for U3/);
    await expect(standin.waitFor(() => standin.openView('U3'), 30)).rejects.toThrow(
      /standin\.openView\("U3"\)/,
    );
  });

  it('stops promptly even with keep-alive connections open', async () => {
    const standin = new SlackStandIn({ signingSecret: SIGNING_SECRET });
    await standin.start();
    const res = await fetch(`${standin.apiUrl}auth.test`, {
      method: 'POST',
      headers: { authorization: `Bearer ${standin.botToken}` },
    });
    expect(await res.json()).toMatchObject({ ok: true });
    const started = Date.now();
    await standin.stop();
    expect(Date.now() - started).toBeLessThan(1000);
    await expect(fetch(`${standin.apiUrl}auth.test`, { method: 'POST' })).rejects.toThrow();
  });
});

// ── Socket Mode, raw ─────────────────────────────────────────────────────────────────────────────────────────────

describe('Socket Mode endpoint', () => {
  it('says hello, pings, accepts a ticket once, and resolves a delivery with the ack payload', async () => {
    const standin = await startStandIn({ socketPingIntervalMs: 30 });
    const { url } = await webClient(standin, standin.appToken).apps.connections.open();
    const ws = new WebSocket(url ?? '');
    cleanups.push(async () => ws.terminate());
    const messages: JsonObject[] = [];
    let pings = 0;
    ws.on('ping', () => {
      pings += 1;
    });
    ws.on('message', (data) => {
      const message = parseObject(String(data));
      messages.push(message);
      if (typeof message.envelope_id === 'string') {
        ws.send(JSON.stringify({ envelope_id: message.envelope_id, payload: { text: 'pong' } }));
      }
    });
    await standin.socketConnected();
    await standin.waitFor(() => messages.length > 0 && pings >= 2, 2000, 'hello and two pings');
    expect(messages[0]).toMatchObject({
      type: 'hello',
      num_connections: 1,
      connection_info: { app_id: standin.appId },
    });

    const reused = new WebSocket(url ?? '');
    const refused = await new Promise<string>((resolve) => {
      reused.on('unexpected-response', (_req, res) => resolve(String(res.statusCode)));
      reused.on('error', () => resolve('error'));
    });
    expect(refused).toBe('401');

    standin.deliverTo({ kind: 'socket' });
    const result: DeliveryResult = await standin.command('U1', 'ping');
    expect(result).toMatchObject({ status: 200, json: { text: 'pong' } });
    const envelope = messages.find((m) => m.type === 'slash_commands');
    expect(envelope).toMatchObject({
      accepts_response_payload: true,
      payload: { command: '/org', text: 'ping' },
    });
    expect(envelope?.envelope_id).toMatch(/^[0-9a-f-]{36}$/);
  });
});

// ── real Bolt apps ───────────────────────────────────────────────────────────────────────────────────────────────

describe('with a real Bolt app', () => {
  it('HTTP mode: receives a command and a button click, replies through the Web API and response_url', async () => {
    const standin = await startStandIn();
    const app = new App({
      token: standin.botToken,
      signingSecret: SIGNING_SECRET,
      logLevel: LogLevel.ERROR,
      clientOptions: { slackApiUrl: standin.apiUrl, retryConfig: { retries: 0 } },
    });
    app.command('/org', async ({ ack, command, respond, client }) => {
      await ack();
      await respond({ text: `you said ${command.text}` });
      await client.chat.postMessage({ channel: 'C1', text: 'request', blocks: approveBlocks });
    });
    app.action('approve', async ({ ack, respond, body }) => {
      await ack();
      await respond({ replace_original: true, text: `approved by <@${body.user.id}>` });
    });
    const server = await app.start(0);
    cleanups.push(() => app.stop().then(() => undefined));
    standin.deliverTo({ kind: 'http', url: `http://127.0.0.1:${portOf(server)}/slack/events` });

    const ack = await standin.command('U1', 'hello');
    expect(ack.status).toBe(200);
    expect(ack.elapsedMs).toBeLessThan(3000);
    expect((await standin.waitFor(() => standin.lastEphemeral('U1'))).text).toBe('you said hello');
    const message = await standin.waitFor(() => standin.lastMessage('C1'), 2000, 'the request message');

    const [approve] = buttonsOf(message.blocks);
    if (!approve) throw new Error('no button');
    expect(
      (await standin.blockAction('U2', approve, { channelId: 'C1', messageTs: message.ts })).status,
    ).toBe(200);
    await standin.waitFor(() => message.text === 'approved by <@U2>', 2000, 'the message to be replaced');

    expect((await standin.command('U1', 'forged', { signingSecret: 'wrong' })).status).toBe(401);
    expect(
      (await standin.command('U1', 'stale', { timestampSeconds: Math.floor(Date.now() / 1000) - 600 }))
        .status,
    ).toBe(401);
    expect(standin.apiErrors).toEqual([]);
  });

  it('HTTP mode: opens a modal from a command and rejects a submission with inline errors', async () => {
    const standin = await startStandIn();
    const app = new App({
      token: standin.botToken,
      signingSecret: SIGNING_SECRET,
      logLevel: LogLevel.ERROR,
      clientOptions: { slackApiUrl: standin.apiUrl, retryConfig: { retries: 0 } },
    });
    app.command('/org', async ({ ack, body, client }) => {
      await ack();
      await client.views.open({
        trigger_id: body.trigger_id,
        view: {
          type: 'modal',
          callback_id: 'rename',
          title: { type: 'plain_text', text: 'Rename' },
          submit: { type: 'plain_text', text: 'Save' },
          blocks: [
            {
              type: 'input',
              block_id: 'name',
              label: { type: 'plain_text', text: 'Name' },
              element: { type: 'plain_text_input', action_id: 'value' },
            },
          ],
        },
      });
    });
    app.view('rename', async ({ ack, view }) => {
      const name = view.state.values.name?.value?.value ?? '';
      if (name.length < 3)
        await ack({ response_action: 'errors', errors: { name: 'At least 3 characters' } });
      else await ack();
    });
    const server = await app.start(0);
    cleanups.push(() => app.stop().then(() => undefined));
    standin.deliverTo({ kind: 'http', url: `http://127.0.0.1:${portOf(server)}/slack/events` });

    await standin.command('U1', 'rename');
    const view = await standin.waitFor(() => standin.openView('U1'), 2000, 'the rename modal');
    const refused = await standin.viewSubmission('U1', view.id, {
      name: { value: { type: 'plain_text_input', value: 'ab' } },
    });
    expect(refused.json).toEqual({ response_action: 'errors', errors: { name: 'At least 3 characters' } });
    expect(standin.openView('U1')?.id).toBe(view.id);
    await standin.viewSubmission('U1', view.id, {
      name: { value: { type: 'plain_text_input', value: 'Orbit' } },
    });
    expect(standin.openView('U1')).toBeUndefined();
  });

  it('Socket Mode: connects through apps.connections.open and acks a command with a payload', async () => {
    const standin = await startStandIn();
    const app = new App({
      token: standin.botToken,
      appToken: standin.appToken,
      socketMode: true,
      logLevel: LogLevel.ERROR,
      clientOptions: { slackApiUrl: standin.apiUrl, retryConfig: { retries: 0 } },
      installerOptions: { clientOptions: { slackApiUrl: standin.apiUrl } },
    });
    app.command('/org', async ({ ack, command }) => {
      await ack({ response_type: 'ephemeral', text: `pong ${command.text}` });
    });
    await app.start();
    cleanups.push(() => app.stop().then(() => undefined));
    await standin.socketConnected();
    expect(standin.callsTo('apps.connections.open')).toHaveLength(1);
    standin.deliverTo({ kind: 'socket' });

    const ack = await standin.command('U1', 'over socket');
    expect(ack).toMatchObject({
      status: 200,
      json: { response_type: 'ephemeral', text: 'pong over socket' },
    });
    expect(standin.lastEphemeral('U1')).toMatchObject({ text: 'pong over socket', via: 'ack' });
  });
});
