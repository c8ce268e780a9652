/**
 * Distribution mode under Enterprise Grid and token rotation, end to end over real HTTP: an org-wide install serving
 * two workspaces of an enterprise (each with its own organization), payloads whose `team` is null or whose user
 * belongs to a sibling workspace, and a bot token refreshed once when two payloads arrive together.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { SlackInstallation } from '../../src/domain/installations/slack-installation.entity.js';
import { Organization } from '../../src/domain/organizations/organization.entity.js';
import type { StandInWorkspace } from '../../src/standin/index.js';
import { type Harness, startHarness } from '../support/harness.js';

let h: Harness;
afterEach(async () => {
  await h?.stop();
});

/** `/org <text>` as `userId` in `ws`, and the text the user sees. */
const ask = (ws: StandInWorkspace, userId: string, text: string) => h.askIn(ws, userId, text);

describe('Enterprise Grid: an org-wide install', () => {
  it('serves every workspace of the enterprise; each binds its own organization', async () => {
    h = await startHarness({ distribution: {} });
    h.standin.addEnterprise({ id: 'E0STAR', name: 'Starship Group' });
    const deck = h.standin.addWorkspace({ team: { id: 'T0DECK', name: 'Deck' }, enterpriseId: 'E0STAR' });
    const hull = h.standin.addWorkspace({ team: { id: 'T0HULL', name: 'Hull' }, enterpriseId: 'E0STAR' });
    deck.addUser({ id: 'W0DIA', name: 'dia', email: 'dia@example.com', isAdmin: true, teamId: 'T0DECK' });
    const hal = { id: 'W0HAL', name: 'hal', email: 'hal@example.com', isAdmin: true, teamId: 'T0HULL' };
    hull.addUser(hal);
    // Hal is a member of Deck's channels too (Grid users can join several workspaces); Hull stays his home.
    deck.addUser({ ...hal, isAdmin: false, enterpriseId: 'E0STAR' });

    const done = await h.install({ enterprise: 'E0STAR' }, 'W0DIA');
    expect(done.status).toBe(200);
    expect(done.html).toContain('every workspace of Starship Group');
    const rows = await h.em().find(SlackInstallation, {});
    expect(rows.map((r) => [r.tenantKey, r.isEnterpriseInstall, r.teamId])).toEqual([
      ['enterprise:E0STAR', true, null],
    ]);

    expect(await ask(deck, 'W0DIA', 'setup Deck Org')).toContain('Deck Org');
    expect(await ask(hull, 'W0HAL', 'setup Hull Org')).toContain('Hull Org');
    const orgs = await h.em().find(Organization, {}, { orderBy: { slackTeamId: 'asc' } });
    expect(orgs.map((o) => [o.slackTeamId, o.slackEnterpriseId, o.name])).toEqual([
      ['T0DECK', 'E0STAR', 'Deck Org'],
      ['T0HULL', 'E0STAR', 'Hull Org'],
    ]);

    // A user of the sibling workspace is one of the enterprise's own: in Deck they are "not a member yet", not a
    // stranger from another company.
    const sibling = await ask(deck, 'W0HAL', 'members');
    expect(sibling).toContain('not a member of Deck Org');

    // A click whose payload has `team: null` (an org-wide context) is resolved to the user's own workspace.
    await deck.appHomeOpened('W0DIA');
    const home = await h.standin.waitFor(() => h.standin.homeView('W0DIA'), 5000, "Dia's Home tab");
    const rename = h.standin
      .buttonsOf((home.view.blocks as unknown[]) ?? [])
      .find((b) => b.actionId === 'home_rename');
    expect(rename).toBeDefined();
    const ack = await deck.blockAction(
      'W0DIA',
      rename as NonNullable<typeof rename>,
      { viewId: home.id },
      {
        teamNull: true,
      },
    );
    expect(ack.status).toBe(200);
    const modal = await h.standin.waitFor(() => h.standin.openView('W0DIA'), 5000, 'the rename modal');
    expect(JSON.stringify(modal.view)).toContain('Deck Org');
  });
});

describe('token rotation', () => {
  it('refreshes an expiring bot token once when two payloads arrive together, and keeps serving', async () => {
    h = await startHarness({ distribution: { tokenRotation: true } });
    const acme = h.standin.addWorkspace({ team: { id: 'T0ACME', name: 'Acme Rockets' } });
    acme.addUser({ id: 'U0AVA', name: 'ava', email: 'ava@example.com', isAdmin: true });
    acme.addUser({ id: 'U0ALF', name: 'alf', email: 'alf@example.com' });
    await h.install({ team: 'T0ACME' }, 'U0AVA');
    expect(acme.botToken).toMatch(/^xoxe\.xoxb-/);
    await ask(acme, 'U0AVA', 'setup Acme Analytics');
    expect(h.standin.refreshCount('T0ACME')).toBe(0);
    const firstToken = acme.botToken;

    // Eleven hours on: the 12-hour token is within the two hours before expiry in which it is refreshed.
    h.clock.advance(11 * 3_600_000);
    // Slack answers the refresh slowly, so the second payload arrives while the first refresh is under way.
    h.standin.addFault({ method: 'oauth.v2.access', delayMs: 400 });
    const refreshCalls = () =>
      h.standin.callsTo('oauth.v2.access').filter((c) => c.args.grant_type === 'refresh_token').length;
    const [ava, alf] = await Promise.all([ask(acme, 'U0AVA', 'overview'), ask(acme, 'U0ALF', 'overview')]);
    expect(ava).toContain('Acme Analytics');
    expect(alf).toMatch(/Acme Analytics/);
    expect(refreshCalls()).toBe(1);
    expect(h.standin.refreshCount('T0ACME')).toBe(1);
    expect(acme.botToken).not.toBe(firstToken);

    // The new token is stored (sealed) and used: no further refresh for the next payload.
    h.standin.clearFaults();
    expect(await ask(acme, 'U0AVA', 'whoami')).toContain('Admin');
    expect(refreshCalls()).toBe(1);
    const row = await h.em().findOneOrFail(SlackInstallation, { teamId: 'T0ACME' });
    expect(row.botRefreshToken).toMatch(/^v1\./);
    expect(h.logs()).not.toContain(acme.botToken as string);
    expect(h.standin.apiErrors.filter((e) => /invalid_refresh_token|token_expired/.test(e.error))).toEqual(
      [],
    );
  });
});

describe('Socket Mode with OAuth', () => {
  it('installs through the HTTP install flow and serves the workspace over the WebSocket with its own token', async () => {
    h = await startHarness({ distribution: {}, env: { SLACK_APP_TOKEN: 'xapp-standin' } });
    expect(h.config.mode).toBe('socket');
    h.standin.deliverTo({ kind: 'socket' });
    await h.standin.socketConnected();
    const acme = h.standin.addWorkspace({ team: { id: 'T0ACME', name: 'Acme Rockets' } });
    acme.addUser({ id: 'U0AVA', name: 'ava', email: 'ava@example.com', isAdmin: true });
    expect((await h.install({ team: 'T0ACME' }, 'U0AVA')).status).toBe(200);
    expect(await ask(acme, 'U0AVA', 'setup Acme Sockets')).toContain('Acme Sockets');
    const calls = h.standin.callsTo('users.info').filter((c) => c.ok);
    expect(calls.length).toBeGreaterThan(0);
    expect(await h.em().count(Organization, { slackTeamId: 'T0ACME' })).toBe(1);
  });
});
