import type { Installation } from '@slack/oauth';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuditEvent } from '../../src/domain/audit/audit-event.entity.js';
import { SlackInstallation } from '../../src/domain/installations/slack-installation.entity.js';
import { Organization } from '../../src/domain/organizations/organization.entity.js';
import { KeyRing } from '../../src/lib/key-ring.js';
import {
  DatabaseInstallationStore,
  NotInstalledError,
} from '../../src/slack/installations/installation-store.js';
import { type FreshDb, freshOrm, storedText, TestClock } from '../support/db.js';

const KEY = 'installation-key-example-0123456789abcdef';
const NEWER_KEY = 'newer-installation-key-0123456789abcdefgh';
const STATE_SECRET = 'state-secret-example-0123456789abcdef';
const BOT_TOKEN = 'xoxe.xoxb-1-team-one-bot-token-example';
const REFRESH_TOKEN = 'xoxe-1-team-one-refresh-token-example';

/** What `@slack/oauth`'s handleCallback hands the store after `oauth.v2.access` (token rotation on). */
function callbackInstallation(overrides: Partial<Installation<'v2', false>> = {}): Installation<'v2', false> {
  return {
    team: { id: 'T0ONE', name: 'Team One' },
    enterprise: undefined,
    user: { id: 'U0ADA', token: undefined, scopes: undefined },
    bot: {
      token: BOT_TOKEN,
      refreshToken: REFRESH_TOKEN,
      expiresAt: Math.floor(Date.now() / 1000) + 43_200,
      scopes: ['commands', 'chat:write'],
      id: 'B0ONE',
      userId: 'U0BOTONE',
    },
    tokenType: 'bot',
    isEnterpriseInstall: false,
    appId: 'A0APP',
    authVersion: 'v2',
    ...overrides,
  };
}

let db: FreshDb;
let clock: TestClock;
let store: DatabaseInstallationStore;
const storeWith = (keys: string[]) =>
  new DatabaseInstallationStore({
    orm: db.orm,
    clock,
    keyRing: new KeyRing(keys, 'slack-installation-token'),
    stateSecret: STATE_SECRET,
  });

beforeEach(async () => {
  db = await freshOrm();
  clock = new TestClock(new Date());
  store = storeWith([KEY]);
});
afterEach(async () => {
  await db.close();
});

const query = { teamId: 'T0ONE', enterpriseId: undefined, isEnterpriseInstall: false };

describe('DatabaseInstallationStore', () => {
  it('stores an install with its tokens sealed: the database file holds no token in plain text', async () => {
    await store.storeInstallation(callbackInstallation());
    const bytes = await storedText(db);
    expect(bytes).toContain('T0ONE');
    expect(bytes).not.toContain(BOT_TOKEN);
    expect(bytes).not.toContain(REFRESH_TOKEN);
    expect(bytes).not.toContain('team-one-bot-token');
    const row = await db.orm.em.fork().findOneOrFail(SlackInstallation, { tenantKey: 'team:T0ONE' });
    expect(row.botToken).toMatch(/^v1\./);
    expect(row).toMatchObject({
      botId: 'B0ONE',
      botUserId: 'U0BOTONE',
      installerUserId: 'U0ADA',
      appId: 'A0APP',
    });
    expect(row.botScopes).toBe('commands chat:write');

    const fetched = await store.fetchInstallation(query);
    expect(fetched.bot).toMatchObject({ token: BOT_TOKEN, refreshToken: REFRESH_TOKEN, id: 'B0ONE' });
    expect(fetched.authVersion).toBe('v2');
    expect(fetched.team?.id).toBe('T0ONE');
  });

  it('keeps expiry in the app clock: moving the clock brings the installer nearer to a refresh', async () => {
    await store.storeInstallation(callbackInstallation());
    const before = (await store.fetchInstallation(query)).bot?.expiresAt ?? 0;
    clock.advance(11 * 3_600_000);
    const after = (await store.fetchInstallation(query)).bot?.expiresAt ?? 0;
    expect(before - after).toBeGreaterThanOrEqual(11 * 3600 - 1);
    expect(before - after).toBeLessThanOrEqual(11 * 3600 + 1);
  });

  it('records a reinstall on the same row and audits installs for the bound organization, never a token', async () => {
    const em = db.orm.em.fork();
    const org = new Organization('Team One Org', 'T0ONE', clock.now());
    await em.persistAndFlush(org);
    await store.storeInstallation(callbackInstallation());
    await store.storeInstallation(
      callbackInstallation({ user: { id: 'U0CLEO', token: undefined, scopes: undefined } }),
    );
    const rows = await db.orm.em.fork().find(SlackInstallation, {});
    expect(rows).toHaveLength(1);
    expect(rows[0]?.installerUserId).toBe('U0CLEO');
    const events = await db.orm.em
      .fork()
      .find(AuditEvent, { organization: org.id }, { orderBy: { createdAt: 'asc' } });
    expect(events.map((e) => [e.action, e.actorSlackUserId])).toEqual([
      ['slack_app.installed', 'U0ADA'],
      ['slack_app.reinstalled', 'U0CLEO'],
    ]);
    expect(JSON.stringify(events.map((e) => e.details))).not.toMatch(/xox/);
  });

  it('stores a refreshed installation as new tokens of the same row, without an audit event', async () => {
    const em = db.orm.em.fork();
    const org = new Organization('Team One Org', 'T0ONE', clock.now());
    await em.persistAndFlush(org);
    await store.storeInstallation(callbackInstallation());
    const fetched = await store.fetchInstallation(query);
    // What InstallProvider.authorize does after a refresh: a copy with new bot token fields.
    const refreshed = {
      ...fetched,
      bot: { ...fetched.bot, token: 'xoxe.xoxb-1-new', refreshToken: 'xoxe-1-new' },
    };
    await store.storeInstallation(refreshed as Installation<'v2', boolean>);
    expect((await store.fetchInstallation(query)).bot).toMatchObject({
      token: 'xoxe.xoxb-1-new',
      refreshToken: 'xoxe-1-new',
    });
    const events = await db.orm.em.fork().find(AuditEvent, { organization: org.id });
    expect(events.map((e) => e.action)).toEqual(['slack_app.installed']);
  });

  it('deletes the tokens on uninstall and keeps the row; a reinstall binds back to it', async () => {
    await store.storeInstallation(callbackInstallation());
    expect(await store.deleteTokens(query, 'app_uninstalled')).toBe(true);
    expect(await store.deleteTokens(query, 'app_uninstalled')).toBe(false);
    const row = await db.orm.em.fork().findOneOrFail(SlackInstallation, { tenantKey: 'team:T0ONE' });
    expect([row.botToken, row.botRefreshToken, row.uninstalledAt !== null]).toEqual([null, null, true]);
    const err = await store.fetchInstallation(query).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotInstalledError);
    expect((err as NotInstalledError).uninstalled).toBe(true);
    await store.storeInstallation(callbackInstallation());
    const again = await db.orm.em.fork().findOneOrFail(SlackInstallation, { tenantKey: 'team:T0ONE' });
    expect(again.id).toBe(row.id);
    expect(again.uninstalledAt).toBeNull();
  });

  it('serves every workspace of an enterprise from its org-wide install', async () => {
    await store.storeInstallation({
      ...callbackInstallation(),
      team: undefined,
      enterprise: { id: 'E0GRID', name: 'Grid Example' },
      isEnterpriseInstall: true,
    } as unknown as Installation<'v2', true>);
    const viaWorkspace = await store.fetchInstallation({
      teamId: 'T0GRIDA',
      enterpriseId: 'E0GRID',
      isEnterpriseInstall: true,
    });
    expect(viaWorkspace.bot?.token).toBe(BOT_TOKEN);
    expect(viaWorkspace.isEnterpriseInstall).toBe(true);
    await expect(
      store.fetchInstallation({ teamId: 'T0OTHER', enterpriseId: undefined, isEnterpriseInstall: false }),
    ).rejects.toBeInstanceOf(NotInstalledError);
  });

  it('seals again with the newest key, after which the old key can go', async () => {
    await store.storeInstallation(callbackInstallation());
    const rotated = storeWith([NEWER_KEY, KEY]);
    expect(await rotated.resealAll()).toEqual({ resealed: 1, unopenable: [] });
    expect(await rotated.resealAll()).toEqual({ resealed: 0, unopenable: [] });
    expect((await storeWith([NEWER_KEY]).fetchInstallation(query)).bot?.token).toBe(BOT_TOKEN);
  });

  it('with a key ring that opens none of them, names them and treats them as not installed (reinstall)', async () => {
    await store.storeInstallation(callbackInstallation());
    const lost = storeWith([NEWER_KEY]);
    expect(await lost.resealAll()).toEqual({ resealed: 0, unopenable: ['team:T0ONE'] });
    const err = await lost.fetchInstallation(query).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotInstalledError);
    await lost.storeInstallation(callbackInstallation());
    expect((await lost.fetchInstallation(query)).bot?.token).toBe(BOT_TOKEN);
  });
});

describe('install flow states', () => {
  const options = { scopes: ['commands'], redirectUri: 'https://org.example.com/slack/oauth_redirect' };

  it('spends a state once and gives back the options the flow started with', async () => {
    const state = await store.generateStateParam(options, clock.now());
    const [first, second] = await Promise.allSettled([
      store.verifyStateParam(clock.now(), state),
      store.verifyStateParam(clock.now(), state),
    ]);
    const outcomes = [first, second].map((r) => r.status).sort();
    expect(outcomes).toEqual(['fulfilled', 'rejected']);
    const won = [first, second].find((r) => r.status === 'fulfilled') as PromiseFulfilledResult<unknown>;
    expect(won.value).toEqual(options);
  });

  it('refuses a forged state, another app’s state and an expired one', async () => {
    const state = await store.generateStateParam(options, clock.now());
    const [random] = state.split('.');
    await expect(store.verifyStateParam(clock.now(), `${random}.forged`)).rejects.toThrow(/not issued/);
    const other = new DatabaseInstallationStore({
      orm: db.orm,
      clock,
      keyRing: new KeyRing([KEY], 'slack-installation-token'),
      stateSecret: 'another-state-secret-0123456789abcdefgh',
    });
    await expect(other.verifyStateParam(clock.now(), state)).rejects.toThrow(/not issued/);
    clock.advance(601_000);
    await expect(store.verifyStateParam(clock.now(), state)).rejects.toThrow(/expired or was already used/);
  });
});
