import { afterEach, describe, expect, it } from 'vitest';
import { Invitation } from '../../src/domain/invitations/invitation.entity.js';
import { OutboxMail } from '../../src/mail/outbox.entity.js';
import { type Harness, startHarness, USERS, visibleText } from '../support/harness.js';
import { type MailSink, mailSink } from '../support/mail-sink.js';

const { ada } = USERS;
const MINUTE = 60_000;
const PEOPLE = ['p1@example.com', 'p2@example.com', 'p3@example.com'];

let h: Harness | undefined;
let sink: MailSink | undefined;

afterEach(async () => {
  await h?.stop();
  await sink?.stop();
  h = undefined;
  sink = undefined;
});

function receivedBy(s: MailSink, email: string): number {
  return s.received.filter((m) => JSON.stringify(m.to).includes(email)).length;
}

describe('the transactional outbox', () => {
  it('SMTP down, then back: nothing is lost, every invitation is mailed exactly once; /org invites shows the state', async () => {
    sink = await mailSink();
    h = await startHarness({ env: { SMTP_URL: sink.url, MAIL_WORKER_INTERVAL_MS: '3600000' } });
    await h.setupOrganization();
    for (const p of PEOPLE) await h.ask(ada.id, `invite ${p}`);

    const down = await h.app.outbox?.drain();
    expect(down).toMatchObject({ sent: 0, retrying: 3 });
    const rows = await h.em().find(OutboxMail, {});
    expect(rows.map((r) => [r.status, r.attempts])).toEqual(PEOPLE.map(() => ['retrying', 1]));
    expect(rows.every((r) => r.lastError?.includes('ECONNREFUSED'))).toBe(true);
    const list = await h.ask(ada.id, 'invites');
    expect(visibleText(list)).toContain('mail retrying (1 attempt, last error:');

    h.clock.advance(MINUTE);
    expect(await h.app.outbox?.drain()).toMatchObject({ sent: 0, retrying: 3 });
    expect((await h.em().find(OutboxMail, {})).map((r) => r.attempts)).toEqual([2, 2, 2]);

    await sink.start();
    // Backoff: nothing is due before the next attempt time.
    expect(await h.app.outbox?.drain()).toMatchObject({ sent: 0, retrying: 0 });
    h.clock.advance(MINUTE);
    expect(await h.app.outbox?.drain()).toMatchObject({ sent: 3 });
    h.clock.advance(60 * MINUTE);
    expect(await h.app.outbox?.drain()).toMatchObject({ sent: 0, retrying: 0 });
    for (const p of PEOPLE) expect(receivedBy(sink, p)).toBe(1);
    expect(sink.received).toHaveLength(3);
    const sent = await h.em().find(OutboxMail, {});
    expect(sent.every((r) => r.status === 'sent' && r.sealedToken === null && r.lastError === null)).toBe(
      true,
    );
    expect(visibleText(await h.ask(ada.id, 'invites'))).toContain('mail sent');
  });

  it('concurrent drains never send a mail twice', async () => {
    sink = await mailSink();
    await sink.start();
    h = await startHarness({ env: { SMTP_URL: sink.url, MAIL_WORKER_INTERVAL_MS: '3600000' } });
    await h.setupOrganization();
    for (const p of PEOPLE) await h.ask(ada.id, `invite ${p}`);
    await Promise.all([h.app.outbox?.drain(), h.app.outbox?.drain(), h.app.outbox?.drain()]);
    for (const p of PEOPLE) expect(receivedBy(sink, p)).toBe(1);
  });

  it('queued mail survives a restart and goes out afterwards', async () => {
    sink = await mailSink();
    h = await startHarness({ env: { SMTP_URL: sink.url, MAIL_WORKER_INTERVAL_MS: '3600000' } });
    await h.setupOrganization();
    await h.ask(ada.id, 'invite later@example.com');
    await h.restart();
    await sink.start();
    expect(await h.app.outbox?.drain()).toMatchObject({ sent: 1 });
    expect(receivedBy(sink, 'later@example.com')).toBe(1);
  });

  it('gives up after MAIL_MAX_ATTEMPTS and says so; Resend queues a fresh mail', async () => {
    sink = await mailSink();
    h = await startHarness({
      env: { SMTP_URL: sink.url, MAIL_WORKER_INTERVAL_MS: '3600000', MAIL_MAX_ATTEMPTS: '2' },
    });
    await h.setupOrganization();
    await h.ask(ada.id, 'invite gone@example.com');
    await h.app.outbox?.drain();
    h.clock.advance(MINUTE);
    expect(await h.app.outbox?.drain()).toMatchObject({ failed: 1 });
    const list = await h.ask(ada.id, 'invites');
    expect(visibleText(list)).toContain('mail failed after 2 attempts');
    const inv = await h.em().findOneOrFail(Invitation, { email: 'gone@example.com' });
    await sink.start();
    const standin = h.standin;
    const before = new Set(standin.ephemerals);
    await standin.blockAction(
      ada.id,
      { actionId: 'invitation_resend', blockId: `invite_${inv.id}` },
      { channelId: list.channel, messageTs: list.ts },
    );
    await standin.waitFor(
      () => standin.ephemerals.find((e) => !before.has(e) && e.text.includes('sent again')),
      5000,
    );
    expect(await h.em().count(OutboxMail, { invitation: inv.id })).toBe(2);
    expect(await h.app.outbox?.drain()).toMatchObject({ sent: 1 });
    expect(receivedBy(sink, 'gone@example.com')).toBe(1);
  });
});
