import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditEvent } from '../../src/domain/audit/audit-event.entity.js';
import { Organization } from '../../src/domain/organizations/organization.entity.js';
import { CLIENT_ACTIONS } from '../../src/slack/clients/clients.blocks.js';
import { FIELD_TEXT_REFUSED } from '../../src/slack/edge/answers.js';
import { HOME_ACTIONS } from '../../src/slack/home/home.blocks.js';
import { RENAME_VIEW } from '../../src/slack/organization/rename.blocks.js';
import type { DeliveryOverrides } from '../../src/standin/types.js';
import { type Harness, startHarness, USERS, visibleText } from '../support/harness.js';

const FORM = 'application/x-www-form-urlencoded';
const JSON_TYPE = 'application/json';
/** Slack shows the user an error past 3 s; an edge answer is expected far sooner (generous: a behaviour check). */
const ACK_LIMIT_MS = 3000;

/** `payload=<json>` as Slack posts an interaction. */
function interactionBody(payload: unknown): string {
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

describe('the Slack edge: every payload checked before any listener runs', () => {
  let h: Harness;
  let orgName: () => Promise<string>;

  beforeAll(async () => {
    h = await startHarness();
    await h.setupOrganization('Orbit Analytics');
    orgName = async () => (await h.em().findOneOrFail(Organization, { slackTeamId: h.standin.team.id })).name;
  });
  afterAll(async () => {
    await h.stop();
  });

  /** The app still serves a good request: /healthz and a real command. */
  async function stillServing(): Promise<void> {
    expect((await fetch(`${h.url}/healthz`)).status).toBe(200);
    const reply = await h.ask(USERS.ada.id, 'overview');
    expect(visibleText(reply)).toContain('Orbit Analytics');
  }

  /** A block_actions payload as Slack would send it for Ada, with a live response_url from a real command. */
  async function blockActions(actions: unknown[]): Promise<Record<string, unknown>> {
    await h.ask(USERS.ada.id, 'help');
    const issued = h.standin.lastCommand;
    if (!issued) throw new Error('no command issued');
    return {
      type: 'block_actions',
      user: { id: USERS.ada.id, team_id: h.standin.team.id },
      team: { id: h.standin.team.id, domain: 'orbit' },
      api_app_id: h.standin.appId,
      trigger_id: '123.456.abc',
      channel: { id: issued.payload.channel_id },
      container: { type: 'message', message_ts: '1.1' },
      response_url: issued.responseUrl,
      actions,
    };
  }

  it('a signed form body payload=null is refused with 400 and the process keeps serving', async () => {
    const ack = await h.standin.deliverRaw('payload=null', FORM);
    expect(ack.status).toBe(400);
    expect(ack.json).toMatchObject({ error: 'invalid_payload' });
    expect(h.logs()).toMatch(
      /"level":40[^\n]*"requestId":"[0-9a-f]{8}"[^\n]*Slack payload refused: malformed/,
    );
    await stillServing();
  });

  it('a signed JSON body null, an array, a number and broken JSON are refused with 400', async () => {
    for (const body of ['null', '[]', '[{"type":"block_actions"}]', '42', '"text"', '{"type":']) {
      const ack = await h.standin.deliverRaw(body, JSON_TYPE);
      expect(ack.status, body).toBe(400);
    }
    await stillServing();
  });

  it('block_actions without a user, or with actions that are not an array, get 400 and run nothing', async () => {
    const calls = h.standin.calls.length;
    const good = await blockActions([{ action_id: CLIENT_ACTIONS.create, type: 'button', value: 'x' }]);
    const afterSetup = h.standin.calls.length;
    expect(afterSetup).toBeGreaterThanOrEqual(calls);
    const { user: _user, ...noUser } = good;
    for (const payload of [noUser, { ...good, actions: 'client_create' }, { ...good, actions: {} }]) {
      const ack = await h.standin.deliverRaw(interactionBody(payload), FORM);
      expect(ack.status).toBe(400);
      expect(ack.elapsedMs).toBeLessThan(ACK_LIMIT_MS);
    }
    expect(h.standin.callsTo('views.open')).toHaveLength(0);
    await stillServing();
  });

  it('an unknown action_id is acknowledged at once and the user is told the button is out of date', async () => {
    const payload = await blockActions([
      { action_id: 'retired_button', block_id: 'b1', type: 'button', value: '1' },
    ]);
    const before = new Set(h.standin.ephemerals);
    const ack = await h.standin.deliverRaw(interactionBody(payload), FORM);
    expect(ack.status).toBe(200);
    expect(ack.body).toBe('');
    expect(ack.elapsedMs).toBeLessThan(ACK_LIMIT_MS);
    const told = await h.standin.waitFor(
      () => h.standin.ephemerals.find((e) => e.user === USERS.ada.id && !before.has(e)),
      3000,
      'the out-of-date reply',
    );
    expect(visibleText(told)).toMatch(/This button is out of date/);
  });

  it('an unknown action_id without a response_url is told by chat.postEphemeral in the channel', async () => {
    const { response_url: _url, ...payload } = await blockActions([
      { action_id: 'retired_button', type: 'button', value: '1' },
    ]);
    const before = new Set(h.standin.ephemerals);
    const ack = await h.standin.deliverRaw(interactionBody(payload), FORM);
    expect(ack.status).toBe(200);
    const told = await h.standin.waitFor(
      () => h.standin.ephemerals.find((e) => e.user === USERS.ada.id && !before.has(e)),
      3000,
      'the out-of-date ephemeral',
    );
    expect(told.via).toBe('chat.postEphemeral');
    expect(visibleText(told)).toMatch(/out of date/);
  });

  it('a listener that fails after its ack: the user gets the apology quoting the request id the logs carry', async () => {
    const payload = await blockActions([{ action_id: HOME_ACTIONS.rename, type: 'button', value: 'rename' }]);
    // A trigger_id Slack never issued: views.open fails inside the listener, after it acknowledged.
    payload.trigger_id = '9.9.never-issued';
    const before = new Set(h.standin.ephemerals);
    const ack = await h.standin.deliverRaw(interactionBody(payload), FORM);
    expect(ack.status).toBe(200);
    expect(ack.elapsedMs).toBeLessThan(ACK_LIMIT_MS);
    const apology = await h.standin.waitFor(
      () => h.standin.ephemerals.find((e) => e.user === USERS.ada.id && !before.has(e)),
      3000,
      'the apology',
    );
    const reference = /Reference: `([0-9a-f]{8})`/.exec(visibleText(apology))?.[1];
    expect(reference).toBeDefined();
    expect(h.logs()).toMatch(new RegExp(`"requestId":"${reference}"[^\n]*listener failed`));
    await stillServing();
  });

  it('an unknown payload type is acknowledged with an empty 200 and logged at warn', async () => {
    for (const type of ['message_action', 'shortcut', 'interactive_message', 'totally_new']) {
      const ack = await h.standin.deliverRaw(interactionBody({ type, user: { id: USERS.ada.id } }), FORM);
      expect(ack.status, type).toBe(200);
      expect(ack.body).toBe('');
      expect(ack.elapsedMs).toBeLessThan(ACK_LIMIT_MS);
    }
    expect(h.logs()).toMatch(/"level":40[^\n]*payload type totally_new is not handled/);
  });

  it('an event this app does not subscribe to is acknowledged, one of its events with a bad shape is refused', async () => {
    const other = await h.standin.event({ type: 'reaction_added', user: USERS.ada.id });
    expect(other.status).toBe(200);
    expect(other.elapsedMs).toBeLessThan(ACK_LIMIT_MS);
    const bad = await h.standin.event({ type: 'user_change', user: { name: 'no id' } });
    expect(bad.status).toBe(400);
    const good = await h.standin.event({
      type: 'user_change',
      user: { id: USERS.bob.id, team_id: h.standin.team.id, deleted: false },
    });
    expect(good.status).toBe(200);
  });

  it('a NUL in a button value is refused before any query: the user is told, nothing changes, no SQL error', async () => {
    const audits = await h.em().count(AuditEvent, {});
    const logged = h.logs().length;
    const payload = await blockActions([
      { action_id: CLIENT_ACTIONS.disable, block_id: 'client_row:x', type: 'button', value: 'cli_\u0000abc' },
    ]);
    const before = new Set(h.standin.ephemerals);
    const ack = await h.standin.deliverRaw(interactionBody(payload), FORM);
    expect(ack.status).toBe(200);
    const told = await h.standin.waitFor(
      () => h.standin.ephemerals.find((e) => e.user === USERS.ada.id && !before.has(e)),
      3000,
      'the refusal',
    );
    expect(visibleText(told)).toMatch(/control characters such as NUL/);
    expect(await h.em().count(AuditEvent, {})).toBe(audits);
    expect(h.logs().slice(logged)).not.toMatch(/SQLITE|listener failed/);
  });

  it('a NUL or other control character in command text is refused with a clear reply, nothing renamed', async () => {
    for (const text of ['rename Bad\u0000Name', 'rename Bell\u0007', 'rename Escape\u001b[31m']) {
      const ack = await h.command(USERS.ada.id, text);
      expect(ack.status).toBe(200);
      expect(JSON.stringify(ack.json)).toMatch(/control characters such as NUL/);
    }
    expect(await orgName()).toBe('Orbit Analytics');
  });

  it('command text longer than Slack allows in a message is refused at once, nothing renamed', async () => {
    const ack = await h.command(USERS.ada.id, `rename ${'x'.repeat(300_000)}`);
    expect(ack.status).toBe(200);
    expect(ack.elapsedMs).toBeLessThan(ACK_LIMIT_MS);
    expect(JSON.stringify(ack.json)).toMatch(/longer than 40,000 characters/);
    expect(await orgName()).toBe('Orbit Analytics');
  });

  it('a NUL in a modal input gets an inline error under that field and changes nothing', async () => {
    await h.command(USERS.ada.id, 'rename');
    const view = await h.standin.waitFor(() => h.standin.openView(USERS.ada.id), 3000, 'the rename modal');
    const ack = await h.standin.viewSubmission(
      USERS.ada.id,
      view.id,
      {
        [RENAME_VIEW.blockId]: {
          [RENAME_VIEW.actionId]: { type: 'plain_text_input', value: 'Nul\u0000Corp' },
        },
      },
      { skipClientValidation: true },
    );
    expect(ack.status).toBe(200);
    expect(ack.json).toEqual({
      response_action: 'errors',
      errors: { [RENAME_VIEW.blockId]: FIELD_TEXT_REFUSED },
    });
    expect(await orgName()).toBe('Orbit Analytics');
  });

  it('a modal submission this app no longer handles is answered with an out-of-date view', async () => {
    const payload = {
      type: 'view_submission',
      user: { id: USERS.ada.id, team_id: h.standin.team.id },
      team: { id: h.standin.team.id },
      view: { id: 'V0OLD', callback_id: 'retired_modal', state: { values: {} } },
    };
    const ack = await h.standin.deliverRaw(interactionBody(payload), FORM);
    expect(ack.status).toBe(200);
    expect(ack.json).toMatchObject({ response_action: 'update', view: { type: 'modal' } });
  });

  it('an unknown slash command is acknowledged with a reply naming it', async () => {
    const ack = await h.command(USERS.ada.id, 'help', { command: '/retired' });
    expect(ack.status).toBe(200);
    expect(JSON.stringify(ack.json)).toMatch(/`\/retired` is not a command of this app/);
  });

  it('a signature dated one day in the future is refused with 401 and nothing is renamed', async () => {
    const ack = await h.command(USERS.ada.id, 'rename Future', {
      timestampSeconds: Math.floor(Date.now() / 1000) + 24 * 60 * 60,
    });
    expect(ack.status).toBe(401);
    expect(await orgName()).toBe('Orbit Analytics');
    expect(h.logs()).toMatch(/timestamp_outside_window/);
  });

  it('signatures six minutes away either way are refused; four minutes either way are accepted', async () => {
    const now = Math.floor(Date.now() / 1000);
    for (const offset of [6 * 60, -6 * 60]) {
      const ack = await h.command(USERS.ada.id, 'rename Replayed', { timestampSeconds: now + offset });
      expect(ack.status, `offset ${offset}`).toBe(401);
    }
    expect(await orgName()).toBe('Orbit Analytics');
    for (const offset of [4 * 60, -4 * 60]) {
      const ack = await h.command(USERS.ada.id, 'overview', { timestampSeconds: now + offset });
      expect(ack.status, `offset ${offset}`).toBe(200);
    }
  });

  it('missing or garbled signature headers, and a wrong secret, get 401', async () => {
    const body = interactionBody({ type: 'block_actions' });
    const variants: DeliveryOverrides[] = [
      { omitSignature: true },
      { headers: { 'x-slack-signature': 'v0=zz' } },
      { headers: { 'x-slack-signature': `v1=${'0'.repeat(64)}` } },
      { headers: { 'x-slack-request-timestamp': 'soon' } },
      { headers: { 'x-slack-request-timestamp': '' } },
      { signingSecret: 'not-the-secret' },
    ];
    for (const overrides of variants) {
      const ack = await h.standin.deliverRaw(body, FORM, overrides);
      expect(ack.status, JSON.stringify(overrides)).toBe(401);
    }
  });

  it('deeply nested JSON in a payload is refused or served, never a crash', async () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    const payload = await blockActions([{ action_id: CLIENT_ACTIONS.create, type: 'button', value: 'x' }]);
    const inAction = JSON.stringify({
      ...payload,
      actions: [{ action_id: CLIENT_ACTIONS.create, type: 'button' }],
    }).replace('"type":"button"', `"type":"button","nested":${deep}`);
    const inMessage = JSON.stringify({ ...payload, message: { ts: '1.1' } }).replace(
      '"ts":"1.1"',
      `"ts":"1.1","nested":${deep}`,
    );
    for (const json of [inAction, inMessage, deep]) {
      const ack = await h.standin.deliverRaw(new URLSearchParams({ payload: json }).toString(), FORM);
      expect(ack.status).toBeLessThan(500);
    }
    await stillServing();
  });

  it('an unknown content type gets 415 and a body over the limit 413', async () => {
    expect((await h.standin.deliverRaw('{}', 'text/plain')).status).toBe(415);
    const huge = `payload=${'x'.repeat(4 * 1024 * 1024 + 1)}`;
    expect((await h.standin.deliverRaw(huge, FORM)).status).toBe(413);
    await stillServing();
  });

  it('url_verification and ssl_check are answered at the edge', async () => {
    const challenge = await h.standin.deliverRaw(
      JSON.stringify({ type: 'url_verification', token: 't', challenge: 'abc123' }),
      JSON_TYPE,
    );
    expect(challenge.status).toBe(200);
    expect(challenge.json).toEqual({ challenge: 'abc123' });
    const ssl = await h.standin.deliverRaw('ssl_check=1&token=t', FORM);
    expect(ssl.status).toBe(200);
  });

  it('after all of it the process is alive and serving', async () => {
    await stillServing();
    expect(h.logs()).not.toMatch(/"level":50[^\n]*the Slack edge failed/);
  });
});
