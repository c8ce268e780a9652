/**
 * Hygiene nudges (issue 15 point 1) through the running app, the stand-in and a real database, with the harness's
 * TestClock: each kind of nudge reaches every active Admin (never a Member) at the right moment and not before,
 * once per fact however often and on however many instances the job runs, is skipped when its fact went away
 * before delivery, and its buttons obey the rules of the features they come from.
 */
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditEvent } from '../../src/domain/audit/audit-event.entity.js';
import { ApiClient, ClientSecret } from '../../src/domain/clients/client.entity.js';
import { Invitation } from '../../src/domain/invitations/invitation.entity.js';
import { Member } from '../../src/domain/members/member.entity.js';
import { Nudge } from '../../src/domain/nudges/nudge.entity.js';
import { Organization } from '../../src/domain/organizations/organization.entity.js';
import { SlackDelivery } from '../../src/slack/deliveries/slack-delivery.entity.js';
import { sendNudges } from '../../src/slack/nudges/nudge-job.js';
import type { InteractiveElement, RecordedEphemeral, RecordedMessage } from '../../src/standin/index.js';
import { TestClock } from '../support/db.js';
import {
  type Harness,
  type Instance,
  startHarness,
  startInstance,
  USERS,
  visibleText,
} from '../support/harness.js';

const { ada, bob, cleo } = USERS;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const SECRET = /abo_cs_[0-9A-Za-z]+/;
const CLIENT_ID = /cli_[a-z2-7]{20}/;

let h: Harness;
let other: Instance;

/** The nudge DMs `userId` received that mention `about`, as they stand now. */
function nudgesTo(userId: string, about: string): RecordedMessage[] {
  return h.standin
    .messagesIn(h.standin.imChannelOf(userId))
    .filter((m) => !m.deleted)
    .filter((m) => visibleText(m).includes('/org nudges') && visibleText(m).includes(about));
}

/** Every nudge DM ever posted (by `chat.postMessage`) that mentions `about`, to anyone. */
function allNudgePosts(about: string): RecordedMessage[] {
  return h.standin.messages.filter(
    (m) => visibleText(m).includes('Mute these with') && visibleText(m).includes(about),
  );
}

/** How many nudge DMs about `subjectId` were delivered (messages replaced since count too). */
function sentNudges(subjectId: string): Promise<number> {
  return h.em().count(SlackDelivery, { kind: 'nudge', status: 'sent', payload: { subjectId } });
}

/** Polls an async check (a database read) until it holds, for up to `timeoutMs`. */
async function eventually<T>(
  check: () => Promise<T | undefined | false | null>,
  timeoutMs = 5000,
  what = 'a condition',
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Runs the job on the harness's app and the delivery worker. */
async function runJob(): Promise<void> {
  await h.app.nudges.runOnce();
  await h.app.deliveries.drain();
}

/** Runs the job on both instances at once (the same clock and database), then delivers. */
async function runJobTwice(): Promise<void> {
  await Promise.all([h.app.nudges.runOnce(), other.app.nudges.runOnce()]);
  await h.app.deliveries.drain();
}

function button(message: RecordedMessage, actionId: string): InteractiveElement {
  const found = h.standin.buttonsOf(message.blocks).find((b) => b.actionId === actionId);
  if (!found) throw new Error(`no ${actionId} in ${visibleText(message)}`);
  return found;
}

async function click(userId: string, message: RecordedMessage, actionId: string): Promise<void> {
  await h.standin.blockAction(userId, button(message, actionId), {
    channelId: message.channel,
    messageTs: message.ts,
  });
}

function nextEphemeral(userId: string, before: Set<RecordedEphemeral>): Promise<RecordedEphemeral> {
  return h.standin.waitFor(
    () => h.standin.ephemerals.find((e) => e.user === userId && !before.has(e)),
    5000,
    `an ephemeral for ${userId}`,
  );
}

/** Waits until the message at (channel, ts) satisfies `ok`. */
function messageBecomes(m: RecordedMessage, ok: (text: string) => boolean, what: string) {
  return h.standin.waitFor(
    () => {
      const now = h.standin.findMessage(m.channel, m.ts);
      return now && ok(visibleText(now)) ? now : undefined;
    },
    5000,
    what,
  );
}

async function createClient(name: string): Promise<{ clientId: string; secret: string }> {
  const reply = await h.ask(ada.id, `clients create ${name}`);
  const secret = SECRET.exec(visibleText(reply))?.[0];
  const clientId = CLIENT_ID.exec(visibleText(reply))?.[0];
  if (!secret || !clientId) throw new Error(`no credentials in ${visibleText(reply)}`);
  return { clientId, secret };
}

async function issueToken(clientId: string, secret: string): Promise<void> {
  const res = await fetch(`${h.url}/oauth/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`,
    },
    body: 'grant_type=client_credentials',
  });
  await res.text();
  expect(res.status).toBe(200);
}

/** Each active Admin (Ada, Cleo) has exactly one nudge about `about`; the Member Bob none. */
function expectOneEachToAdmins(about: string): { ada: RecordedMessage; cleo: RecordedMessage } {
  const toAda = nudgesTo(ada.id, about);
  const toCleo = nudgesTo(cleo.id, about);
  expect(toAda).toHaveLength(1);
  expect(toCleo).toHaveLength(1);
  expect(nudgesTo(bob.id, about)).toHaveLength(0);
  expect(allNudgePosts(about)).toHaveLength(2);
  const [a, c] = [toAda[0], toCleo[0]];
  if (!a || !c) throw new Error('no nudge');
  expect(visibleText(a)).toContain('Mute these with `/org nudges`');
  return { ada: a, cleo: c };
}

beforeAll(async () => {
  h = await startHarness({
    clock: new TestClock(new Date('2026-11-02T09:00:00Z')),
    env: {
      // A grace period longer than the nudge's window, so "not before the moment" can be seen.
      CLIENT_SECRET_GRACE_PERIOD: '72h',
      // The worker delivers when the job or a change wakes it, not on its own timer (see the skipped-nudge test).
      SLACK_DELIVERY_INTERVAL_MS: '3600000',
      // The job runs when the tests say so.
      NUDGE_INTERVAL: '1d',
    },
  });
  await h.setupOrganization('Orbit Analytics');
  const em = h.em();
  const organization = await em.findOneOrFail(Organization, { slackTeamId: h.standin.team.id });
  em.persist(
    new Member({ organization, email: bob.email, role: 'member', slackUserId: bob.id, now: h.clock.now() }),
  );
  em.persist(
    new Member({ organization, email: cleo.email, role: 'admin', slackUserId: cleo.id, now: h.clock.now() }),
  );
  await em.flush();
  other = await startInstance(h);
});

afterAll(async () => {
  await other?.stop();
  await h?.stop();
});

describe('secret_grace_ending', () => {
  it('nudges each Admin once when a rotated secret has a day left, with Rotate again and Nothing to do', async () => {
    const { clientId } = await createClient('Grace Exporter');
    h.clock.advance(HOUR);
    await h.ask(ada.id, `clients rotate ${clientId}`);
    const rotatedAt = h.clock.now().getTime();
    const old = await h.em().findOneOrFail(ClientSecret, { client: clientId, expiresAt: { $ne: null } });
    expect(old.expiresAt?.getTime()).toBe(rotatedAt + 72 * HOUR);

    h.clock.set(new Date(rotatedAt + 48 * HOUR - MINUTE));
    await runJob();
    expect(allNudgePosts('Grace Exporter')).toHaveLength(0);

    h.clock.set(new Date(rotatedAt + 48 * HOUR + MINUTE));
    await runJobTwice();
    await runJob();
    const dms = expectOneEachToAdmins('Grace Exporter');
    expect(visibleText(dms.ada)).toContain('previous secret');
    expect(visibleText(dms.ada)).toContain(`<!date^${Math.floor((rotatedAt + 72 * HOUR) / 1000)}^`);
    expect(h.standin.buttonsOf(dms.ada.blocks).map((b) => [b.text, b.actionId, b.value])).toEqual([
      ['Rotate again', 'client_rotate', clientId],
      ['Nothing to do', 'nudge_dismiss', 'secret_grace_ending'],
    ]);
    expect(await h.em().count(Nudge, { kind: 'secret_grace_ending', subjectId: old.id })).toBe(1);

    // Nothing to do: the DM becomes a short OK; the secrets are untouched.
    await click(ada.id, dms.ada, 'nudge_dismiss');
    await messageBecomes(dms.ada, (t) => t.includes('OK') && !t.includes('Rotate again'), 'the OK');
    expect(await h.em().count(ClientSecret, { client: clientId })).toBe(2);

    // A Member's forged Rotate is refused and changes nothing.
    const beforeBob = new Set(h.standin.ephemerals);
    await h.standin.blockAction(bob.id, button(dms.cleo, 'client_rotate'), {
      channelId: dms.cleo.channel,
      messageTs: dms.cleo.ts,
    });
    expect((await nextEphemeral(bob.id, beforeBob)).text).toContain('Only admins');
    const unchanged = await h.em().findOneOrFail(ClientSecret, old.id);
    expect(unchanged.expiresAt?.getTime()).toBe(rotatedAt + 72 * HOUR);

    // Rotate again, by Cleo: the existing rotation rules apply (a new secret to her alone, audited).
    const beforeRotate = new Set(h.standin.ephemerals);
    await click(cleo.id, dms.cleo, 'client_rotate');
    const issued = await h.standin.waitFor(
      () =>
        h.standin.ephemerals.find(
          (e) => !beforeRotate.has(e) && e.user === cleo.id && SECRET.test(visibleText(e)),
        ),
      5000,
      'the new secret',
    );
    expect(issued.user).toBe(cleo.id);
    expect(await h.em().count(AuditEvent, { action: 'client.secret_rotated', targetId: clientId })).toBe(2);
    // The old grace secret is gone: its fact no longer holds, nothing more about it is sent.
    await runJob();
    expect(await sentNudges(old.id)).toBe(2);
  });

  it('never nudges about a secret whose grace already ended (a voided secret ends at once)', async () => {
    const { clientId } = await createClient('Voided Importer');
    await h.ask(ada.id, `clients rotate ${clientId}`);
    const em = h.em();
    const old = await em.findOneOrFail(ClientSecret, { client: clientId, expiresAt: { $ne: null } });
    old.expiresAt = h.clock.now(); // as the leak guard's rotate leaves it
    await em.flush();
    await runJob();
    h.clock.advance(MINUTE);
    await runJob();
    expect(
      allNudgePosts('Voided Importer').filter((m) => visibleText(m).includes('previous secret')),
    ).toHaveLength(0);
    expect(await h.em().count(Nudge, { kind: 'secret_grace_ending', subjectId: old.id })).toBe(0);
  });
});

describe('client_unused', () => {
  it('nudges about a client never used 14 days after creation; Keep changes nothing and it is not sent again', async () => {
    const createdAt = h.clock.now().getTime();
    const { clientId } = await createClient('Dormant Sync');

    h.clock.set(new Date(createdAt + 14 * DAY - MINUTE));
    await runJob();
    expect(allNudgePosts('Dormant Sync')).toHaveLength(0);

    h.clock.set(new Date(createdAt + 14 * DAY + MINUTE));
    await runJobTwice();
    const dms = expectOneEachToAdmins('Dormant Sync');
    expect(visibleText(dms.ada)).toContain('never been used');
    expect(h.standin.buttonsOf(dms.ada.blocks).map((b) => [b.text, b.actionId, b.value])).toEqual([
      ['Disable', 'client_disable', clientId],
      ['Keep', 'nudge_dismiss', 'client_unused'],
    ]);

    // A Member's forged Keep is refused.
    const beforeBob = new Set(h.standin.ephemerals);
    await h.standin.blockAction(bob.id, button(dms.ada, 'nudge_dismiss'), {
      channelId: dms.ada.channel,
      messageTs: dms.ada.ts,
    });
    expect((await nextEphemeral(bob.id, beforeBob)).text).toContain('Only admins');

    await click(ada.id, dms.ada, 'nudge_dismiss');
    await messageBecomes(dms.ada, (t) => t.includes('OK') && !t.includes('Disable'), 'the OK');
    expect((await h.em().findOneOrFail(ApiClient, clientId)).status).toBe('active');

    h.clock.advance(30 * DAY);
    await runJob();
    expect(await sentNudges(clientId)).toBe(2);
  });

  it('Disable on the nudge disables the client (audited); a Member cannot', async () => {
    const createdAt = h.clock.now().getTime();
    const { clientId } = await createClient('Stale Loader');
    h.clock.set(new Date(createdAt + 15 * DAY));
    await runJob();
    const dms = expectOneEachToAdmins('Stale Loader');

    const beforeBob = new Set(h.standin.ephemerals);
    await h.standin.blockAction(bob.id, button(dms.cleo, 'client_disable'), {
      channelId: dms.cleo.channel,
      messageTs: dms.cleo.ts,
    });
    expect((await nextEphemeral(bob.id, beforeBob)).text).toContain('Only admins');
    expect((await h.em().findOneOrFail(ApiClient, clientId)).status).toBe('active');

    await click(cleo.id, dms.cleo, 'client_disable');
    await eventually(
      async () => (await h.em().findOneOrFail(ApiClient, clientId)).status === 'disabled',
      5000,
    );
    expect((await h.em().findOneOrFail(ApiClient, clientId)).status).toBe('disabled');
    expect(await h.em().count(AuditEvent, { action: 'client.disabled', targetId: clientId })).toBe(1);
  });

  it('a client used, then unused for 90 days is nudged; used again and unused 90 days more is a new fact', async () => {
    const { clientId, secret } = await createClient('Busy Reporter');
    await issueToken(clientId, secret);
    const usedAt = h.clock.now().getTime();

    h.clock.set(new Date(usedAt + 90 * DAY - MINUTE));
    await runJob();
    expect(allNudgePosts('Busy Reporter')).toHaveLength(0);

    h.clock.set(new Date(usedAt + 90 * DAY + MINUTE));
    await runJob();
    const first = expectOneEachToAdmins('Busy Reporter');
    expect(visibleText(first.ada)).toContain('has not been used since');
    await click(ada.id, first.ada, 'nudge_dismiss');
    await messageBecomes(first.ada, (t) => t.includes('OK'), 'the OK');

    await issueToken(clientId, secret);
    const usedAgain = h.clock.now().getTime();
    h.clock.set(new Date(usedAgain + 89 * DAY));
    await runJob();
    expect(await sentNudges(clientId)).toBe(2);
    h.clock.set(new Date(usedAgain + 90 * DAY + MINUTE));
    await runJob();
    expect(await sentNudges(clientId)).toBe(4);
    expect(await h.em().count(Nudge, { kind: 'client_unused', subjectId: clientId })).toBe(2);
  });

  it('a nudge whose client was disabled before delivery is skipped, with the reason', async () => {
    const createdAt = h.clock.now().getTime();
    const { clientId } = await createClient('Vanishing Feed');
    h.clock.set(new Date(createdAt + 15 * DAY));
    // Queued without waking the worker; then a change (which wakes it) makes the fact go away first.
    const counts = await sendNudges(h.app.orm, h.clock.now(), h.config.nudges);
    expect(counts.dms).toBeGreaterThanOrEqual(2);
    await h.ask(ada.id, `clients disable ${clientId}`);
    await h.app.deliveries.drain();
    const nudge = await h.em().findOneOrFail(Nudge, { kind: 'client_unused', subjectId: clientId });
    const rows = await h.em().find(SlackDelivery, { kind: 'nudge', payload: { subjectId: nudge.subjectId } });
    expect(rows.map((r) => r.status)).toEqual(['skipped', 'skipped']);
    expect(rows[0]?.lastError).toContain('no longer holds');
    expect(allNudgePosts('Vanishing Feed')).toHaveLength(0);
  });
});

describe('invitation_expiring', () => {
  it('nudges a day before an unanswered invitation expires; Resend renews it and makes a new fact; Revoke revokes', async () => {
    await h.ask(ada.id, 'invite dana@example.com member');
    const inv = await h.em().findOneOrFail(Invitation, { email: 'dana@example.com' });
    const expiresAt = inv.expiresAt?.getTime() ?? 0;
    expect(inv.status).toBe('pending');

    h.clock.set(new Date(expiresAt - DAY - MINUTE));
    await runJob();
    expect(allNudgePosts('dana@example.com')).toHaveLength(0);

    h.clock.set(new Date(expiresAt - DAY + MINUTE));
    await runJobTwice();
    const dms = expectOneEachToAdmins('dana@example.com');
    expect(visibleText(dms.ada)).toContain('has not been answered');
    expect(h.standin.buttonsOf(dms.ada.blocks).map((b) => [b.text, b.actionId, b.value])).toEqual([
      ['Resend', 'invitation_resend', inv.id],
      ['Revoke', 'invitation_revoke', inv.id],
    ]);

    // A Member cannot resend.
    const beforeBob = new Set(h.standin.ephemerals);
    await h.standin.blockAction(bob.id, button(dms.ada, 'invitation_resend'), {
      channelId: dms.ada.channel,
      messageTs: dms.ada.ts,
    });
    expect((await nextEphemeral(bob.id, beforeBob)).text).toContain('Only admins');

    await click(ada.id, dms.ada, 'invitation_resend');
    const resent = await eventually(
      async () => {
        const now = await h.em().findOneOrFail(Invitation, inv.id);
        return (now.expiresAt?.getTime() ?? 0) > expiresAt ? now : undefined;
      },
      5000,
      'the resent invitation',
    );
    expect(resent.status).toBe('pending');
    expect(await h.em().count(AuditEvent, { action: 'invitation.resent', targetId: inv.id })).toBe(1);
    await runJob();
    expect(await sentNudges(inv.id)).toBe(2);

    // The renewed expiry is a new fact: nudged again a day before it.
    h.clock.set(new Date((resent.expiresAt?.getTime() ?? 0) - DAY + MINUTE));
    await runJob();
    expect(await sentNudges(inv.id)).toBe(4);
    const again = nudgesTo(cleo.id, 'dana@example.com').at(-1);
    if (!again) throw new Error('no second nudge');

    await click(cleo.id, again, 'invitation_revoke');
    await eventually(
      async () => (await h.em().findOneOrFail(Invitation, inv.id)).status === 'revoked',
      5000,
      'the revoked invitation',
    );
    expect(await h.em().count(AuditEvent, { action: 'invitation.revoked', targetId: inv.id })).toBe(1);
  });

  it('an invitation revoked before its nudge is delivered is skipped', async () => {
    await h.ask(ada.id, 'invite ezra@example.com member');
    const inv = await h.em().findOneOrFail(Invitation, { email: 'ezra@example.com' });
    h.clock.set(new Date((inv.expiresAt?.getTime() ?? 0) - HOUR));
    await sendNudges(h.app.orm, h.clock.now(), h.config.nudges);
    const list = await h.ask(ada.id, 'invites');
    const revoke = h.standin
      .buttonsOf(list.blocks)
      .find((b) => b.actionId === 'invitation_revoke' && b.value === inv.id);
    await h.standin.blockAction(ada.id, revoke as InteractiveElement, {
      channelId: list.channel,
      messageTs: list.ts,
    });
    await eventually(async () => (await h.em().findOneOrFail(Invitation, inv.id)).status === 'revoked', 5000);
    await h.app.deliveries.drain();
    const rows = await h.em().find(SlackDelivery, { kind: 'nudge', invitationId: inv.id });
    expect(rows).toHaveLength(2);
    expect(rows.every((r) => r.status === 'skipped')).toBe(true);
    expect(allNudgePosts('ezra@example.com')).toHaveLength(0);
  });

  it('a nudge held up until after the invitation expired is skipped, not sent too late', async () => {
    await h.ask(ada.id, 'invite fern@example.com member');
    const inv = await h.em().findOneOrFail(Invitation, { email: 'fern@example.com' });
    const expiresAt = inv.expiresAt?.getTime() ?? 0;
    h.clock.set(new Date(expiresAt - HOUR));
    const counts = await sendNudges(h.app.orm, h.clock.now(), h.config.nudges);
    expect(counts.dms).toBeGreaterThanOrEqual(2);
    h.clock.set(new Date(expiresAt + MINUTE));
    await h.app.deliveries.drain();
    const rows = await h.em().find(SlackDelivery, { kind: 'nudge', invitationId: inv.id });
    expect(rows).toHaveLength(2);
    expect(rows.map((r) => r.status)).toEqual(['skipped', 'skipped']);
    expect(rows[0]?.lastError).toContain('came too late');
    expect(allNudgePosts('fern@example.com')).toHaveLength(0);
  });
});

describe('request_waiting', () => {
  it('nudges after 48 hours of waiting with Approve / Deny; approval by an Admin updates the nudges', async () => {
    await h.ask(bob.id, 'invite finn@example.com member For the data team');
    const inv = await h.em().findOneOrFail(Invitation, { email: 'finn@example.com' });
    expect(inv.status).toBe('requested');
    const requestedAt = inv.createdAt.getTime();

    h.clock.set(new Date(requestedAt + 48 * HOUR - MINUTE));
    await runJob();
    expect(nudgesTo(ada.id, 'finn@example.com')).toHaveLength(0);

    h.clock.set(new Date(requestedAt + 48 * HOUR + MINUTE));
    await runJobTwice();
    await runJob();
    const dms = expectOneEachToAdmins('finn@example.com');
    expect(visibleText(dms.ada)).toContain('waiting for a decision');
    expect(visibleText(dms.ada)).toContain('For the data team');
    expect(h.standin.buttonsOf(dms.ada.blocks).map((b) => [b.text, b.actionId, b.value])).toEqual([
      ['Approve', 'approval_approve', inv.id],
      ['Deny', 'approval_deny', inv.id],
    ]);

    // The Member who asked cannot approve it from a forged click.
    const beforeBob = new Set(h.standin.ephemerals);
    await h.standin.blockAction(bob.id, button(dms.ada, 'approval_approve'), {
      channelId: dms.ada.channel,
      messageTs: dms.ada.ts,
    });
    expect((await nextEphemeral(bob.id, beforeBob)).text).toContain('Only admins');
    expect((await h.em().findOneOrFail(Invitation, inv.id)).status).toBe('requested');

    await click(ada.id, dms.ada, 'approval_approve');
    await eventually(
      async () => (await h.em().findOneOrFail(Invitation, inv.id)).status === 'pending',
      5000,
      'the approval',
    );
    expect(await h.em().count(AuditEvent, { action: 'invitation.approved', targetId: inv.id })).toBe(1);
    // Both nudges now show the outcome, as the request's own copies do.
    await messageBecomes(dms.ada, (t) => t.includes(`Approved by <@${ada.id}>`), "Ada's nudge updated");
    await messageBecomes(dms.cleo, (t) => t.includes(`Approved by <@${ada.id}>`), "Cleo's nudge updated");
  });

  it('a request decided meanwhile says so when the nudge is clicked, and nothing happens twice', async () => {
    await h.ask(bob.id, 'invite hugo@example.com member');
    const inv = await h.em().findOneOrFail(Invitation, { email: 'hugo@example.com' });
    h.clock.set(new Date(inv.createdAt.getTime() + 49 * HOUR));
    await runJob();
    const dms = expectOneEachToAdmins('hugo@example.com');
    // Slack refuses message updates for a while: Cleo's nudge keeps its buttons after Ada's decision.
    const fault = h.standin.addFault({ method: 'chat.update', status: 500 });
    try {
      await click(ada.id, dms.ada, 'approval_approve');
      await eventually(
        async () => (await h.em().findOneOrFail(Invitation, inv.id)).status === 'pending',
        5000,
        'the approval',
      );
      const before = new Set(h.standin.ephemerals);
      await click(cleo.id, dms.cleo, 'approval_approve');
      expect((await nextEphemeral(cleo.id, before)).text).toContain(`already approved`);
    } finally {
      h.standin.clearFaults(fault.id);
    }
    expect(await h.em().count(AuditEvent, { action: 'invitation.approved', targetId: inv.id })).toBe(1);
  });

  it('Deny on the nudge opens the deny modal, as on the request', async () => {
    await h.ask(bob.id, 'invite gail@example.com member');
    const inv = await h.em().findOneOrFail(Invitation, { email: 'gail@example.com' });
    h.clock.set(new Date(inv.createdAt.getTime() + 49 * HOUR));
    await runJob();
    const dms = expectOneEachToAdmins('gail@example.com');
    await click(cleo.id, dms.cleo, 'approval_deny');
    const modal = await h.standin.waitFor(() => h.standin.openView(cleo.id), 5000, 'the deny modal');
    await h.standin.viewSubmission(cleo.id, modal.id, {
      reason: { reason_input: { type: 'plain_text_input', value: 'Not this quarter' } },
    });
    const denied = await h.em().findOneOrFail(Invitation, inv.id);
    expect(denied.status).toBe('denied');
    await messageBecomes(dms.ada, (t) => t.includes('Denied by'), "Ada's nudge updated");
  });
});

describe('the job', () => {
  it('sends nothing when nothing is due, and writes no audit event', async () => {
    const audits = await h.em().count(AuditEvent, {});
    const nudges = await h.em().count(Nudge, {});
    const counts = await h.app.nudges.runOnce();
    expect(counts.nudged).toBe(0);
    expect(await h.em().count(Nudge, {})).toBe(nudges);
    expect(await h.em().count(AuditEvent, {})).toBe(audits);
  });

  it('the database refuses a second row for the same fact (the guarantee behind "once")', async () => {
    const em = h.em();
    const organization = await em.findOneOrFail(Organization, { slackTeamId: h.standin.team.id });
    const fact = { kind: 'client_unused' as const, subjectId: 'cli_example', factKey: 'never' };
    em.persist(new Nudge({ organization, ...fact, now: h.clock.now() }));
    await em.flush();
    const again = h.em();
    again.persist(
      new Nudge({
        organization: again.getReference(Organization, organization.id),
        ...fact,
        now: h.clock.now(),
      }),
    );
    await expect(again.flush()).rejects.toBeInstanceOf(UniqueConstraintViolationException);
    expect(await h.em().count(Nudge, fact)).toBe(1);
  });
});

describe('muted nudges', () => {
  it('an Admin who muted a kind gets none of it; the other Admin still does; unmuted, the next fact reaches both', async () => {
    const muted = await h.ask(cleo.id, 'nudges mute client_unused');
    expect(visibleText(muted)).toMatch(/muted/i);
    const createdAt = h.clock.now().getTime();
    const { clientId } = await createClient('Quiet Mirror');
    h.clock.set(new Date(createdAt + 15 * DAY));
    await runJob();
    expect(nudgesTo(ada.id, 'Quiet Mirror')).toHaveLength(1);
    expect(nudgesTo(cleo.id, 'Quiet Mirror')).toHaveLength(0);
    expect(await sentNudges(clientId)).toBe(1);

    await h.ask(cleo.id, 'nudges unmute client_unused');
    const { clientId: second } = await createClient('Loud Mirror');
    h.clock.set(new Date(h.clock.now().getTime() + 15 * DAY));
    await runJob();
    expectOneEachToAdmins('Loud Mirror');
    expect(await sentNudges(second)).toBe(2);
    // The muted fact is not sent again to Cleo once unmuted: it was nudged once already.
    expect(nudgesTo(cleo.id, 'Quiet Mirror')).toHaveLength(0);
  });
});
