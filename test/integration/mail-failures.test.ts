/**
 * Issue 9 §4: honest mail failures, with a real SMTP peer. A 5yz reply (550) is final at once: the mail is marked
 * failed with the server's reply, `/org invites` says why, the inviting Admin gets a Slack DM, and nothing is tried
 * again. A 4yz reply (451) is retried with backoff and goes out once the server takes it. After a process dies
 * holding a claim (`kill -9` while sending), on SQLite (one process per file) the next process releases it at start
 * and sends without waiting out the two-minute claim; on PostgreSQL (several instances) the claim may be another
 * live instance's, and the mail is sent once the claim ran out.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Invitation } from '../../src/domain/invitations/invitation.entity.js';
import { OutboxMail } from '../../src/mail/outbox.entity.js';
import { CLAIM_MS } from '../../src/mail/outbox-worker.js';
import { testDatabaseKind } from '../support/db.js';
import { type Harness, startHarness, USERS, visibleText } from '../support/harness.js';
import { type MailSink, mailSink } from '../support/mail-sink.js';

const { ada } = USERS;
const HOUR = 60 * 60 * 1000;

let h: Harness | undefined;
let sink: MailSink | undefined;

afterEach(async () => {
  await h?.stop();
  await sink?.stop();
  h = undefined;
  sink = undefined;
});

const env = (url: string) => ({ SMTP_URL: url, MAIL_WORKER_INTERVAL_MS: '3600000', MAIL_MAX_ATTEMPTS: '8' });

/** The DMs the app posted to `userId`, as visible text. */
function dmsTo(harness: Harness, userId: string): string[] {
  return harness.standin.messagesIn(harness.standin.imChannelOf(userId)).map((m) => visibleText(m));
}

describe('SMTP refusals', () => {
  it('550 is final at once: failed with the reason, shown in /org invites, the inviting Admin told; never retried', async () => {
    sink = await mailSink({
      refuse: (to) =>
        to === 'nobody@example.com' ? { code: 550, message: '5.1.1 No such mailbox here' } : null,
    });
    await sink.start();
    h = await startHarness({ env: env(sink.url) });
    await h.setupOrganization();
    await h.ask(ada.id, 'invite nobody@example.com');

    expect(await h.app.outbox?.drain()).toMatchObject({ sent: 0, retrying: 0, failed: 1 });
    const row = await h.em().findOneOrFail(OutboxMail, { recipient: 'nobody@example.com' });
    expect(row.status).toBe('failed');
    expect(row.attempts).toBe(1);
    expect(row.sealedToken).toBeNull();
    expect(row.lastError).toContain('550');
    expect(row.lastError).toContain('No such mailbox here');
    expect(row.lastError).not.toMatch(/abo_inv_/);

    const list = visibleText(await h.ask(ada.id, 'invites'));
    expect(list).toContain('mail failed after 1 attempt');
    expect(list).toContain('No such mailbox here');

    const dm = await h.standin.waitFor(
      () => dmsTo(h as Harness, ada.id).find((t) => t.includes('nobody@example.com')),
      5000,
      'a DM to the inviting admin',
    );
    expect(dm).toContain('refused by the mail server');
    expect(dm).toContain('550');
    expect(dm).not.toMatch(/abo_inv_/);

    // Final: hours later nothing is tried again, and the invitation itself stays open for a resend.
    h.clock.advance(5 * HOUR);
    expect(await h.app.outbox?.drain()).toMatchObject({ sent: 0, retrying: 0, failed: 0 });
    expect((await h.em().findOneOrFail(OutboxMail, { id: row.id })).attempts).toBe(1);
    expect(sink.received).toHaveLength(0);
    expect((await h.em().findOneOrFail(Invitation, { email: 'nobody@example.com' })).status).toBe('pending');
    expect(h.logs()).not.toMatch(/abo_inv_[A-Za-z0-9_-]{43}/);
  });

  it('451 is retried with backoff, tells no one, and the mail goes out once the server takes it', async () => {
    let busy = true;
    sink = await mailSink({
      refuse: () => (busy ? { code: 451, message: '4.7.1 Greylisted, try again later' } : null),
    });
    await sink.start();
    h = await startHarness({ env: env(sink.url) });
    await h.setupOrganization();
    await h.ask(ada.id, 'invite later@example.com');

    expect(await h.app.outbox?.drain()).toMatchObject({ retrying: 1, failed: 0 });
    const row = await h.em().findOneOrFail(OutboxMail, { recipient: 'later@example.com' });
    expect(row.status).toBe('retrying');
    expect(row.lastError).toContain('451');
    expect(row.nextAttemptAt.getTime()).toBeGreaterThan(h.clock.now().getTime());
    expect(visibleText(await h.ask(ada.id, 'invites'))).toContain('mail retrying (1 attempt');

    h.clock.advance(HOUR);
    expect(await h.app.outbox?.drain()).toMatchObject({ retrying: 1 });
    busy = false;
    h.clock.advance(HOUR);
    expect(await h.app.outbox?.drain()).toMatchObject({ sent: 1 });
    expect(sink.received).toHaveLength(1);
    expect(dmsTo(h, ada.id).some((t) => t.includes('later@example.com'))).toBe(false);
  });
});

describe('claims left by a dead process', () => {
  it('a row claimed by an instance that is gone is sent after a start (SQLite) or once its claim ran out (PostgreSQL)', async () => {
    sink = await mailSink();
    await sink.start();
    h = await startHarness({ env: env(sink.url) });
    await h.setupOrganization();
    await h.ask(ada.id, 'invite crash@example.com');
    // As a process killed in the middle of sending leaves it: claimed for two minutes by its instance.
    const claimedUntil = new Date(h.clock.now().getTime() + CLAIM_MS);
    await h
      .em()
      .nativeUpdate(
        OutboxMail,
        { recipient: 'crash@example.com' },
        { lockedUntil: claimedUntil, lockedBy: 'a-process-that-died' },
      );
    // This process already started: it leaves another instance's live claim alone.
    expect(await h.app.outbox?.drain()).toMatchObject({ sent: 0 });

    await h.restart();
    if (testDatabaseKind() === 'postgresql') {
      // Another instance may hold this claim: a start leaves it, and the mail waits for the claim to run out.
      expect(await h.app.outbox?.drain()).toMatchObject({ sent: 0 });
      expect(sink.received).toHaveLength(0);
      h.clock.advance(CLAIM_MS + 1);
    }
    // SQLite: no clock movement, the claim has not run out, yet the new process sends the mail.
    expect(await h.app.outbox?.drain()).toMatchObject({ sent: 1 });
    expect(sink.received).toHaveLength(1);
    const row = await h.em().findOneOrFail(OutboxMail, { recipient: 'crash@example.com' });
    expect(row).toMatchObject({ status: 'sent', lockedUntil: null, lockedBy: null });
  });

  it("a start releases only other instances' claims, never its own", async () => {
    sink = await mailSink();
    h = await startHarness({ env: env(sink.url) });
    await h.setupOrganization();
    await h.ask(ada.id, 'invite mine@example.com');
    const outbox = h.app.outbox;
    if (!outbox) throw new Error('the outbox worker runs when SMTP_URL is set');
    const until = new Date(h.clock.now().getTime() + CLAIM_MS);
    await h
      .em()
      .nativeUpdate(
        OutboxMail,
        { recipient: 'mine@example.com' },
        { lockedUntil: until, lockedBy: outbox.instanceId },
      );
    expect(await outbox.releaseStaleClaims()).toBe(0);
    expect((await h.em().findOneOrFail(OutboxMail, { recipient: 'mine@example.com' })).lockedBy).toBe(
      outbox.instanceId,
    );
  });
});
