/**
 * The leaked-secret guard on shared files and across workspaces, through signed `message` events from the stand-in
 * into the running app: a secret inside a shared snippet is read with `files.info` and neutralised; a binary file or
 * a text file without a candidate costs no database query (counted with the ORM connection's own query hook); a
 * workspace B member pasting workspace A's secret in B has A's client disabled, A's audit record it (not B's), A's
 * Admins told in A's workspace through A's own token, and B's poster told in B — never with the secret.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditEvent } from '../../src/domain/audit/audit-event.entity.js';
import { ApiClient } from '../../src/domain/clients/client.entity.js';
import { Organization } from '../../src/domain/organizations/organization.entity.js';
import { SlackDelivery } from '../../src/slack/deliveries/slack-delivery.entity.js';
import type { JsonObject, RecordedEphemeral, StandInWorkspace } from '../../src/standin/index.js';
import { eventually } from '../support/db.js';
import { type Harness, queriesDuring, startHarness, USERS, visibleText } from '../support/harness.js';

const { ada, bob } = USERS;
const SECRET = /abo_cs_[0-9A-Za-z]+/;
const CLIENT_ID = /cli_[a-z2-7]{20}/;
const CHANNEL = 'C0FILES';

/** Every credential used here, for the search through logs, messages and the outbox at the end. */
const credentials: string[] = [];

function credentialsOf(text: string): { clientId: string; secret: string } {
  const secret = SECRET.exec(text)?.[0];
  const clientId = CLIENT_ID.exec(text)?.[0];
  if (!secret || !clientId) throw new Error(`no credentials in ${text}`);
  credentials.push(secret);
  return { clientId, secret };
}

async function clientStatus(h: Harness, clientId: string): Promise<string> {
  return (await h.em().findOneOrFail(ApiClient, { id: clientId })).status;
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

/** A `message` event with subtype `file_share`, as Slack sends it when a user shares files in a channel. */
function fileShare(channel: string, user: string, files: JsonObject[], text = ''): JsonObject {
  return {
    type: 'message',
    subtype: 'file_share',
    channel,
    channel_type: 'channel',
    user,
    text,
    files,
    ts: '10',
  };
}

describe('leaked-secret guard on shared files', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    await h.setupOrganization('Orbit Analytics');
    h.standin.addChannel({ id: CHANNEL, name: 'general', members: [ada.id, bob.id, h.standin.botUserId] });
  });
  afterAll(async () => h?.stop());

  it('catches a secret inside a shared snippet: the client disabled, the poster and the admins told of the file', async () => {
    const { clientId, secret } = credentialsOf(visibleText(await h.ask(ada.id, 'clients create Exporter')));
    const before = new Set(h.standin.ephemerals);
    const adminDms = h.standin.messagesIn(h.standin.imChannelOf(ada.id)).length;
    const reads = h.standin.callsTo('files.info').length;
    const file = h.standin.shareFile({
      channel: CHANNEL,
      user: bob.id,
      name: 'exporter.env',
      content: `EXPORTER_URL=https://api.example.com\nEXPORTER_SECRET=${secret}\n`,
    });

    await h.standin.event(fileShare(CHANNEL, bob.id, [file], 'the settings'));

    const notice = await nextEphemeral(h, bob.id, before);
    expect(notice.channel).toBe(CHANNEL);
    expect(visibleText(notice)).toContain('Your file *exporter.env*');
    expect(visibleText(notice)).toContain('disabled');
    expect(await clientStatus(h, clientId)).toBe('disabled');
    expect(
      h.standin
        .callsTo('files.info')
        .slice(reads)
        .map((c) => c.args.file),
    ).toEqual([file.id]);
    const dm = await h.standin.waitFor(
      () => h.standin.messagesIn(h.standin.imChannelOf(ada.id))[adminDms],
      5000,
      'the admin DM',
    );
    expect(dm.text).toContain('in a file *exporter.env*');
    expect(dm.text).toContain(`<#${CHANNEL}>`);
    expect(dm.text).toContain(`<@${bob.id}>`);
    expect(h.standin.buttonsOf(dm.blocks).map((b) => b.actionId)).toEqual(['client_rotate', 'client_enable']);
    // The DM went through the durable outbox (the listener waits for its delivery run).
    await h.app.lifecycle.idle();
    const queued = await h.em().find(SlackDelivery, { kind: 'leak_notice' });
    expect(queued.map((d) => [d.target, d.status])).toEqual([[ada.id, 'sent']]);
    const audit = await h
      .em()
      .findOneOrFail(AuditEvent, { action: 'client.secret_leaked', targetId: clientId });
    expect(audit.details).toMatchObject({
      channel: CHANNEL,
      poster: bob.id,
      file: 'exporter.env',
      outcome: 'disabled',
    });
  });

  it('reads no binary file, and a file or message without a candidate costs no database query', async () => {
    const { clientId, secret } = credentialsOf(visibleText(await h.ask(ada.id, 'clients create Untouched')));
    const reads = h.standin.callsTo('files.info').length;
    const ephemerals = h.standin.ephemerals.length;
    // A PNG whose bytes happen to hold the secret: binary, never read.
    const image = h.standin.shareFile({
      channel: CHANNEL,
      user: bob.id,
      name: 'diagram.png',
      content: Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47]), Buffer.from(secret)]),
      filetype: 'png',
      mode: 'hosted',
      mimetype: 'image/png',
    });
    const notes = h.standin.shareFile({
      channel: CHANNEL,
      user: bob.id,
      name: 'notes.txt',
      content: 'abo_ is our prefix; nothing secret here',
    });
    const big = {
      ...h.standin.shareFile({ channel: CHANNEL, user: bob.id, name: 'dump.log', content: secret }),
      size: 2 * 1024 * 1024,
    };

    const sql = await queriesDuring(h, async () => {
      await h.standin.event(fileShare(CHANNEL, bob.id, [image], 'the diagram'));
      await h.standin.event(fileShare(CHANNEL, bob.id, [notes, big]));
      await h.standin.event({
        type: 'message',
        channel: CHANNEL,
        user: bob.id,
        text: 'no secrets today',
        ts: '11',
      });
    });

    expect(sql).toEqual([]);
    // One read: the text file; neither the image nor the file above the size cap.
    expect(
      h.standin
        .callsTo('files.info')
        .slice(reads)
        .map((c) => c.args.file),
    ).toEqual([notes.id]);
    expect(await clientStatus(h, clientId)).toBe('active');
    expect(h.standin.ephemerals.length).toBe(ephemerals);

    // The hook does see the guard's work when a file holds a live secret.
    const leaking = h.standin.shareFile({
      channel: CHANNEL,
      user: bob.id,
      name: 'leak.txt',
      content: secret,
    });
    const withCandidate = await queriesDuring(h, () =>
      h.standin.event(fileShare(CHANNEL, bob.id, [leaking])),
    );
    expect(withCandidate.some((q) => q.includes('api_client_secrets'))).toBe(true);
    expect(await clientStatus(h, clientId)).toBe('disabled');
  });

  it('loses no admin DM when Slack fails: the outbox sends it once Slack answers again', async () => {
    const { clientId } = credentialsOf(visibleText(await h.ask(ada.id, 'clients create Durable')));
    const secret = credentials.at(-1) as string;
    const adminDms = h.standin.messagesIn(h.standin.imChannelOf(ada.id)).length;
    const before = new Set(h.standin.ephemerals);
    h.standin.addFault({ method: 'chat.postMessage', status: 500, count: 1 });
    const file = h.standin.shareFile({
      channel: CHANNEL,
      user: bob.id,
      name: 'durable.txt',
      content: secret,
    });

    await h.standin.event(fileShare(CHANNEL, bob.id, [file]));

    await nextEphemeral(h, bob.id, before);
    expect(await clientStatus(h, clientId)).toBe('disabled');
    const dm = await h.standin.waitFor(
      () => h.standin.messagesIn(h.standin.imChannelOf(ada.id))[adminDms],
      8000,
      'the admin DM after the failure',
    );
    expect(dm.text).toContain('*Durable*');
    const sent = await eventually(async () => {
      const rows = await h.em().find(SlackDelivery, { kind: 'leak_notice' });
      return rows.find((r) => r.payload.clientId === clientId && r.status === 'sent');
    }, 'the leak notice marked sent');
    expect(sent.attempts).toBe(2);
    expect(sent.lastError).toBeNull();
    expect(h.standin.messagesIn(h.standin.imChannelOf(ada.id)).length).toBe(adminDms + 1);
  });

  it('never repeats a credential in a log line, a message or the outbox', async () => {
    const logs = h.logs();
    const deliveries = JSON.stringify(await h.em().find(SlackDelivery, {}));
    const notices = h.standin.ephemerals.filter((e) => e.channel === CHANNEL);
    expect(notices.length).toBe(3);
    for (const c of credentials) {
      expect(logs).not.toContain(c);
      expect(logs).not.toContain(c.slice(7, 30));
      expect(deliveries).not.toContain(c.slice(7, 30));
      for (const m of h.standin.messagesIn(h.standin.imChannelOf(ada.id))) expect(m.text).not.toContain(c);
      for (const e of notices) expect(visibleText(e)).not.toContain(c);
    }
  });
});

describe('leaked-secret guard across workspaces', () => {
  let h: Harness;
  let acme: StandInWorkspace;
  let birch: StandInWorkspace;
  const ACME = 'T0ACME';
  const BIRCH = 'T0BIRCH';
  const BIRCH_CHANNEL = 'C0BIRCHGEN';
  let acmeClient: { clientId: string; secret: string };

  beforeAll(async () => {
    h = await startHarness({ distribution: {} });
    acme = h.standin.addWorkspace({ team: { id: ACME, name: 'Acme Rockets' } });
    birch = h.standin.addWorkspace({ team: { id: BIRCH, name: 'Birch Labs' } });
    acme.addUser({
      id: 'U0AVA',
      name: 'ava',
      realName: 'Ava Stone',
      email: 'ava@example.com',
      isAdmin: true,
    });
    birch.addUser({
      id: 'U0BEA',
      name: 'bea',
      realName: 'Bea Field',
      email: 'bea@example.com',
      isAdmin: true,
    });
    birch.addUser({ id: 'U0BOY', name: 'boyd', realName: 'Boyd Lane', email: 'boyd@example.com' });
    expect((await h.install({ team: ACME }, 'U0AVA')).status).toBe(200);
    expect((await h.install({ team: BIRCH }, 'U0BEA')).status).toBe(200);
    expect(await h.askIn(acme, 'U0AVA', 'setup Acme Analytics')).toMatch(/Acme Analytics/);
    expect(await h.askIn(birch, 'U0BEA', 'setup Birch Insights')).toMatch(/Birch Insights/);
    birch.addChannel({ id: BIRCH_CHANNEL, name: 'general', members: ['U0BEA', 'U0BOY', birch.botUserId] });
    acmeClient = credentialsOf(await h.askIn(acme, 'U0AVA', 'clients create Acme Exporter'));
  });
  afterAll(async () => h?.stop());

  it("disables A's client when B's member pastes its secret in B; A's admins told in A, with A's token", async () => {
    const { clientId, secret } = acmeClient;
    const acmeOrg = await h.em().findOneOrFail(Organization, { slackTeamId: ACME });
    const birchOrg = await h.em().findOneOrFail(Organization, { slackTeamId: BIRCH });
    const before = new Set(h.standin.ephemerals);
    const avaDm = acme.imChannelOf('U0AVA');
    const avaDms = h.standin.messagesIn(avaDm).length;

    await birch.event({
      type: 'message',
      channel: BIRCH_CHANNEL,
      channel_type: 'channel',
      user: 'U0BOY',
      text: `staging creds: ${secret}`,
      ts: '20',
    });

    const notice = await nextEphemeral(h, 'U0BOY', before);
    expect(notice.channel).toBe(BIRCH_CHANNEL);
    expect(visibleText(notice)).toContain('of another organization');
    expect(visibleText(notice)).not.toContain('Acme');
    expect(await clientStatus(h, clientId)).toBe('disabled');

    // A's audit records it without B's channel or poster; B's audit has nothing of it.
    const audit = await h
      .em()
      .findOneOrFail(AuditEvent, { action: 'client.secret_leaked', targetId: clientId });
    expect(audit.organization.id).toBe(acmeOrg.id);
    expect(audit.details).toEqual({
      name: 'Acme Exporter',
      where: 'another Slack workspace',
      outcome: 'disabled',
    });
    expect(
      await h.em().count(AuditEvent, {
        organization: birchOrg.id,
        action: { $in: ['client.secret_leaked', 'token.leaked'] },
      }),
    ).toBe(0);

    // A's admin's DM, in A's workspace, posted by A's bot (A's token: B's token cannot reach A's users).
    const dm = await h.standin.waitFor(() => h.standin.messagesIn(avaDm)[avaDms], 5000, "A's admin DM");
    expect(dm.user).toBe(acme.botUserId);
    expect(dm.text).toContain('*Acme Exporter*');
    expect(dm.text).toContain('in another Slack workspace');
    expect(dm.text).not.toContain(BIRCH_CHANNEL);
    expect(dm.text).not.toContain('U0BOY');
    expect(dm.text).not.toContain('Birch');
    expect(h.standin.buttonsOf(dm.blocks).map((b) => b.actionId)).toEqual(['client_rotate', 'client_enable']);
    await h.app.lifecycle.idle();
    const rows = await h.em().find(SlackDelivery, { kind: 'leak_notice' }, { populate: ['organization'] });
    expect(rows.map((r) => [r.organization.id, r.target, r.status])).toEqual([[acmeOrg.id, 'U0AVA', 'sent']]);
    // Nothing went to B's admins.
    expect(
      h.standin.messagesIn(birch.imChannelOf('U0BEA')).some((m) => m.text.includes('Acme Exporter')),
    ).toBe(false);
  });

  it("reads a shared file with the workspace's own token: another workspace's file is not found and changes nothing", async () => {
    const other = credentialsOf(await h.askIn(acme, 'U0AVA', 'clients create Acme Reporter'));
    // A file of A's workspace named in an event of B: B's bot may not read it.
    const foreign = h.standin.shareFile({
      teamId: ACME,
      channel: 'C0ACMEX',
      user: 'U0AVA',
      name: 'acme.env',
      content: other.secret,
    });
    const reads = h.standin.callsTo('files.info').length;
    await birch.event(fileShare(BIRCH_CHANNEL, 'U0BOY', [foreign]));
    await h.app.lifecycle.idle();
    expect(
      h.standin
        .callsTo('files.info')
        .slice(reads)
        .map((c) => [c.ok, c.error]),
    ).toEqual([[false, 'file_not_found']]);
    expect(await clientStatus(h, other.clientId)).toBe('active');
  });

  it('never repeats a credential in a log line, a message or the outbox', async () => {
    const logs = h.logs();
    const deliveries = JSON.stringify(await h.em().find(SlackDelivery, {}));
    for (const c of [acmeClient.secret]) {
      expect(logs).not.toContain(c.slice(7, 30));
      expect(deliveries).not.toContain(c.slice(7, 30));
      for (const e of h.standin.ephemerals.filter((x) => x.channel === BIRCH_CHANNEL))
        expect(visibleText(e)).not.toContain(c);
      for (const m of h.standin.messagesIn(acme.imChannelOf('U0AVA'))) expect(m.text).not.toContain(c);
    }
  });
});
