/**
 * The leaked-secret guard through signed `message` events from the stand-in into the running app: a live client
 * secret or access token pasted in a channel is neutralised within the delivery, the poster and the admins are told
 * (never with the secret), the audit records it; lookalikes change nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditEvent } from '../../src/domain/audit/audit-event.entity.js';
import { AccessToken, ApiClient } from '../../src/domain/clients/client.entity.js';
import { CLIENT_SECRET_PREFIX, generateCredential } from '../../src/domain/clients/credentials.js';
import { findLeakCandidates, safeFileName } from '../../src/domain/clients/leaks.js';
import { SlackDelivery } from '../../src/slack/deliveries/slack-delivery.entity.js';
import type { InteractiveElement, RecordedEphemeral } from '../../src/standin/index.js';
import { type Harness, queriesDuring, startHarness, USERS, visibleText } from '../support/harness.js';

const { ada, bob } = USERS;
const SECRET = /abo_cs_[0-9A-Za-z]+/;
const CLIENT_ID = /cli_[a-z2-7]{20}/;
const CHANNEL = 'C0LEAKS';

/** Every credential used here, for the search through logs and messages at the end. */
const credentials: string[] = [];

async function createClient(h: Harness, name: string): Promise<{ clientId: string; secret: string }> {
  const reply = await h.ask(ada.id, `clients create ${name}`);
  const secret = SECRET.exec(visibleText(reply))?.[0];
  const clientId = CLIENT_ID.exec(visibleText(reply))?.[0];
  if (!secret || !clientId) throw new Error(`no credentials in ${visibleText(reply)}`);
  credentials.push(secret);
  return { clientId, secret };
}

async function tokenFor(h: Harness, clientId: string, secret: string): Promise<string> {
  const res = await fetch(`${h.url}/oauth/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`,
    },
    body: 'grant_type=client_credentials',
  });
  const json = (await res.json()) as { access_token?: string };
  expect(res.status).toBe(200);
  const token = String(json.access_token);
  credentials.push(token);
  return token;
}

async function apiStatus(h: Harness, token: string): Promise<number> {
  const res = await fetch(`${h.url}/api/v1/organization`, { headers: { authorization: `Bearer ${token}` } });
  await res.text();
  return res.status;
}

function post(h: Harness, user: string, text: string) {
  return h.standin.event({ type: 'message', channel: CHANNEL, channel_type: 'channel', user, text, ts: '1' });
}

function nextEphemeral(
  h: Harness,
  userId: string,
  before: Set<RecordedEphemeral>,
): Promise<RecordedEphemeral> {
  return h.standin.waitFor(
    () => h.standin.ephemerals.find((e) => e.user === userId && !before.has(e)),
    5000,
    `an ephemeral for ${userId}`,
  );
}

async function clientStatus(h: Harness, clientId: string): Promise<string> {
  return (await h.em().findOneOrFail(ApiClient, { id: clientId })).status;
}

describe('leaked-secret guard', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    await h.setupOrganization('Orbit Analytics');
    h.standin.addChannel({ id: CHANNEL, name: 'general', members: [ada.id, bob.id, h.standin.botUserId] });
  });
  afterAll(async () => h?.stop());

  it('disables the client of a secret pasted in a channel, tells the poster and the admins, audits it', async () => {
    const { clientId, secret } = await createClient(h, 'Exporter');
    const token = await tokenFor(h, clientId, secret);
    expect(await apiStatus(h, token)).toBe(200);
    const before = new Set(h.standin.ephemerals);
    const adminDms = h.standin.messagesIn(h.standin.imChannelOf(ada.id)).length;

    await post(h, bob.id, `here you go: ${secret} — thanks`);

    const notice = await nextEphemeral(h, bob.id, before);
    expect(notice.channel).toBe(CHANNEL);
    expect(visibleText(notice)).toContain('Exporter');
    expect(visibleText(notice)).toContain('disabled');
    expect(await clientStatus(h, clientId)).toBe('disabled');
    expect(await apiStatus(h, token)).toBe(401);
    const dm = await h.standin.waitFor(
      () => h.standin.messagesIn(h.standin.imChannelOf(ada.id))[adminDms],
      5000,
      'the admin DM',
    );
    expect(dm.text).toContain('Exporter');
    expect(dm.text).toContain(`<#${CHANNEL}>`);
    expect(dm.text).toContain(`<@${bob.id}>`);
    // Sent through the durable Slack delivery outbox, to the one Admin (the listener waits for the run).
    await h.app.lifecycle.idle();
    const rows = await h.em().find(SlackDelivery, { kind: 'leak_notice' });
    expect(rows.map((r) => [r.target, r.status, r.payload.clientId])).toEqual([[ada.id, 'sent', clientId]]);
    const audit = await h
      .em()
      .findOneOrFail(AuditEvent, { action: 'client.secret_leaked', targetId: clientId });
    expect(audit.actorSlackUserId).toBeNull();
    expect(audit.details).toMatchObject({ channel: CHANNEL, poster: bob.id, outcome: 'disabled' });

    // The DM's Rotate, then the Enable of the list that replaces it: the new secret works, the leaked one never again.
    const source = { channelId: dm.channel, messageTs: dm.ts };
    const rotate = h.standin.buttonsOf(dm.blocks).find((b) => b.actionId === 'client_rotate');
    expect(rotate?.value).toBe(clientId);
    const beforeRotate = new Set(h.standin.ephemerals);
    await h.standin.blockAction(ada.id, rotate as InteractiveElement, source);
    const issued = await h.standin.waitFor(
      () => h.standin.ephemerals.find((e) => !beforeRotate.has(e) && SECRET.test(visibleText(e))),
      5000,
      'the new secret',
    );
    const fresh = SECRET.exec(visibleText(issued))?.[0] ?? '';
    credentials.push(fresh);
    const list = await h.standin.waitFor(
      () => {
        const m = h.standin.findMessage(dm.channel, dm.ts);
        return m && h.standin.buttonsOf(m.blocks).some((b) => b.actionId === 'client_enable') ? m : undefined;
      },
      5000,
      'the clients list in place of the DM',
    );
    const enable = h.standin
      .buttonsOf(list.blocks)
      .find((b) => b.actionId === 'client_enable' && b.value === clientId);
    await h.standin.blockAction(ada.id, enable as InteractiveElement, source);
    await h.standin.waitFor(
      () => {
        const m = h.standin.findMessage(dm.channel, dm.ts);
        return m &&
          h.standin.buttonsOf(m.blocks).some((b) => b.actionId === 'client_disable' && b.value === clientId)
          ? m
          : undefined;
      },
      5000,
      'the list showing the client enabled',
    );
    expect(await clientStatus(h, clientId)).toBe('active');
    expect(await apiStatus(h, await tokenFor(h, clientId, fresh))).toBe(200);
    const old = await fetch(`${h.url}/oauth/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`,
      },
      body: 'grant_type=client_credentials',
    });
    await old.text();
    expect(old.status).toBe(401);
  });

  it('revokes an access token pasted in a channel', async () => {
    const { clientId, secret } = await createClient(h, 'Reporter');
    const token = await tokenFor(h, clientId, secret);
    const other = await tokenFor(h, clientId, secret);
    const before = new Set(h.standin.ephemerals);

    await post(h, ada.id, `curl -H "Authorization: Bearer ${token}"`);

    const notice = await nextEphemeral(h, ada.id, before);
    expect(visibleText(notice)).toContain('revoked');
    // A revoked token leaves its client as it was: nothing to enable, no secret to rotate.
    expect(visibleText(notice)).not.toMatch(/enable the client|rotate the secret/);
    expect(await apiStatus(h, token)).toBe(401);
    expect(await apiStatus(h, other)).toBe(200);
    expect(await clientStatus(h, clientId)).toBe('active');
    expect(await h.em().count(AuditEvent, { action: 'token.leaked', targetId: clientId })).toBe(1);
  });

  it('catches a secret added by an edit (message_changed)', async () => {
    const { clientId, secret } = await createClient(h, 'Edited');
    const before = new Set(h.standin.ephemerals);
    await h.standin.event({
      type: 'message',
      subtype: 'message_changed',
      channel: CHANNEL,
      hidden: true,
      message: { type: 'message', user: bob.id, text: `oops ${secret}`, ts: '2' },
      previous_message: { type: 'message', user: bob.id, text: 'oops', ts: '2' },
    });
    await nextEphemeral(h, bob.id, before);
    expect(await clientStatus(h, clientId)).toBe('disabled');
  });

  it('ignores lookalikes (wrong checksum, unknown) and changes nothing', async () => {
    const { clientId, secret } = await createClient(h, 'Untouched');
    const last = secret.at(-1) === 'A' ? 'B' : 'A';
    const wrongChecksum = secret.slice(0, -1) + last;
    const unknown = generateCredential(CLIENT_SECRET_PREFIX);
    expect(findLeakCandidates(`${wrongChecksum} abo_at_short x${secret}`)).toEqual([]);
    expect(findLeakCandidates(`${wrongChecksum} (${unknown})`)).toEqual([
      { kind: 'client_secret', value: unknown },
    ]);
    // A file name is shown with anything credential-shaped in it replaced (whatever its checksum).
    expect(safeFileName(`keys ${wrongChecksum}.txt`)).toBe('keys [credential].txt');
    const ephemerals = h.standin.ephemerals.length;
    const audits = await h.em().count(AuditEvent, {});
    const tokens = await h.em().count(AccessToken, {});

    await post(h, bob.id, `${wrongChecksum} and ${unknown}`);
    // A bot's message (ours, say: a reply quoting a secret) is not checked.
    await h.standin.event({
      type: 'message',
      channel: CHANNEL,
      user: h.standin.botUserId,
      bot_id: 'B0BOT',
      text: `the secret: ${secret}`,
      ts: '3',
    });

    expect(await clientStatus(h, clientId)).toBe('active');
    expect(await h.em().count(AuditEvent, {})).toBe(audits);
    expect(await h.em().count(AccessToken, {})).toBe(tokens);
    expect(h.standin.ephemerals.length).toBe(ephemerals);
  });

  it('takes no database work for a message without a credential-shaped word', async () => {
    const receipts = async () =>
      Number(
        (
          (await h.em().getConnection().execute('select count(*) as n from slack_event_receipts')) as {
            n: unknown;
          }[]
        )[0]?.n,
      );
    const before = await receipts();
    await post(h, bob.id, 'the quarterly numbers are in the usual place');
    expect(await receipts()).toBe(before);
    const { secret } = await createClient(h, 'Counted');
    // A lookalike (our prefix, a wrong checksum) is no candidate either: no receipt, no lookup.
    const lookalike = secret.slice(0, -1) + (secret.at(-1) === 'A' ? 'B' : 'A');
    const beforeLookalike = await receipts();
    await post(h, bob.id, `not a secret: ${lookalike}`);
    expect(await receipts()).toBe(beforeLookalike);
    const withCandidate = await receipts();
    const seen = new Set(h.standin.ephemerals);
    await post(h, bob.id, `see ${secret}`);
    await nextEphemeral(h, bob.id, seen);
    expect(await receipts()).toBe(withCandidate + 1);
  });

  it('looks an already-neutralised secret or token up with one plain read: no transaction, nothing written', async () => {
    const { clientId, secret } = await createClient(h, 'Pasted Twice');
    const token = await tokenFor(h, clientId, secret);
    const seen = new Set(h.standin.ephemerals);
    await post(h, bob.id, `first ${secret} and ${token}`);
    await nextEphemeral(h, bob.id, seen);
    const audits = await h.em().count(AuditEvent, {});
    const notices = h.standin.ephemerals.length;
    const sql = await queriesDuring(h, () => post(h, bob.id, `again ${secret} and ${token}`));
    expect(h.standin.ephemerals.length).toBe(notices);
    const guard = sql.filter((q) => !q.includes('slack_event_receipts'));
    expect(guard.filter((q) => /^\s*select count/i.test(q))).toHaveLength(2);
    expect(guard.filter((q) => !/^\s*select count/i.test(q))).toEqual([]);
    expect(await h.em().count(AuditEvent, {})).toBe(audits);
  });

  it('never repeats a credential in a log line, a message or the outbox after its creation', async () => {
    const logs = h.logs();
    // The guard's notices (the creation replies, which hand the secret over once, are in the DM, not here).
    const notices = h.standin.ephemerals.filter((e) => e.channel === CHANNEL);
    expect(notices.length).toBe(5);
    const deliveries = JSON.stringify(await h.em().find(SlackDelivery, {}));
    for (const c of credentials) {
      expect(logs).not.toContain(c);
      expect(logs).not.toContain(c.slice(7, 30));
      expect(deliveries).not.toContain(c.slice(7, 30));
      for (const m of h.standin.messagesIn(h.standin.imChannelOf(ada.id))) expect(m.text).not.toContain(c);
      for (const e of notices) expect(visibleText(e)).not.toContain(c);
    }
  });
});

describe('leaked-secret guard with LEAK_ACTION=rotate', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { LEAK_ACTION: 'rotate' } });
    await h.setupOrganization('Orbit Analytics');
    h.standin.addChannel({ id: CHANNEL, name: 'general', members: [ada.id, bob.id, h.standin.botUserId] });
  });
  afterAll(async () => h?.stop());

  it('leaves the client enabled, voids the leaked secret and revokes its tokens', async () => {
    const { clientId, secret } = await createClient(h, 'Rotated');
    const token = await tokenFor(h, clientId, secret);
    const before = new Set(h.standin.ephemerals);
    await post(h, bob.id, secret);
    const notice = await nextEphemeral(h, bob.id, before);
    expect(visibleText(notice)).toContain('void');
    expect(visibleText(notice)).not.toContain(secret);
    expect(await clientStatus(h, clientId)).toBe('active');
    expect(await apiStatus(h, token)).toBe(401);
    const res = await fetch(`${h.url}/oauth/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`,
      },
      body: 'grant_type=client_credentials',
    });
    await res.text();
    expect(res.status).toBe(401);
    const audit = await h
      .em()
      .findOneOrFail(AuditEvent, { action: 'client.secret_leaked', targetId: clientId });
    expect(audit.details).toMatchObject({ outcome: 'secret_voided' });
  });
});
