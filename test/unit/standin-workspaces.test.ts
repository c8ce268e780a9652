import { afterEach, describe, expect, it } from 'vitest';
import { SlackStandIn } from '../../src/standin/index.js';
import type { JsonObject } from '../../src/standin/types.js';
import { type ReceivedRequest, slackError, startBareApp, webClient } from '../support/standin-kit.js';

const SIGNING_SECRET = 'workspaces-signing-secret';
const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

/** A started stand-in with the default workspace and two more (Acme, Globex), each with a user and a channel. */
async function startTwoTeams() {
  const slack = new SlackStandIn({ signingSecret: SIGNING_SECRET });
  await slack.start();
  cleanups.push(() => slack.stop());
  const acme = slack.addWorkspace({ team: { id: 'T0ACME', name: 'Acme' }, botToken: 'xoxb-acme' });
  const globex = slack.addWorkspace({ team: { id: 'T0GLOBEX', name: 'Globex' }, botToken: 'xoxb-globex' });
  acme.addUser({ id: 'U0ADA', name: 'ada', email: 'ada@example.com' });
  globex.addUser({ id: 'U0GUS', name: 'gus', email: 'gus@example.com' });
  acme.addChannel({ id: 'C0ACME', name: 'general', members: ['U0ADA', acme.botUserId] });
  globex.addChannel({ id: 'C0GLOBEX', name: 'general', members: ['U0GUS', globex.botUserId] });
  const app = await startBareApp(SIGNING_SECRET);
  cleanups.push(app.close);
  slack.deliverTo({ kind: 'http', url: app.url });
  return { slack, acme, globex, app };
}

/** A Grid organization with two workspaces, installed org-wide with a static token unless `orgWide` is false. */
async function startGrid(orgWide = true) {
  const slack = new SlackStandIn({ signingSecret: SIGNING_SECRET });
  await slack.start();
  cleanups.push(() => slack.stop());
  const org = slack.addEnterprise({
    id: 'E0STAR',
    name: 'Starship',
    ...(orgWide ? { orgBotToken: 'xoxb-org' } : {}),
  });
  const deck = slack.addWorkspace({ team: { id: 'T0DECK', name: 'Deck' }, enterpriseId: org.id });
  const lab = slack.addWorkspace({ team: { id: 'T0LAB', name: 'Lab' }, enterpriseId: org.id });
  deck.addUser({ id: 'W0DIA', name: 'dia', email: 'dia@example.com' });
  lab.addUser({ id: 'W0LEO', name: 'leo', email: 'leo@example.com' });
  deck.addChannel({ id: 'C0DECK', name: 'deck', members: ['W0DIA', deck.botUserId] });
  lab.addChannel({ id: 'C0LAB', name: 'lab', members: ['W0LEO', lab.botUserId] });
  const app = await startBareApp(SIGNING_SECRET);
  cleanups.push(app.close);
  slack.deliverTo({ kind: 'http', url: app.url });
  return { slack, org, deck, lab, app };
}

function lastRequest(requests: readonly ReceivedRequest[]): ReceivedRequest {
  const last = requests.at(-1);
  if (!last) throw new Error('the app received nothing');
  return last;
}

describe('several workspaces', () => {
  it('each token answers for its own workspace: auth.test, team.info, users, channels', async () => {
    const { slack, acme } = await startTwoTeams();
    const a = webClient(slack.apiUrl, 'xoxb-acme');
    expect(await a.auth.test()).toMatchObject({
      team_id: 'T0ACME',
      team: 'Acme',
      user_id: 'U0BOTACME',
      bot_id: 'B0BOTACME',
      is_enterprise_install: false,
    });
    expect((await a.team.info()).team).toMatchObject({ id: 'T0ACME', name: 'Acme', domain: 'acme' });
    expect((await a.users.info({ user: 'U0ADA' })).user).toMatchObject({ id: 'U0ADA', team_id: 'T0ACME' });
    expect((await a.users.lookupByEmail({ email: 'ADA@example.com' })).user?.id).toBe('U0ADA');
    const posted = await a.chat.postMessage({ channel: 'C0ACME', text: 'hello Acme' });
    expect(slack.findMessage('C0ACME', posted.ts ?? '')).toMatchObject({
      user: acme.botUserId,
      text: 'hello Acme',
    });
    expect(posted.message).toMatchObject({ team: 'T0ACME', bot_id: 'B0BOTACME' });
    // The default workspace and its token are as before.
    expect(await webClient(slack.apiUrl, slack.botToken).auth.test()).toMatchObject({ team_id: 'T0STANDIN' });
    expect(slack.defaultWorkspace.team.id).toBe('T0STANDIN');
    expect(slack.workspace('T0ACME')).toBe(acme);
    expect(() => slack.addWorkspace({ team: { id: 'T0ACME', name: 'Again' } })).toThrow('exists already');
    expect(() => slack.addWorkspace({ team: { id: 'T0DUP', name: 'Dup' }, botToken: 'xoxb-acme' })).toThrow(
      'taken',
    );
    expect(() =>
      slack.addWorkspace({ team: { id: 'T0ORPHAN', name: 'Orphan' }, enterpriseId: 'E0NONE' }),
    ).toThrow('Unknown enterprise');
  });

  it("team A's token never reads team B's user, channel, messages or views", async () => {
    const { slack, globex } = await startTwoTeams();
    const a = webClient(slack.apiUrl, 'xoxb-acme');
    const b = webClient(slack.apiUrl, 'xoxb-globex');
    expect(await slackError(a.users.info({ user: 'U0GUS' }))).toBe('user_not_found');
    expect(await slackError(a.users.lookupByEmail({ email: 'gus@example.com' }))).toBe('users_not_found');
    expect(await slackError(a.conversations.info({ channel: 'C0GLOBEX' }))).toBe('channel_not_found');
    expect(await slackError(a.chat.postMessage({ channel: 'C0GLOBEX', text: 'x' }))).toBe(
      'channel_not_found',
    );
    expect(await slackError(a.chat.postMessage({ channel: 'U0GUS', text: 'x' }))).toBe('channel_not_found');
    expect(await slackError(a.conversations.open({ users: 'U0GUS' }))).toBe('user_not_found');

    const secret = await b.chat.postMessage({ channel: 'C0GLOBEX', text: 'Globex only' });
    const ts = secret.ts ?? '';
    expect(await slackError(a.chat.update({ channel: 'C0GLOBEX', ts, text: 'hijack' }))).toBe(
      'channel_not_found',
    );
    expect(await slackError(a.chat.delete({ channel: 'C0GLOBEX', ts }))).toBe('channel_not_found');
    expect(slack.findMessage('C0GLOBEX', ts)?.text).toBe('Globex only');

    const home = await b.views.publish({ user_id: 'U0GUS', view: { type: 'home', blocks: [] } });
    const viewId = home.view?.id ?? '';
    expect(await slackError(a.views.update({ view_id: viewId, view: { type: 'home', blocks: [] } }))).toBe(
      'not_found',
    );
    expect(await slackError(a.views.publish({ user_id: 'U0GUS', view: { type: 'home', blocks: [] } }))).toBe(
      'user_not_found',
    );
    // A trigger from Globex opens nothing with Acme's token.
    await globex.command('U0GUS', 'help');
    const triggerId = globex.lastCommand?.triggerId ?? '';
    const modal = { type: 'modal' as const, title: { type: 'plain_text' as const, text: 'M' }, blocks: [] };
    expect(await slackError(a.views.open({ trigger_id: triggerId, view: modal }))).toBe('invalid_trigger_id');
  });

  it('payloads from another workspace carry its team; a Slack Connect user keeps their own team_id', async () => {
    const { acme, app } = await startTwoTeams();
    acme.addUser({ id: 'U0GUEST', name: 'guest', teamId: 'T0PARTNER' });
    acme.addChannel({ id: 'C0SHARED', name: 'shared', members: ['U0ADA', 'U0GUEST', acme.botUserId] });
    await acme.command('U0ADA', 'help');
    expect(lastRequest(app.requests).payload).toMatchObject({
      team_id: 'T0ACME',
      team_domain: 'acme',
      user_id: 'U0ADA',
      is_enterprise_install: 'false',
    });
    expect(lastRequest(app.requests).payload).not.toHaveProperty('enterprise_id');
    await acme.event({ type: 'app_mention', user: 'U0GUEST', channel: 'C0SHARED', text: 'hi' });
    const event = lastRequest(app.requests);
    expect(event.signatureValid).toBe(true);
    expect(event.payload).toMatchObject({
      team_id: 'T0ACME',
      authorizations: [{ team_id: 'T0ACME', user_id: 'U0BOTACME', is_enterprise_install: false }],
    });
  });

  it('a fault can be limited to one team', async () => {
    const { slack } = await startTwoTeams();
    slack.addFault({ method: 'chat.postMessage', status: 503, teamId: 'T0GLOBEX' });
    const a = webClient(slack.apiUrl, 'xoxb-acme');
    const b = webClient(slack.apiUrl, 'xoxb-globex');
    expect((await a.chat.postMessage({ channel: 'C0ACME', text: 'fine' })).ok).toBe(true);
    await expect(b.chat.postMessage({ channel: 'C0GLOBEX', text: 'down' })).rejects.toThrow(/503/);
    expect(slack.faults[0]).toMatchObject({ teamId: 'T0GLOBEX', hits: 1 });
    expect(() => slack.addFault({ method: '*', status: 500, teamId: 'not a team' })).toThrow('teamId');
  });
});

describe('Enterprise Grid', () => {
  it('an org-wide token answers auth.test for the organization and serves both workspaces', async () => {
    const { slack } = await startGrid();
    const org = webClient(slack.apiUrl, 'xoxb-org');
    expect(await org.auth.test()).toMatchObject({
      team_id: 'E0STAR',
      enterprise_id: 'E0STAR',
      team: 'Starship',
      user_id: 'W0BOTSTAR',
      bot_id: 'B0BOTSTAR',
      is_enterprise_install: true,
      url: 'https://starship.enterprise.slack.com/',
    });
    expect((await org.users.info({ user: 'W0DIA' })).user).toMatchObject({ team_id: 'T0DECK' });
    expect((await org.users.info({ user: 'W0LEO' })).user).toMatchObject({ team_id: 'T0LAB' });
    expect((await org.users.lookupByEmail({ email: 'leo@example.com' })).user?.id).toBe('W0LEO');
    expect((await org.chat.postMessage({ channel: 'C0DECK', text: 'deck' })).ok).toBe(true);
    expect((await org.chat.postMessage({ channel: 'C0LAB', text: 'lab' })).message).toMatchObject({
      team: 'T0LAB',
    });
    expect((await org.team.info({ team: 'T0LAB' })).team).toMatchObject({
      id: 'T0LAB',
      enterprise_id: 'E0STAR',
      enterprise_name: 'Starship',
    });
    expect(await slackError(org.team.info())).toBe('invalid_arguments');
    expect(await slackError(org.apiCall('team.info', { team_id: 'T0OTHER' }))).toBe(
      'team_access_not_granted',
    );
  });

  it('a workspace token in a Grid sees its workspace only and names the organization', async () => {
    const { slack, deck } = await startGrid(false);
    const grant = slack.addWorkspace({
      team: { id: 'T0SOLO', name: 'Solo' },
      enterpriseId: 'E0STAR',
      botToken: 'xoxb-solo',
    });
    grant.addUser({ id: 'W0SOL', name: 'sol' });
    const solo = webClient(slack.apiUrl, 'xoxb-solo');
    expect(await solo.auth.test()).toMatchObject({
      team_id: 'T0SOLO',
      enterprise_id: 'E0STAR',
      is_enterprise_install: false,
    });
    expect(await slackError(solo.users.info({ user: 'W0DIA' }))).toBe('user_not_found');
    expect(deck.isEnterpriseInstall).toBe(false);
  });

  it('payloads from Grid workspaces carry the organization and is_enterprise_install as Slack sends them', async () => {
    const { deck, lab, app } = await startGrid();
    await deck.command('W0DIA', 'help');
    expect(lastRequest(app.requests).payload).toMatchObject({
      team_id: 'T0DECK',
      enterprise_id: 'E0STAR',
      enterprise_name: 'Starship',
      is_enterprise_install: 'true',
    });
    await lab.event({ type: 'app_mention', user: 'W0LEO', channel: 'C0LAB', text: 'hi' });
    expect(lastRequest(app.requests).payload).toMatchObject({
      team_id: 'T0LAB',
      enterprise_id: 'E0STAR',
      context_team_id: 'T0LAB',
      context_enterprise_id: 'E0STAR',
      authorizations: [
        { enterprise_id: 'E0STAR', team_id: null, user_id: 'W0BOTSTAR', is_enterprise_install: true },
      ],
    });
  });

  it('block actions carry enterprise and team.enterprise_id, or team null; user.team_id may differ', async () => {
    const { slack, deck, app } = await startGrid();
    // Leo of the Lab workspace acts in a Deck channel shared across the organization.
    deck.addUser({ id: 'W0LEO', name: 'leo', teamId: 'T0LAB' });
    deck.addChannel({ id: 'C0DECK', name: 'deck', members: ['W0DIA', 'W0LEO', deck.botUserId] });
    const org = webClient(slack.apiUrl, 'xoxb-org');
    const posted = await org.chat.postMessage({
      channel: 'C0DECK',
      text: 'Pick',
      blocks: [
        {
          type: 'actions',
          block_id: 'b',
          elements: [{ type: 'button', action_id: 'go', text: { type: 'plain_text', text: 'Go' } }],
        },
      ],
    });
    const source = { channelId: 'C0DECK', messageTs: posted.ts ?? '' };
    await deck.blockAction('W0LEO', { actionId: 'go' }, source);
    const payload: JsonObject = lastRequest(app.requests).payload;
    expect(payload).toMatchObject({
      team: { id: 'T0DECK', enterprise_id: 'E0STAR', enterprise_name: 'Starship' },
      enterprise: { id: 'E0STAR', name: 'Starship' },
      is_enterprise_install: true,
      user: { id: 'W0LEO', team_id: 'T0LAB' },
    });
    await deck.blockAction('W0DIA', { actionId: 'go' }, source, { teamNull: true });
    expect(lastRequest(app.requests).payload).toMatchObject({
      team: null,
      enterprise: { id: 'E0STAR' },
      user: { id: 'W0DIA', team_id: 'T0DECK' },
    });
  });

  it('views opened with the org-wide token name the organization as app_installed_team_id', async () => {
    const { slack, deck } = await startGrid();
    await deck.command('W0DIA', 'rename');
    const org = webClient(slack.apiUrl, 'xoxb-org');
    const opened = await org.views.open({
      trigger_id: deck.lastCommand?.triggerId ?? '',
      view: { type: 'modal', title: { type: 'plain_text', text: 'Rename' }, blocks: [] },
    });
    expect(opened.view).toMatchObject({ team_id: 'T0DECK', app_installed_team_id: 'E0STAR' });
    expect(deck.openView('W0DIA')?.id).toBe(opened.view?.id);
  });
});

describe('uninstall and revoked tokens', () => {
  it('uninstall revokes the workspace tokens and delivers app_uninstalled, signed', async () => {
    const { slack, app } = await startTwoTeams();
    await slack.uninstall('T0ACME');
    expect(await slackError(webClient(slack.apiUrl, 'xoxb-acme').auth.test())).toBe('token_revoked');
    expect((await webClient(slack.apiUrl, 'xoxb-globex').auth.test()).ok).toBe(true);
    const delivered = lastRequest(app.requests);
    expect(delivered.signatureValid).toBe(true);
    expect(delivered.payload).toMatchObject({
      type: 'event_callback',
      team_id: 'T0ACME',
      event: { type: 'app_uninstalled' },
    });
    expect(slack.workspace('T0ACME')?.botToken).toBeUndefined();
    await expect(slack.uninstall('T0ACME')).rejects.toThrow('not installed');
    await expect(slack.uninstall('T0NOPE')).rejects.toThrow('No workspace');
  });

  it('revokeTokens delivers tokens_revoked with the bot user in tokens.bot', async () => {
    const { slack, app } = await startTwoTeams();
    await slack.revokeTokens('T0GLOBEX');
    expect(await slackError(webClient(slack.apiUrl, 'xoxb-globex').users.info({ user: 'U0GUS' }))).toBe(
      'token_revoked',
    );
    expect(lastRequest(app.requests).payload).toMatchObject({
      team_id: 'T0GLOBEX',
      event: { type: 'tokens_revoked', tokens: { oauth: [], bot: ['U0BOTGLOBEX'] } },
    });
  });

  it('an org-wide uninstall revokes the one token and says is_enterprise_install in authorizations', async () => {
    const { slack, deck, app } = await startGrid();
    expect(deck.isEnterpriseInstall).toBe(true);
    await slack.uninstall('E0STAR');
    expect(await slackError(webClient(slack.apiUrl, 'xoxb-org').auth.test())).toBe('token_revoked');
    expect(lastRequest(app.requests).payload).toMatchObject({
      enterprise_id: 'E0STAR',
      event: { type: 'app_uninstalled' },
      authorizations: [{ enterprise_id: 'E0STAR', team_id: null, is_enterprise_install: true }],
    });
    expect(deck.isEnterpriseInstall).toBe(false);
  });
});
