/**
 * Two instances of the app on one database (issue 12: several instances behind a load balancer): Slack's copies of
 * one delivery cause one side effect whichever instance they reach, a delivery whose first handling failed is
 * handled by its retry, and failed client authentications counted on one instance limit the other.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditEvent } from '../../src/domain/audit/audit-event.entity.js';
import { Invitation } from '../../src/domain/invitations/invitation.entity.js';
import { Member } from '../../src/domain/members/member.entity.js';
import { Organization } from '../../src/domain/organizations/organization.entity.js';
import { OutboxMail } from '../../src/mail/outbox.entity.js';
import { InvitationMessage } from '../../src/slack/deliveries/invitation-message.entity.js';
import type { RecordedDelivery } from '../../src/standin/index.js';
import { eventually, testDatabaseKind } from '../support/db.js';
import {
  type Harness,
  type Instance,
  instanceOf,
  startHarness,
  startInstance,
  USERS,
  visibleText,
} from '../support/harness.js';
import { type MailSink, mailSink } from '../support/mail-sink.js';

const { ada, bob, cleo } = USERS;
const DROPPED = 'duplicate Slack delivery dropped';

let h: Harness;
let sink: MailSink;
let a: Instance;
let b: Instance;

beforeAll(async () => {
  sink = await mailSink();
  await sink.start();
  h = await startHarness({ env: { SMTP_URL: sink.url, MAIL_WORKER_INTERVAL_MS: '3600000' } });
  a = instanceOf(h);
  b = await startInstance(h);
});

afterAll(async () => {
  await b?.stop();
  await h?.stop();
  await sink?.stop();
});

/** Successful `views.publish` calls so far. */
function publishes(): number {
  return h.standin.callsTo('views.publish').filter((c) => c.ok).length;
}

/** How many times `instance` dropped a duplicate so far. */
function dropped(instance: Instance): number {
  return instance.logs().split(DROPPED).length - 1;
}

/** Sends `send` to `instance`, returning the recorded delivery (taken before the send is awaited). */
function sendTo(
  instance: Instance,
  send: () => Promise<{ status: number }>,
): { delivery: RecordedDelivery; ack: Promise<{ status: number }> } {
  instance.aim();
  const ack = send();
  const delivery = h.standin.deliveries.at(-1);
  if (!delivery) throw new Error('nothing was delivered');
  return { delivery, ack };
}

/** The receipt rows of an Events API delivery. */
async function receiptsOf(eventId: string): Promise<{ state: string }[]> {
  return h
    .em()
    .getConnection()
    .execute('select state from slack_event_receipts where receipt_key like ?', [`event:%:${eventId}`]);
}

function eventIdOf(delivery: RecordedDelivery): string {
  return String(delivery.payload.event_id);
}

describe('an Events API delivery and its retries', () => {
  it('handled on A, then retried to B: one Home publish, and the retry is dropped', async () => {
    const first = sendTo(a, () => h.standin.appHomeOpened(ada.id));
    expect((await first.ack).status).toBe(200);
    await h.standin.waitFor(() => publishes() === 1, 5000, 'the Home publish');
    await eventually(
      async () => (await receiptsOf(eventIdOf(first.delivery)))[0]?.state === 'handled',
      'the receipt marked handled',
    );

    b.aim();
    const retry = await h.standin.redeliver(first.delivery, { retryNum: 1, retryReason: 'http_timeout' });
    expect(retry.status).toBe(200);
    await eventually(async () => dropped(b) === 1, 'B dropping the retry');
    expect(publishes()).toBe(1);
  });

  it('the delivery and its retry reaching A and B at once: one Home publish', async () => {
    const before = publishes();
    const droppedBefore = dropped(a) + dropped(b);
    const first = sendTo(a, () => h.standin.appHomeOpened(ada.id));
    const retry = sendTo(b, () => h.standin.redeliver(first.delivery, { retryNum: 1 }));
    expect((await first.ack).status).toBe(200);
    expect((await retry.ack).status).toBe(200);
    await eventually(async () => dropped(a) + dropped(b) === droppedBefore + 1, 'one copy dropped');
    await h.standin.waitFor(() => publishes() === before + 1, 5000, 'the Home publish');
    await eventually(
      async () => (await receiptsOf(eventIdOf(first.delivery)))[0]?.state === 'handled',
      'the receipt marked handled',
    );
    expect(publishes()).toBe(before + 1);
  });

  it("a first handling that fails on A is released, and Slack's retry to B is handled", async () => {
    const before = publishes();
    // The Web API client tries three times (two retries): every try answers 500, so the listener fails.
    const fault = h.standin.addFault({ method: 'views.publish', status: 500, count: 3 });
    const first = sendTo(a, () => h.standin.appHomeOpened(ada.id));
    expect((await first.ack).status).toBe(200);
    await h.standin.waitFor(
      () => h.standin.faults.every((f) => f.id !== fault.id),
      10_000,
      'three failed tries',
    );
    await eventually(
      async () => (await receiptsOf(eventIdOf(first.delivery))).length === 0,
      'the claim released',
    );
    expect(publishes()).toBe(before);

    b.aim();
    const droppedBefore = dropped(b);
    const retry = await h.standin.redeliver(first.delivery, { retryNum: 1, retryReason: 'http_error' });
    expect(retry.status).toBe(200);
    await h.standin.waitFor(() => publishes() === before + 1, 5000, 'the retry publishing the Home tab');
    await eventually(
      async () => (await receiptsOf(eventIdOf(first.delivery)))[0]?.state === 'handled',
      'the receipt marked handled',
    );
    expect(dropped(b)).toBe(droppedBefore);
  });
});

describe('an Approve button payload delivered twice, to A and to B', () => {
  it('one decision, one audit event, one mail; the copy is dropped without a word to the Admin', async () => {
    a.aim();
    await h.setupOrganization('Orbit Analytics');
    const em = h.em();
    const organization = await em.findOneOrFail(Organization, { slackTeamId: h.standin.team.id });
    em.persist(
      new Member({ organization, email: bob.email, role: 'member', slackUserId: bob.id, now: h.clock.now() }),
    );
    em.persist(
      new Member({
        organization,
        email: cleo.email,
        role: 'admin',
        slackUserId: cleo.id,
        now: h.clock.now(),
      }),
    );
    await em.flush();
    const reply = await h.ask(
      bob.id,
      'invite <mailto:dan@example.com|dan@example.com> member Our new analyst',
    );
    expect(visibleText(reply)).toContain('was sent to the admins for approval');
    const invitation = await h.em().findOneOrFail(Invitation, { email: 'dan@example.com' });
    const adaCopy = await eventually(async () => {
      const row = await h.em().findOne(InvitationMessage, {
        invitation: invitation.id,
        purpose: 'approval',
        channelId: h.standin.imChannelOf(ada.id),
      });
      return row ? h.standin.findMessage(row.channelId, row.ts) : undefined;
    }, "Ada's copy of the request");

    const ephemeralsBefore = new Set(h.standin.ephemerals);
    const droppedBefore = dropped(a) + dropped(b);
    const click = sendTo(a, () =>
      h.standin.blockAction(
        ada.id,
        { actionId: 'approval_approve' },
        { channelId: adaCopy.channel, messageTs: adaCopy.ts },
      ),
    );
    const again = sendTo(b, () => h.standin.redeliver(click.delivery));
    expect((await click.ack).status).toBe(200);
    expect((await again.ack).status).toBe(200);
    await eventually(async () => dropped(a) + dropped(b) === droppedBefore + 1, 'one copy dropped');
    await eventually(
      async () => (await h.em().findOneOrFail(Invitation, invitation.id)).status === 'pending',
      'the approval',
    );

    const decided = await h.em().findOneOrFail(Invitation, invitation.id);
    expect(decided.decidedBySlackUserId).toBe(ada.id);
    expect(await h.em().count(AuditEvent, { action: 'invitation.approved', targetId: invitation.id })).toBe(
      1,
    );
    expect(await h.em().count(OutboxMail, { invitation: invitation.id })).toBe(1);
    await a.app.outbox?.drain();
    await b.app.outbox?.drain();
    expect(sink.received.filter((m) => JSON.stringify(m.to).includes('dan@example.com'))).toHaveLength(1);
    await h.standin.waitFor(
      () => h.standin.findMessage(adaCopy.channel, adaCopy.ts)?.text.includes('Approved by'),
      5000,
      "Ada's copy updated",
    );
    // Without the receipt the second copy would reach the decision and tell Ada it was "already approved".
    expect(
      h.standin.ephemerals.filter((e) => !ephemeralsBefore.has(e) && e.text.includes('already approved')),
    ).toEqual([]);
  });
});

describe('failed client authentication across instances', () => {
  // SQLite runs one process per database file, whose limiter counts in memory; PostgreSQL's instances share the
  // database's counters (src/db/shared-limits.ts).
  it.skipIf(testDatabaseKind() === 'sqlite')('10 failures spread over A and B: 429 on both', async () => {
    const clientId = 'cli_aaaaaaaaaaaaaaaaaaaa';
    const tokenRequest = (instance: Instance, secret: string) =>
      fetch(`${instance.url}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `grant_type=client_credentials&client_id=${clientId}&client_secret=${secret}`,
      });
    for (let i = 0; i < 10; i += 1) {
      const res = await tokenRequest(i % 2 === 0 ? a : b, `wrong-${i}`);
      expect(res.status).toBe(401);
    }
    for (const instance of [a, b]) {
      const res = await tokenRequest(instance, 'wrong-again');
      expect(res.status).toBe(429);
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    }
  });
});
