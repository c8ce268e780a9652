import type { Server } from 'node:http';
import { App, LogLevel, MemoryInstallationStore } from '@slack/bolt';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SlackStandIn } from '../../src/standin/index.js';
import type { OAuthAppInput } from '../../src/standin/types.js';
import { slackError, startBareApp, webClient } from '../support/standin-kit.js';

const SIGNING_SECRET = 'oauth-signing-secret';
const CLIENT_ID = '1234567890.0987654321';
const CLIENT_SECRET = 'example-client-secret-0123456789';
const REDIRECT_URI = 'https://app.example.com/slack/oauth_redirect';
const SCOPES = 'commands,chat:write,users:read';

const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  vi.useRealTimers();
  while (cleanups.length > 0) await cleanups.pop()?.();
});

/**
 * A started stand-in on a movable clock with two uninstalled workspaces (Acme: ada, Globex: gus) and an Enterprise
 * Grid organization (Starship: Deck with dia, Lab with leo), and the app registered for OAuth.
 */
async function startOAuth(app: Partial<OAuthAppInput> = {}) {
  const clock = { now: Date.parse('2026-12-05T10:00:00Z') };
  const slack = new SlackStandIn({ signingSecret: SIGNING_SECRET, now: () => clock.now });
  await slack.start();
  cleanups.push(() => slack.stop());
  const acme = slack.addWorkspace({ team: { id: 'T0ACME', name: 'Acme' } });
  const globex = slack.addWorkspace({ team: { id: 'T0GLOBEX', name: 'Globex' } });
  acme.addUser({ id: 'U0BEA', name: 'bea' });
  acme.addUser({ id: 'U0ADA', name: 'ada', isAdmin: true });
  globex.addUser({ id: 'U0GUS', name: 'gus' });
  slack.addEnterprise({ id: 'E0STAR', name: 'Starship' });
  const deck = slack.addWorkspace({ team: { id: 'T0DECK', name: 'Deck' }, enterpriseId: 'E0STAR' });
  const lab = slack.addWorkspace({ team: { id: 'T0LAB', name: 'Lab' }, enterpriseId: 'E0STAR' });
  deck.addUser({ id: 'W0DIA', name: 'dia' });
  lab.addUser({ id: 'W0LEO', name: 'leo' });
  slack.oauthApp({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, redirectUri: REDIRECT_URI, ...app });
  return { slack, clock, acme, globex, deck, lab };
}

/** GET on the authorize page, redirects not followed. */
async function authorize(slack: SlackStandIn, params: Record<string, string>): Promise<Response> {
  const url = new URL(slack.authorizeUrl);
  for (const [key, value] of Object.entries({ client_id: CLIENT_ID, scope: SCOPES, ...params })) {
    url.searchParams.set(key, value);
  }
  return fetch(url, { redirect: 'manual' });
}

/** The query of a 302's Location. */
function redirectQuery(res: Response): URLSearchParams {
  expect(res.status).toBe(302);
  const location = res.headers.get('location') ?? '';
  expect(location.startsWith(REDIRECT_URI)).toBe(true);
  return new URL(location).searchParams;
}

/** Authorizes on a workspace (or `enterprise`) and returns the code. */
async function codeFor(slack: SlackStandIn, params: Record<string, string>): Promise<string> {
  return redirectQuery(await authorize(slack, params)).get('code') ?? '';
}

function oauthClient(slack: SlackStandIn) {
  return webClient(slack.apiUrl, undefined).oauth.v2;
}

describe('GET /oauth/v2/authorize', () => {
  it('redirects with a code and the state echoed verbatim; deny redirects with access_denied', async () => {
    const { slack } = await startOAuth();
    const state = 'st/ate+with spaces&=';
    const query = redirectQuery(await authorize(slack, { team: 'T0ACME', state }));
    expect(query.get('code')).toMatch(/^\d+\.\d+\.[0-9a-f]{64}$/);
    expect(query.get('state')).toBe(state);
    const denied = redirectQuery(await authorize(slack, { team: 'T0ACME', state, choice: 'deny' }));
    expect(denied.get('error')).toBe('access_denied');
    expect(denied.get('state')).toBe(state);
    expect(denied.has('code')).toBe(false);
  });

  it('without a team shows plain links per workspace and organization that a plain client can follow', async () => {
    const { slack } = await startOAuth();
    const res = await authorize(slack, { state: 's1' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    const html = await res.text();
    const links = [...html.matchAll(/<a id="([^"]+)" href="([^"]+)"/g)].map((m) => ({
      id: m[1],
      href: (m[2] ?? '').replaceAll('&amp;', '&'),
    }));
    expect(links.map((l) => l.id)).toEqual([
      'allow-T0STANDIN',
      'allow-T0ACME',
      'allow-T0GLOBEX',
      'allow-T0DECK',
      'allow-T0LAB',
      'allow-E0STAR',
      'cancel',
    ]);
    const allowGlobex = links.find((l) => l.id === 'allow-T0GLOBEX')?.href ?? '';
    const followed = redirectQuery(await fetch(allowGlobex, { redirect: 'manual' }));
    expect(followed.get('state')).toBe('s1');
    const install = await oauthClient(slack).access({
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      code: followed.get('code') ?? '',
    });
    expect(install.team).toEqual({ id: 'T0GLOBEX', name: 'Globex' });
    const cancel = links.find((l) => l.id === 'cancel')?.href ?? '';
    expect(redirectQuery(await fetch(cancel, { redirect: 'manual' })).get('error')).toBe('access_denied');
  });

  it('refuses an unknown client, a foreign redirect_uri, a scope outside the settings or an unknown team', async () => {
    const { slack } = await startOAuth({ scopes: ['commands', 'chat:write', 'users:read'] });
    const refused = async (params: Record<string, string>) => {
      const res = await authorize(slack, params);
      expect(res.status).toBe(400);
      return /<p id="error">([^<]+)</.exec(await res.text())?.[1];
    };
    expect(await refused({ team: 'T0ACME', client_id: 'nope' })).toBe('invalid_client_id');
    expect(await refused({ team: 'T0ACME', redirect_uri: 'https://evil.example.com/cb' })).toBe(
      'bad_redirect_uri',
    );
    expect(await refused({ team: 'T0ACME', scope: 'admin' })).toBe('invalid_scope');
    expect(await refused({ team: 'T0NOPE' })).toBe('invalid_team');
    expect(await refused({ team: 'T0ACME', user: 'U0GUS' })).toBe('invalid_user');
  });
});

describe('oauth.v2.access', () => {
  it('installs two workspaces, each with its own bot token, and a reinstall mints a new one', async () => {
    const { slack, acme, globex } = await startOAuth();
    slack.setInstallingUser('T0ACME', 'U0ADA');
    const oauth = oauthClient(slack);
    const credentials = { client_id: CLIENT_ID, client_secret: CLIENT_SECRET };
    const acmeInstall = await oauth.access({
      ...credentials,
      code: await codeFor(slack, { team: 'T0ACME' }),
    });
    expect(acmeInstall).toMatchObject({
      ok: true,
      app_id: slack.appId,
      authed_user: { id: 'U0ADA' },
      scope: SCOPES,
      token_type: 'bot',
      bot_user_id: acme.botUserId,
      team: { id: 'T0ACME', name: 'Acme' },
      enterprise: null,
      is_enterprise_install: false,
    });
    expect(acmeInstall.access_token).toMatch(/^xoxb-\d+-\d+-\w{24}$/);
    expect(acmeInstall).not.toHaveProperty('refresh_token');
    const globexInstall = await oauth.access({
      ...credentials,
      code: await codeFor(slack, { team: 'T0GLOBEX' }),
    });
    expect(globexInstall.authed_user?.id).toBe('U0GUS');
    expect(acme.botToken).toBe(acmeInstall.access_token);
    expect(globex.botToken).toBe(globexInstall.access_token);

    const a = webClient(slack.apiUrl, acmeInstall.access_token);
    expect(await a.auth.test()).toMatchObject({ team_id: 'T0ACME', user_id: acme.botUserId });
    expect(await slackError(a.users.info({ user: 'U0GUS' }))).toBe('user_not_found');

    const again = await oauth.access({ ...credentials, code: await codeFor(slack, { team: 'T0ACME' }) });
    expect(again.access_token).not.toBe(acmeInstall.access_token);
    expect((await a.auth.test()).ok).toBe(true);
    expect(acme.botToken).toBe(again.access_token);
  });

  it('spends a code once, lets it expire after 10 minutes, and checks redirect_uri and the client', async () => {
    const { slack, clock } = await startOAuth();
    const oauth = oauthClient(slack);
    const credentials = { client_id: CLIENT_ID, client_secret: CLIENT_SECRET };
    const code = await codeFor(slack, { team: 'T0ACME', redirect_uri: `${REDIRECT_URI}/acme` });
    expect(await slackError(oauth.access({ ...credentials, code }))).toBe('bad_redirect_uri');
    expect(await slackError(oauth.access({ ...credentials, code, redirect_uri: REDIRECT_URI }))).toBe(
      'bad_redirect_uri',
    );
    expect(await slackError(oauth.access({ client_id: 'other', client_secret: CLIENT_SECRET, code }))).toBe(
      'invalid_client_id',
    );
    expect(await slackError(oauth.access({ client_id: CLIENT_ID, client_secret: 'wrong', code }))).toBe(
      'bad_client_secret',
    );
    const password = webClient(slack.apiUrl, undefined).apiCall('oauth.v2.access', {
      ...credentials,
      code,
      grant_type: 'password',
    });
    expect(await slackError(password)).toBe('invalid_grant_type');
    const ok = await oauth.access({ ...credentials, code, redirect_uri: `${REDIRECT_URI}/acme` });
    expect(ok.ok).toBe(true);
    expect(
      await slackError(oauth.access({ ...credentials, code, redirect_uri: `${REDIRECT_URI}/acme` })),
    ).toBe('invalid_code');
    expect(await slackError(oauth.access({ ...credentials, code: 'made-up' }))).toBe('invalid_code');

    const late = await codeFor(slack, { team: 'T0ACME' });
    clock.now += 10 * 60 * 1000;
    expect(await slackError(oauth.access({ ...credentials, code: late }))).toBe('invalid_code');
    expect(slack.apiErrors.map((e) => e.error)).toEqual([
      'bad_redirect_uri',
      'bad_redirect_uri',
      'invalid_client_id',
      'bad_client_secret',
      'invalid_grant_type',
    ]);
  });

  it('takes client credentials by HTTP Basic, and never records secrets, codes or refresh tokens', async () => {
    const { slack } = await startOAuth({ tokenRotation: true });
    const code = await codeFor(slack, { team: 'T0ACME' });
    const res = await fetch(`${slack.apiUrl}oauth.v2.access`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ code }).toString(),
    });
    const body = (await res.json()) as { ok: boolean; refresh_token: string; access_token: string };
    expect(body.ok).toBe(true);
    await oauthClient(slack).access({
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      grant_type: 'refresh_token',
      refresh_token: body.refresh_token,
    });
    const recorded = JSON.stringify(slack.callsTo('oauth.v2.access'));
    for (const secret of [CLIENT_SECRET, code, body.refresh_token]) expect(recorded).not.toContain(secret);
    expect(slack.callsTo('oauth.v2.access').map((c) => c.args.grant_type)).toEqual([
      undefined,
      'refresh_token',
    ]);
  });
});

describe('token rotation', () => {
  it('mints xoxe tokens; an expired one fails every method; a refresh token works once', async () => {
    const { slack, clock } = await startOAuth({ tokenRotation: true });
    const oauth = oauthClient(slack);
    const credentials = { client_id: CLIENT_ID, client_secret: CLIENT_SECRET };
    const install = await oauth.access({ ...credentials, code: await codeFor(slack, { team: 'T0ACME' }) });
    expect(install.access_token).toMatch(/^xoxe\.xoxb-1-\w+$/);
    expect(install.refresh_token).toMatch(/^xoxe-1-\w+$/);
    expect(install.expires_in).toBe(43_200);
    const first = webClient(slack.apiUrl, install.access_token);
    expect(await first.auth.test()).toMatchObject({ team_id: 'T0ACME', expires_in: 43_200 });

    clock.now += 43_200 * 1000;
    expect(await slackError(first.auth.test())).toBe('token_expired');
    expect(await slackError(first.chat.postMessage({ channel: 'U0ADA', text: 'x' }))).toBe('token_expired');
    expect(await slackError(first.users.info({ user: 'U0ADA' }))).toBe('token_expired');

    const refreshed = await oauth.access({
      ...credentials,
      grant_type: 'refresh_token',
      refresh_token: install.refresh_token ?? '',
    });
    expect(refreshed).toMatchObject({
      token_type: 'bot',
      team: { id: 'T0ACME' },
      expires_in: 43_200,
      is_enterprise_install: false,
    });
    expect(refreshed.access_token).not.toBe(install.access_token);
    expect(refreshed.refresh_token).not.toBe(install.refresh_token);
    expect((await webClient(slack.apiUrl, refreshed.access_token).users.info({ user: 'U0ADA' })).ok).toBe(
      true,
    );
    expect(
      await slackError(
        oauth.access({
          ...credentials,
          grant_type: 'refresh_token',
          refresh_token: install.refresh_token ?? '',
        }),
      ),
    ).toBe('invalid_refresh_token');
    expect(slack.refreshCount('T0ACME')).toBe(1);
    expect(slack.refreshCount('T0GLOBEX')).toBe(0);

    // Uninstalling spends the refresh token too.
    await startBareApp(SIGNING_SECRET).then((app) => {
      cleanups.push(app.close);
      slack.deliverTo({ kind: 'http', url: app.url });
    });
    await slack.uninstall('T0ACME');
    expect(await slackError(webClient(slack.apiUrl, refreshed.access_token).auth.test())).toBe(
      'token_revoked',
    );
    expect(
      await slackError(
        oauth.access({
          ...credentials,
          grant_type: 'refresh_token',
          refresh_token: refreshed.refresh_token ?? '',
        }),
      ),
    ).toBe('invalid_refresh_token');
  });
});

describe('org-wide install', () => {
  it('gives one token for the organization: team null, is_enterprise_install, both workspaces served', async () => {
    const { slack, deck, lab } = await startOAuth();
    const app = await startBareApp(SIGNING_SECRET);
    cleanups.push(app.close);
    slack.deliverTo({ kind: 'http', url: app.url });
    slack.setInstallingUser('E0STAR', 'W0LEO');
    const install = await oauthClient(slack).access({
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      code: await codeFor(slack, { enterprise: 'E0STAR' }),
    });
    expect(install).toMatchObject({
      team: null,
      enterprise: { id: 'E0STAR', name: 'Starship' },
      is_enterprise_install: true,
      bot_user_id: 'W0BOTSTAR',
      authed_user: { id: 'W0LEO' },
    });
    const org = webClient(slack.apiUrl, install.access_token);
    expect(await org.auth.test()).toMatchObject({ team_id: 'E0STAR', is_enterprise_install: true });
    expect((await org.users.info({ user: 'W0DIA' })).user?.team_id).toBe('T0DECK');
    expect((await org.users.info({ user: 'W0LEO' })).user?.team_id).toBe('T0LAB');
    expect(deck.isEnterpriseInstall && lab.isEnterpriseInstall).toBe(true);
    expect(deck.botToken).toBeUndefined();
    await deck.command('W0DIA', 'help');
    expect(app.requests.at(-1)?.payload).toMatchObject({
      enterprise_id: 'E0STAR',
      is_enterprise_install: 'true',
    });
  });
});

describe('a Bolt app in OAuth mode (its built-in install flow) against the stand-in', () => {
  it('installs two workspaces, serves each with its own token, and refreshes an expiring token once', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: Date.parse('2026-12-05T10:00:00Z') });
    const slack = new SlackStandIn({ signingSecret: SIGNING_SECRET });
    await slack.start();
    cleanups.push(() => slack.stop());
    const acme = slack.addWorkspace({ team: { id: 'T0ACME', name: 'Acme' } });
    const globex = slack.addWorkspace({ team: { id: 'T0GLOBEX', name: 'Globex' } });
    acme.addUser({ id: 'U0ADA', name: 'ada' });
    globex.addUser({ id: 'U0GUS', name: 'gus' });

    const installationStore = new MemoryInstallationStore();
    const bolt = new App({
      signingSecret: SIGNING_SECRET,
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      stateSecret: 'example-state-secret',
      scopes: ['commands', 'chat:write', 'users:read'],
      installationStore,
      installerOptions: { authorizationUrl: slack.authorizeUrl, directInstall: true },
      clientOptions: { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } },
      logLevel: LogLevel.ERROR,
    });
    bolt.command('/org', async ({ ack, client, command }) => {
      await ack();
      const me = await client.auth.test();
      const them = await client.users.info({ user: command.user_id });
      const stranger = command.user_id === 'U0ADA' ? 'U0GUS' : 'U0ADA';
      const other = await client.users.info({ user: stranger }).then(
        () => 'seen',
        () => 'not found',
      );
      await client.chat.postEphemeral({
        channel: command.channel_id,
        user: command.user_id,
        text: `${me.team_id} ${them.user?.name} other:${other}`,
      });
    });
    const server = (await bolt.start({ port: 0, host: '127.0.0.1' })) as Server;
    cleanups.push(() => bolt.stop().then(() => undefined));
    const address = server.address();
    const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    slack.oauthApp({
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      redirectUri: `${base}/slack/oauth_redirect`,
      tokenRotation: true,
      tokenLifetimeSeconds: 7300,
    });
    slack.deliverTo({ kind: 'http', url: `${base}/slack/events` });

    /** The browser's walk: /slack/install → the authorize page (choosing the team) → the app's redirect. */
    const install = async (teamId: string): Promise<void> => {
      const start = await fetch(`${base}/slack/install`, { redirect: 'manual' });
      expect(start.status).toBe(302);
      const cookie = (start.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
      const authorizeUrl = new URL(start.headers.get('location') ?? '');
      expect(authorizeUrl.origin + authorizeUrl.pathname).toBe(slack.authorizeUrl);
      authorizeUrl.searchParams.set('team', teamId);
      const allowed = await fetch(authorizeUrl, { redirect: 'manual' });
      expect(allowed.status).toBe(302);
      const callback = await fetch(allowed.headers.get('location') ?? '', { headers: { cookie } });
      expect(callback.status).toBe(200);
    };
    await install('T0ACME');
    await install('T0GLOBEX');
    const stored = await installationStore.fetchInstallation({
      teamId: 'T0ACME',
      enterpriseId: undefined,
      isEnterpriseInstall: false,
    });
    expect(stored).toMatchObject({
      team: { id: 'T0ACME' },
      bot: { userId: acme.botUserId, id: acme.botId, token: acme.botToken },
      isEnterpriseInstall: false,
    });
    expect(stored.bot?.refreshToken).toMatch(/^xoxe-1-/);

    await acme.command('U0ADA', 'whoami');
    await slack.waitFor(() => slack.lastEphemeral('U0ADA'));
    expect(slack.lastEphemeral('U0ADA')?.text).toBe('T0ACME ada other:not found');
    await globex.command('U0GUS', 'whoami');
    await slack.waitFor(() => slack.lastEphemeral('U0GUS'));
    expect(slack.lastEphemeral('U0GUS')?.text).toBe('T0GLOBEX gus other:not found');
    expect(slack.refreshCount('T0ACME')).toBe(0);

    // 100 s later Acme's token is within @slack/oauth's 2-hour window: the next request refreshes it, once.
    vi.setSystemTime(Date.now() + 101_000);
    const before = acme.botToken;
    await acme.command('U0ADA', 'again');
    await slack.waitFor(() => slack.ephemerals.filter((e) => e.user === 'U0ADA').length === 2);
    await acme.command('U0ADA', 'and again');
    await slack.waitFor(() => slack.ephemerals.filter((e) => e.user === 'U0ADA').length === 3);
    expect(slack.refreshCount('T0ACME')).toBe(1);
    expect(slack.refreshCount('T0GLOBEX')).toBe(0);
    expect(acme.botToken).not.toBe(before);
    expect(slack.apiErrors).toEqual([]);
  });
});
