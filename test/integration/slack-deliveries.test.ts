/**
 * Nothing is lost when Slack pushes back (issue 8 §1): with the stand-in answering 429 with Retry-After, or 500, for
 * a while on each Web API method the app calls, every message and view a change promises — request copies for the
 * Admins, the invitee's DM with Accept / Decline, decision updates, the requester's outcome DM, the removal DM, the
 * App Home tab — is delivered exactly once (counted in the stand-in's recorder), the user's reply comes before the
 * fault window ends, a delivery that keeps failing ends `failed`, and no secret reaches `slack_deliveries`.
 */

import { WebClient } from '@slack/web-api';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createServices } from '../../src/adapters.js';
import { deliveryClientOptions } from '../../src/app.js';
import { Invitation } from '../../src/domain/invitations/invitation.entity.js';
import { Member } from '../../src/domain/members/member.entity.js';
import { Organization } from '../../src/domain/organizations/organization.entity.js';
import { createLogger } from '../../src/logger.js';
import { SlackDelivery } from '../../src/slack/deliveries/slack-delivery.entity.js';
import { SlackDeliveryWorker } from '../../src/slack/deliveries/worker.js';
import { MEMBER_ACTIONS } from '../../src/slack/members/members.blocks.js';
import type { RecordedEphemeral, RecordedMessage } from '../../src/standin/index.js';
import { storedText, testDatabaseKind } from '../support/db.js';
import { type Harness, startHarness, USERS, visibleText } from '../support/harness.js';

const { ada, bob, cleo } = USERS;
const dan = { id: 'U0DAN', name: 'dan', realName: 'Dan Rivers', email: 'dan@example.com' };
const finn = { id: 'U0FINN', name: 'finn', realName: 'Finn Oakes', email: 'finn@example.com' };

let h: Harness;

function dmsTo(userId: string): RecordedMessage[] {
  return h.standin.messagesIn(h.standin.imChannelOf(userId));
}

/** The request copies for `email` in a DM or channel: messages with Approve / Deny, or already decided. */
function copiesIn(channelId: string, email: string): RecordedMessage[] {
  return h.standin
    .messagesIn(channelId)
    .filter((m) => m.text.includes(email) || visibleText(m).includes(email));
}

function withButtons(messages: RecordedMessage[], labels: string[]): RecordedMessage[] {
  return messages.filter((m) => {
    const texts = h.standin.buttonsOf(m.blocks).map((b) => b.text);
    return labels.every((l) => texts.includes(l));
  });
}

/** Successful calls of a method whose arguments mention `needle`. */
function okCalls(method: string, needle: string): number {
  return h.standin.callsTo(method).filter((c) => c.ok && JSON.stringify(c.args).includes(needle)).length;
}

function refusedCalls(method: string): number {
  return h.standin.callsTo(method).filter((c) => !c.ok && /^(ratelimited|http_5)/.test(c.error ?? '')).length;
}

/** Polls the database until `check` answers true. @throws Error after `timeoutMs` */
async function until(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Waits until no Slack delivery is pending. */
function allDelivered(timeoutMs = 10_000): Promise<void> {
  return until(
    async () => (await h.em().count(SlackDelivery, { status: 'pending' })) === 0,
    timeoutMs,
    'every Slack delivery done',
  );
}

async function setTeam(): Promise<void> {
  const em = h.em();
  const organization = await em.findOneOrFail(Organization, { slackTeamId: h.standin.team.id });
  for (const [user, role] of [
    [bob, 'member'],
    [cleo, 'admin'],
    [finn, 'member'],
  ] as const) {
    em.persist(
      new Member({ organization, email: user.email, role, slackUserId: user.id, now: h.clock.now() }),
    );
  }
  await em.flush();
}

beforeAll(async () => {
  h = await startHarness({ users: [dan, finn] });
  await h.setupOrganization('Orbit Analytics');
  await setTeam();
});

afterEach(() => {
  h.standin.clearFaults();
});

afterAll(async () => {
  await h?.stop();
});

describe('chat.postMessage answers 429 (Retry-After: 2) for 3 seconds', () => {
  it("a Member's request: told at once, and every Admin receives exactly one Approve / Deny copy", async () => {
    h.standin.addFault({ method: 'chat.postMessage', status: 429, retryAfterSeconds: 2, durationMs: 3000 });
    const reply = await h.ask(bob.id, 'invite ola@example.com member need access');
    // The reply came while Slack was still refusing posts: it did not wait for them.
    expect(h.standin.faults.some((f) => f.method === 'chat.postMessage')).toBe(true);
    expect(visibleText(reply)).toContain('for approval');
    expect(visibleText(reply)).not.toMatch(/sorry|went wrong/i);
    for (const admin of [ada, cleo]) {
      await h.standin.waitFor(
        () =>
          withButtons(copiesIn(h.standin.imChannelOf(admin.id), 'ola@example.com'), ['Approve', 'Deny'])[0],
        15_000,
        `the request copy for ${admin.name}`,
      );
    }
    await allDelivered();
    for (const admin of [ada, cleo]) {
      expect(copiesIn(h.standin.imChannelOf(admin.id), 'ola@example.com')).toHaveLength(1);
    }
    expect(refusedCalls('chat.postMessage')).toBeGreaterThan(0);
    const inv = await h.em().findOneOrFail(Invitation, { email: 'ola@example.com' });
    const rows = await h.em().find(SlackDelivery, { invitationId: inv.id });
    expect(rows.map((r) => [r.kind, r.status])).toEqual([
      ['approval_request', 'sent'],
      ['approval_request', 'sent'],
    ]);
    expect(rows.every((r) => r.ts !== null && r.deliveredAt !== null)).toBe(true);
    expect(Math.max(...rows.map((r) => r.attempts))).toBeGreaterThanOrEqual(2);
    expect(h.logs()).not.toContain('listener failed');
  });
});

describe('chat.postMessage answers slowly', () => {
  it('the reply does not wait for a slow Slack beyond a moment; the copies still arrive, once each', async () => {
    h.standin.addFault({ method: 'chat.postMessage', delayMs: 4000, count: 1 });
    const reply = await h.ask(bob.id, 'invite pat@example.com');
    expect(visibleText(reply)).toContain('for approval');
    // The slow call was still in flight when the reply came.
    expect(
      h.standin.callsTo('chat.postMessage').filter((c) => JSON.stringify(c.args).includes('pat@')).length,
    ).toBe(0);
    for (const admin of [ada, cleo]) {
      await h.standin.waitFor(
        () => copiesIn(h.standin.imChannelOf(admin.id), 'pat@example.com')[0],
        15_000,
        `the copy for ${admin.name}`,
      );
    }
    await allDelivered();
    for (const admin of [ada, cleo]) {
      expect(copiesIn(h.standin.imChannelOf(admin.id), 'pat@example.com')).toHaveLength(1);
    }
  });
});

describe('decision updates, the outcome DM and the invitee DM survive 429s and 500s', () => {
  it('approving while chat.update, chat.postMessage and users.lookupByEmail fail for a while loses nothing', async () => {
    await h.ask(bob.id, 'invite dan@example.com member analyst');
    const copies = await h.standin.waitFor(() => {
      const found = [ada, cleo].map(
        (a) => withButtons(copiesIn(h.standin.imChannelOf(a.id), 'dan@example.com'), ['Approve'])[0],
      );
      return found.every(Boolean) ? (found as RecordedMessage[]) : undefined;
    }, 5000);
    h.standin.addFault({ method: 'chat.update', status: 429, retryAfterSeconds: 1, count: 2 });
    h.standin.addFault({ method: 'chat.postMessage', status: 500, count: 2 });
    h.standin.addFault({ method: 'users.lookupByEmail', status: 503, count: 1 });
    const [adaCopy] = copies;
    if (!adaCopy) throw new Error('no copy');
    const ack = await h.standin.blockAction(
      ada.id,
      { actionId: 'approval_approve' },
      { channelId: adaCopy.channel, messageTs: adaCopy.ts },
    );
    expect(ack.status).toBe(200);
    await until(
      async () => (await h.em().findOneOrFail(Invitation, { email: 'dan@example.com' })).status === 'pending',
      5000,
      'the approval',
    );
    for (const copy of copies) {
      await h.standin.waitFor(
        () =>
          visibleText(h.standin.findMessage(copy.channel, copy.ts) ?? { text: '', blocks: [] }).includes(
            'Approved',
          ),
        15_000,
        'a copy updated',
      );
    }
    const outcome = await h.standin.waitFor(
      () => {
        const told = dmsTo(bob.id).filter(
          (m) => m.text.includes('dan@example.com') && /approved/i.test(m.text),
        );
        return told.length > 0 ? told : undefined;
      },
      15_000,
      'the outcome DM',
    );
    const invite = await h.standin.waitFor(
      () => {
        const dms = withButtons(dmsTo(dan.id), ['Accept', 'Decline']);
        return dms.length > 0 ? dms : undefined;
      },
      15_000,
      "the invitee's DM",
    );
    await allDelivered();
    expect(outcome).toHaveLength(1);
    expect(
      dmsTo(bob.id).filter((m) => m.text.includes('dan@example.com') && /approved/i.test(m.text)),
    ).toHaveLength(1);
    expect(withButtons(dmsTo(dan.id), ['Accept', 'Decline'])).toHaveLength(1);
    for (const copy of copies) {
      expect(okCalls('chat.update', copy.ts)).toBe(1);
      expect(h.standin.buttonsOf(h.standin.findMessage(copy.channel, copy.ts)?.blocks ?? [])).toEqual([]);
    }
    expect(refusedCalls('chat.update')).toBeGreaterThanOrEqual(2);
    expect(refusedCalls('users.lookupByEmail')).toBeGreaterThanOrEqual(1);
    // Accept in the DM: the DM is updated once, through chat.update answered 500 first.
    h.standin.addFault({ method: 'chat.update', status: 500, count: 1 });
    const [dm] = invite;
    if (!dm) throw new Error('no DM');
    await h.standin.blockAction(
      dan.id,
      { actionId: 'invitation_accept' },
      { channelId: dm.channel, messageTs: dm.ts },
    );
    await h.standin.waitFor(
      () => !h.standin.findMessage(dm.channel, dm.ts)?.text.includes('invited to join'),
      15_000,
      'the invitee DM updated',
    );
    expect(okCalls('chat.update', dm.ts)).toBe(1);
  });
});

describe('the removal DM and the App Home tab', () => {
  it('a removal DM sent while chat.postMessage answers 500 arrives once', async () => {
    h.standin.addFault({ method: 'chat.postMessage', status: 500, durationMs: 1500 });
    const before = new Set(h.standin.ephemerals);
    await h.standin.command(ada.id, `remove <@${finn.id}>`);
    const confirm = await h.standin.waitFor(
      () => h.standin.ephemerals.find((e) => e.user === ada.id && !before.has(e)),
      5000,
    );
    const after = new Set(h.standin.ephemerals);
    await h.standin.blockAction(
      ada.id,
      { actionId: MEMBER_ACTIONS.remove },
      { channelId: confirm.channel, messageTs: confirm.ts },
    );
    const done: RecordedEphemeral = await h.standin.waitFor(
      () => h.standin.ephemerals.find((e) => e.user === ada.id && !after.has(e)),
      5000,
    );
    expect(visibleText(done)).not.toMatch(/sorry|went wrong/i);
    expect(await h.em().count(Member, { email: finn.email })).toBe(0);
    await h.standin.waitFor(
      () => dmsTo(finn.id).find((m) => m.text.includes('You were removed')),
      15_000,
      'the removal DM',
    );
    await allDelivered();
    expect(dmsTo(finn.id).filter((m) => m.text.includes('You were removed'))).toHaveLength(1);
  });

  // A worker may claim the first opening's row while the next openings are still being queued (a second row is
  // queued then): the rows of one Home tab go one at a time and the superseded one is skipped, so one publish.
  it('views.publish answering 429 publishes the Home tab once, the latest of several openings', async () => {
    h.standin.addFault({ method: 'views.publish', status: 429, retryAfterSeconds: 1, count: 1 });
    const before = h.standin.callsTo('views.publish').filter((c) => c.ok).length;
    for (let i = 0; i < 3; i += 1) expect((await h.standin.appHomeOpened(cleo.id)).status).toBe(200);
    await h.standin.waitFor(() => h.standin.homeView(cleo.id), 15_000, "Cleo's Home tab");
    await allDelivered();
    const published = h.standin.callsTo('views.publish').filter((c) => c.ok).length - before;
    expect(published).toBe(1);
    const home = h.standin.homeView(cleo.id);
    expect(JSON.stringify(home?.view)).toContain('Orbit Analytics');
    // And with HTTP 500 for two calls: published once more, after the outage.
    h.standin.addFault({ method: 'views.publish', status: 500, count: 2 });
    expect((await h.standin.appHomeOpened(cleo.id)).status).toBe(200);
    await until(
      async () => h.standin.callsTo('views.publish').filter((c) => c.ok).length - before === 2,
      15_000,
      'the second publish',
    );
    await allDelivered();
    expect(h.standin.callsTo('views.publish').filter((c) => c.ok).length - before).toBe(2);
  });

  it('a direct call answered 429 (views.open) gets a calm "Slack is busy", not an apology', async () => {
    h.standin.addFault({ method: 'views.open', status: 429, retryAfterSeconds: 3, count: 1 });
    const reply = await h.ask(ada.id, 'invite');
    expect(visibleText(reply)).toContain('Slack is busy');
    expect(visibleText(reply)).not.toMatch(/sorry/i);
  });
});

describe('never twice', () => {
  it('two workers draining the same rows at once deliver each exactly once', async () => {
    const org = await h.em().findOneOrFail(Organization, { slackTeamId: h.standin.team.id });
    const published = (userId: string) =>
      h.standin.callsTo('views.publish').filter((c) => c.ok && c.args.user_id === userId).length;
    const counts = { ada: published(ada.id), cleo: published(cleo.id) };
    const other = new SlackDeliveryWorker({
      orm: h.app.orm,
      client: () => new WebClient(h.standin.botToken, deliveryClientOptions(h.standin.apiUrl)),
      clock: h.clock,
      logger: createLogger('silent'),
      intervalMs: 3_600_000,
      maxAttempts: 3,
    });
    for (let round = 0; round < 5; round += 1) {
      const services = createServices(h.em(), h.clock);
      for (const admin of [ada, cleo]) {
        const actor = {
          slackTeamId: org.slackTeamId,
          slackUserId: admin.id,
          organization: org,
          member: null,
        };
        expect(await services.deliveries.queueHomeFor(actor)).not.toBeNull();
      }
      await Promise.all([h.app.deliveries.drain(), other.drain(), h.app.deliveries.drain(), other.drain()]);
    }
    await allDelivered();
    expect(published(ada.id) - counts.ada).toBe(5);
    expect(published(cleo.id) - counts.cleo).toBe(5);
  });
});

describe('a restart', () => {
  it('queued deliveries survive it; a claim left by a process that died is released at start (SQLite) or runs out (PostgreSQL)', async () => {
    h.standin.addFault({ method: 'chat.postMessage', status: 500, durationMs: 60_000 });
    await h.ask(bob.id, 'invite quinn@example.com');
    const inv = await h.em().findOneOrFail(Invitation, { email: 'quinn@example.com' });
    await until(
      async () => (await h.em().count(SlackDelivery, { invitationId: inv.id, attempts: { $gte: 1 } })) === 2,
      5000,
      'both copies tried once',
    );
    // One row looks as if a process died while sending it: claimed for an hour by an instance that is gone.
    // On PostgreSQL a start leaves other instances' claims alone: this one runs out after a restart's time.
    const leaseEnd = Date.now() + (testDatabaseKind() === 'postgresql' ? 8_000 : 3_600_000);
    const [first] = await h
      .em()
      .find(SlackDelivery, { invitationId: inv.id }, { orderBy: { target: 'asc' } });
    if (!first) throw new Error('no row');
    await h.em().nativeUpdate(
      SlackDelivery,
      { id: first.id },
      {
        lockedBy: 'a-process-that-died',
        lockedUntil: new Date(leaseEnd),
        nextAttemptAt: null,
      },
    );
    await h.restart();
    h.standin.clearFaults();
    await h.app.deliveries.drain();
    if (testDatabaseKind() === 'postgresql') {
      expect(await h.em().findOneOrFail(SlackDelivery, first.id)).toMatchObject({
        status: 'pending',
        lockedBy: 'a-process-that-died',
      });
      expect(copiesIn(h.standin.imChannelOf(first.target ?? ''), 'quinn@example.com')).toHaveLength(0);
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, leaseEnd - Date.now()) + 100));
      await h.app.deliveries.drain();
    }
    await allDelivered();
    for (const admin of [ada, cleo]) {
      expect(copiesIn(h.standin.imChannelOf(admin.id), 'quinn@example.com')).toHaveLength(1);
    }
  }, 40_000);
});

describe('no secret in slack_deliveries', () => {
  it('the database file holds no client secret nor invitation token', async () => {
    const created = await h.ask(ada.id, 'clients create ci-pipeline');
    const secret = /abo_cs_[A-Za-z0-9]+/.exec(visibleText(created))?.[0];
    expect(secret).toBeDefined();
    const payloads = (await h.em().find(SlackDelivery, {})).map((r) => JSON.stringify(r.payload)).join('\n');
    expect(payloads).not.toMatch(/abo_(cs|inv|at)_/);
    const stored = await storedText(h.db);
    expect(stored).toContain('ci-pipeline');
    expect(stored).not.toContain(secret as string);
  });
});
