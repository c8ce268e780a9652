/**
 * Distribution mode end to end over real HTTP: a browser's install flow (`/slack/install` → Slack's authorize page →
 * `/slack/oauth_redirect` → `oauth.v2.access`), installations stored sealed, each workspace served with its own
 * token and its own organization, forged and replayed states, uninstall and reinstall.
 */

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuditEvent } from '../../src/domain/audit/audit-event.entity.js';
import { SlackInstallation } from '../../src/domain/installations/slack-installation.entity.js';
import { Organization } from '../../src/domain/organizations/organization.entity.js';
import type { StandInWorkspace } from '../../src/standin/index.js';
import { eventually, storedText } from '../support/db.js';
import { addToSlackLink, type Harness, startHarness, visibleText } from '../support/harness.js';

let h: Harness;
let acme: StandInWorkspace;
let birch: StandInWorkspace;
const ACME = 'T0ACME';
const BIRCH = 'T0BIRCH';

beforeEach(async () => {
  h = await startHarness({ distribution: {} });
  acme = h.standin.addWorkspace({ team: { id: ACME, name: 'Acme Rockets' } });
  birch = h.standin.addWorkspace({ team: { id: BIRCH, name: 'Birch Labs' } });
  acme.addUser({ id: 'U0AVA', name: 'ava', realName: 'Ava Stone', email: 'ava@example.com', isAdmin: true });
  acme.addUser({ id: 'U0ALF', name: 'alf', realName: 'Alf Brook', email: 'alf@example.com' });
  birch.addUser({ id: 'U0BEA', name: 'bea', realName: 'Bea Field', email: 'bea@example.com', isAdmin: true });
});
afterEach(async () => {
  await h.stop();
});

/** `/org <text>` as `userId` in `ws`, and the text the user sees. */
const ask = (ws: StandInWorkspace, userId: string, text: string) => h.askIn(ws, userId, text);

describe('the install flow', () => {
  it('installs two workspaces through the browser flow; each sets up and sees its own organization', async () => {
    const first = await h.install({ team: ACME }, 'U0AVA');
    expect(first.status).toBe(200);
    expect(first.html).toContain('AstroBee Org is now installed in Acme Rockets');
    expect(first.html).toContain('/org setup');
    const second = await h.install({ team: BIRCH }, 'U0BEA');
    expect(second.status).toBe(200);

    h.clock.advance(60_000);
    expect(await ask(acme, 'U0AVA', 'setup Acme Analytics')).toMatch(/Acme Analytics/);
    expect(await ask(birch, 'U0BEA', 'setup Birch Insights')).toMatch(/Birch Insights/);
    const orgs = await h.em().find(Organization, {}, { orderBy: { slackTeamId: 'asc' } });
    expect(orgs.map((o) => [o.slackTeamId, o.name])).toEqual([
      [ACME, 'Acme Analytics'],
      [BIRCH, 'Birch Insights'],
    ]);

    // Each organization's audit log starts with the app's install in its workspace (by whom), then the setup.
    const acmeOrg = orgs[0] as Organization;
    const history = await h
      .em()
      .find(AuditEvent, { organization: acmeOrg.id }, { orderBy: { createdAt: 'asc' } });
    expect(history.map((e) => [e.action, e.actorSlackUserId])).toEqual([
      ['slack_app.installed', 'U0AVA'],
      ['organization.setup', 'U0AVA'],
    ]);

    // Each workspace sees its own team only, and the calls made for it used its own token.
    const acmeMembers = await ask(acme, 'U0AVA', 'members');
    expect(acmeMembers).toContain('ava@example.com');
    expect(acmeMembers).not.toContain('bea@example.com');
    const birchMembers = await ask(birch, 'U0BEA', 'members');
    expect(birchMembers).toContain('bea@example.com');
    expect(birchMembers).not.toContain('ava@example.com');
    expect(h.standin.apiErrors.filter((e) => /not_authed|invalid_auth|user_not_found/.test(e.error))).toEqual(
      [],
    );

    // Stored with the tokens sealed: the database file holds neither bot token in plain text.
    const rows = await h.em().find(SlackInstallation, {}, { orderBy: { teamId: 'asc' } });
    expect(rows.map((r) => [r.teamId, r.installerUserId, r.isEnterpriseInstall])).toEqual([
      [ACME, 'U0AVA', false],
      [BIRCH, 'U0BEA', false],
    ]);
    const file = await storedText(h.db);
    for (const ws of [acme, birch]) {
      expect(ws.botToken).toMatch(/^xox/);
      expect(file).not.toContain(ws.botToken as string);
    }
    expect(h.logs()).not.toContain(acme.botToken as string);
  });

  it('refuses a replayed redirect, a forged state, and a redirect without the browser’s cookie', async () => {
    const done = await h.install({ team: ACME }, 'U0AVA');
    expect(done.status).toBe(200);
    // The same redirect again (same state, same cookie): the state was spent.
    const replay = await fetch(done.callbackUrl, { headers: { cookie: done.cookie } });
    expect(replay.status).toBe(400);
    expect(await replay.text()).toContain('This installation link is no longer valid');

    // A fresh flow whose state is altered, or whose redirect comes from another browser (no cookie).
    const start = await fetch(`${h.url}/slack/install`);
    const cookie = (start.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const href = addToSlackLink(await start.text()) ?? '';
    const state = new URL(href).searchParams.get('state') ?? '';
    const forged = `${state.slice(0, -3)}AAA`;
    const withForged = await fetch(
      `${h.url}/slack/oauth_redirect?code=whatever&state=${encodeURIComponent(forged)}`,
      { headers: { cookie: `slack-app-oauth-state=${forged}` } },
    );
    expect(withForged.status).toBe(400);
    const noCookie = await fetch(
      `${h.url}/slack/oauth_redirect?code=whatever&state=${encodeURIComponent(state)}`,
    );
    expect(noCookie.status).toBe(400);
    expect(await noCookie.text()).toContain('started in another browser');
    expect(cookie).toMatch(/^slack-app-oauth-state=/);
    // Only the first install is on record.
    expect(await h.em().count(SlackInstallation, {})).toBe(1);
  });

  it('says so when the user cancels in Slack, and stores nothing', async () => {
    const start = await fetch(`${h.url}/slack/install`);
    const cookie = (start.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const href = addToSlackLink(await start.text()) ?? '';
    const authorize = new URL(href);
    authorize.searchParams.set('team', ACME);
    authorize.searchParams.set('choice', 'deny');
    h.standin.setInstallingUser(ACME, 'U0AVA');
    const back = await fetch(authorize, { redirect: 'manual' });
    const page = await fetch(back.headers.get('location') ?? '', { headers: { cookie } });
    expect(page.status).toBe(400);
    expect(await page.text()).toContain('You cancelled the installation');
    expect(await h.em().count(SlackInstallation, {})).toBe(0);
  });
});

describe('tenancy', () => {
  beforeEach(async () => {
    await h.install({ team: ACME }, 'U0AVA');
    await h.install({ team: BIRCH }, 'U0BEA');
    await ask(acme, 'U0AVA', 'setup Acme Analytics');
    await ask(birch, 'U0BEA', 'setup Birch Insights');
  });

  it('a payload naming the other team reaches nothing of it: Acme’s user in a forged Birch command is no member', async () => {
    const before = await h.em().count(AuditEvent, {});
    // Signed by Slack's secret (one app, one secret), but naming Birch while the user is Acme's: a real Birch
    // command's payload with Acme's Ava as the caller.
    await ask(birch, 'U0BEA', 'help');
    const real = birch.lastCommand;
    if (!real) throw new Error('no command was sent');
    const body = new URLSearchParams({
      ...real.payload,
      user_id: 'U0AVA',
      user_name: 'ava',
      text: 'members',
    });
    const seen = new Set(h.standin.ephemerals);
    const res = await birch.deliverRaw(body.toString(), 'application/x-www-form-urlencoded');
    expect(res.status).toBe(200);
    const reply = await h.standin.waitFor(
      () => (res.body ? { text: res.body, blocks: [] } : h.standin.ephemerals.find((e) => !seen.has(e))),
      5000,
      'the answer to the forged command',
    );
    const text = visibleText(reply);
    expect(text).toMatch(/not a member|another Slack workspace/);
    expect(text).not.toContain('bea@example.com');
    expect(await h.em().count(AuditEvent, {})).toBe(before);
  });

  it('a Slack Connect partner in Acme’s shared channel is refused and shown nothing', async () => {
    acme.addUser({ id: 'U0XEN', name: 'xen', email: 'xen@example.com', teamId: 'T0PARTNER' });
    const before = await h.em().count(AuditEvent, {});
    const reply = await ask(acme, 'U0XEN', 'members');
    expect(reply).toMatch(/another Slack workspace/);
    expect(reply).not.toContain('Acme Analytics');
    expect(reply).not.toContain('ava@example.com');
    expect(await h.em().count(AuditEvent, {})).toBe(before);
  });

  it('a workspace that never installed the app is told so, and nothing is written', async () => {
    const cedar = h.standin.addWorkspace({ team: { id: 'T0CEDAR', name: 'Cedar Co' } });
    cedar.addUser({ id: 'U0CAL', name: 'cal', email: 'cal@example.com', isAdmin: true });
    const before = await h.em().count(Organization, {});
    expect(await ask(cedar, 'U0CAL', 'setup Cedar')).toMatch(/not installed in this workspace/);
    expect(await h.em().count(Organization, {})).toBe(before);
  });
});

describe('uninstall', () => {
  it('deletes the tokens at once, keeps the organization, answers clearly, and a reinstall binds back', async () => {
    await h.install({ team: ACME }, 'U0AVA');
    await ask(acme, 'U0AVA', 'setup Acme Analytics');
    const org = await h.em().findOneOrFail(Organization, { slackTeamId: ACME });

    const uninstalled = await h.standin.uninstall(ACME);
    expect(uninstalled.status).toBe(200);
    const row = await eventually(async () => {
      const found = await h.em().findOneOrFail(SlackInstallation, { teamId: ACME });
      return found.botToken === null ? found : null;
    }, 'the tokens deleted');
    expect([row.botToken, row.uninstalledAt !== null]).toEqual([null, true]);
    expect(await h.em().count(Organization, { id: org.id })).toBe(1);

    const reply = await ask(acme, 'U0AVA', 'members');
    expect(reply).toMatch(/not installed in this workspace any more/);
    expect(reply).toContain('/slack/install');
    expect(h.logs()).not.toMatch(/"level":50.*listener failed/);

    const again = await h.install({ team: ACME }, 'U0AVA');
    expect(again.html).toContain('is connected again');
    expect(again.html).toContain(org.id);
    expect(await ask(acme, 'U0AVA', 'overview')).toContain(org.id);
    const actions = (
      await h.em().find(AuditEvent, { organization: org.id }, { orderBy: { createdAt: 'asc' } })
    ).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['slack_app.uninstalled', 'slack_app.reinstalled']));
  });

  it('tokens_revoked deletes the bot token likewise', async () => {
    await h.install({ team: BIRCH }, 'U0BEA');
    await h.standin.revokeTokens(BIRCH);
    const row = await eventually(async () => {
      const found = await h.em().findOneOrFail(SlackInstallation, { teamId: BIRCH });
      return found.botToken === null ? found : null;
    }, 'the bot token deleted');
    expect(row.botToken).toBeNull();
  });
});
