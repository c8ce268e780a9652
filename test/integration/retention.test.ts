/**
 * Retention (issue 13 §5): the running app's job removes expired access tokens, finished outbox rows older than
 * OUTBOX_RETENTION_DAYS and audit events older than AUDIT_RETENTION_DAYS, and nothing else: recent rows and unsent
 * rows stay, and AUDIT_RETENTION_DAYS=0 keeps audit events forever. Rows are made the way the app makes them
 * (Slack commands, the token endpoint, the outbox worker), and time moves on the app's clock.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RetentionJob } from '../../src/db/retention.js';
import { AuditEvent } from '../../src/domain/audit/audit-event.entity.js';
import { AccessToken } from '../../src/domain/clients/client.entity.js';
import { Organization } from '../../src/domain/organizations/organization.entity.js';
import { createLogger } from '../../src/logger.js';
import { OutboxMail } from '../../src/mail/outbox.entity.js';
import { SlackDelivery } from '../../src/slack/deliveries/slack-delivery.entity.js';
import {
  type Harness,
  startHarnessWithMail,
  stopHarnessWithMail,
  USERS,
  visibleText,
} from '../support/harness.js';
import type { MailSink } from '../support/mail-sink.js';

const DAY = 86_400_000;
const { ada } = USERS;

let h: Harness;
let sink: MailSink;

/** Creates an API client in Slack and gets one access token for it at the token endpoint. */
async function clientToken(name: string): Promise<void> {
  const text = visibleText(await h.ask(ada.id, `clients create ${name}`));
  const clientId = /cli_[a-z2-7]{20}/.exec(text)?.[0] ?? '';
  const secret = /abo_cs_[0-9A-Za-z]+/.exec(text)?.[0] ?? '';
  const res = await fetch(`${h.url}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: `grant_type=client_credentials&client_id=${clientId}&client_secret=${secret}`,
  });
  expect(res.status).toBe(200);
}

/** Adds audit events dated `daysAgo` days before the clock's now. */
async function auditEventsAged(daysAgo: number[]): Promise<void> {
  const em = h.em();
  const organization = await em.findOneOrFail(Organization, { slackTeamId: h.standin.team.id });
  for (const days of daysAgo) {
    em.persist(
      new AuditEvent({
        organization,
        at: new Date(h.clock.now().getTime() - days * DAY),
        action: 'test.aged',
        targetType: 'test',
        details: { days },
      }),
    );
  }
  await em.flush();
}

beforeAll(async () => {
  ({ h, sink } = await startHarnessWithMail());
});
afterAll(() => stopHarnessWithMail(h, sink));

describe('the retention job', () => {
  it('removes what is expired or finished long ago, per table, and keeps recent and unsent rows', async () => {
    // Day 0: a token, a sent mail, a queued one, finished Slack deliveries, and a pending one due next year.
    await clientToken('Old integration');
    await h.ask(ada.id, 'invite old-sent@example.com');
    expect(await h.app.outbox?.drain()).toMatchObject({ sent: 1 });
    await h.ask(ada.id, 'invite old-queued@example.com');
    await h.app.deliveries.drain();
    const em = h.em();
    const pending = new SlackDelivery({
      organization: await em.findOneOrFail(Organization, { slackTeamId: h.standin.team.id }),
      kind: 'home',
      target: ada.id,
      now: h.clock.now(),
    });
    pending.nextAttemptAt = new Date(h.clock.now().getTime() + 365 * DAY);
    await em.persist(pending).flush();
    const oldFinished = await h.em().count(SlackDelivery, { status: { $ne: 'pending' } });
    expect(oldFinished).toBeGreaterThan(0);

    // Day 31: the old rows are past OUTBOX_RETENTION_DAYS (30), the token long expired.
    h.clock.advance(31 * DAY);
    await auditEventsAged([366, 400, 364]);
    const auditBefore = await h.em().count(AuditEvent, {});
    const removed = await h.app.retention.runOnce();
    expect(removed).toEqual({
      api_access_tokens: 1,
      mail_outbox: 1,
      slack_deliveries: oldFinished,
      audit_events: 2,
    });
    expect(await h.em().count(AccessToken, {})).toBe(0);
    // The queued mail was never sent (mail off, or SMTP down): it stays however old it is.
    const unsent = await h.em().find(OutboxMail, {});
    expect(unsent.map((m) => [m.recipient, m.status])).toEqual([['old-queued@example.com', 'queued']]);
    const left = await h.em().find(SlackDelivery, {});
    expect(left.map((d) => [d.id, d.status])).toEqual([[pending.id, 'pending']]);
    expect((await h.em().find(AuditEvent, { action: 'test.aged' })).map((a) => a.details.days)).toEqual([
      364,
    ]);
    expect(await h.em().count(AuditEvent, {})).toBe(auditBefore - 2);
    expect(h.logs()).toMatch(
      /"removed":\{"api_access_tokens":1,"mail_outbox":1,"slack_deliveries":\d+,"audit_events":2\}.*"msg":"retention: old rows removed"/,
    );

    // Recent rows: a live token, a mail sent today (the drain also closes the old invitation's mail), deliveries.
    await clientToken('New integration');
    await h.ask(ada.id, 'invite new-sent@example.com');
    expect(await h.app.outbox?.drain()).toMatchObject({ sent: 1 });
    await h.app.deliveries.drain();
    const finishedNow = await h.em().count(SlackDelivery, { status: { $ne: 'pending' } });
    expect(finishedNow).toBeGreaterThan(0);
    h.clock.advance(2 * 3_600_000);
    // A second run (another instance, or the next hour) removes the token that expired meanwhile, nothing else.
    expect(await h.app.retention.runOnce()).toEqual({
      api_access_tokens: 1,
      mail_outbox: 0,
      slack_deliveries: 0,
      audit_events: 0,
    });
    const mails = await h.em().find(OutboxMail, {}, { orderBy: { recipient: 'asc' } });
    expect(mails.map((m) => [m.recipient, m.status])).toEqual([
      ['new-sent@example.com', 'sent'],
      ['old-queued@example.com', 'cancelled'],
    ]);
    expect(await h.em().count(SlackDelivery, { status: { $ne: 'pending' } })).toBe(finishedNow);
  });

  it('keeps audit events forever with AUDIT_RETENTION_DAYS=0, and removes a backlog in small batches', async () => {
    await auditEventsAged([5000, 4000, 3000, 2000, 1000]);
    const auditBefore = await h.em().count(AuditEvent, {});
    const job = (auditDays: number) =>
      new RetentionJob({
        orm: h.app.orm,
        clock: h.clock,
        logger: createLogger('silent'),
        settings: { outboxDays: 30, auditDays, batchSize: 2 },
        intervalMs: 3_600_000,
      });
    expect((await job(0).runOnce()).audit_events).toBe(0);
    expect(await h.em().count(AuditEvent, {})).toBe(auditBefore);
    // Two instances at once, batches of two: each old row is removed once, by one of them.
    const [a, b] = await Promise.all([job(900).runOnce(), job(900).runOnce()]);
    expect(a.audit_events + b.audit_events).toBe(5);
    expect(await h.em().count(AuditEvent, { action: 'test.aged' })).toBe(1);
  });
});
