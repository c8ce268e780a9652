/**
 * Issue 12 §4, the outboxes under several instances: three workers, each on its own ORM (its own connections, as
 * three processes would have) on one database, drain the mail outbox and the Slack delivery outbox at once, and
 * every mail reaches the SMTP sink exactly once, every delivery makes exactly one Web API call. A worker that
 * claimed a row and died (its SMTP exchange hangs, or it claimed and never came back) holds the row for its lease:
 * nobody sends it before the lease ends, another worker sends it after. On PostgreSQL the claims are
 * `FOR UPDATE SKIP LOCKED`; on SQLite the same test runs with the workers serialised by the database's one writer.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { WebClient } from '@slack/web-api';
import { afterEach, describe, expect, it } from 'vitest';
import { openOrm, standardPorts } from '../../src/adapters.js';
import { deliveryClientOptions } from '../../src/app.js';
import type { Orm } from '../../src/db/orm.js';
import { slackDeliveryClaims } from '../../src/db/outbox-claims.js';
import type { Clock } from '../../src/domain/actor.js';
import { invitationSettingsFrom } from '../../src/domain/invitations/settings.js';
import { Organization } from '../../src/domain/organizations/organization.entity.js';
import { createLogger } from '../../src/logger.js';
import { SmtpMailSender } from '../../src/mail/mail-sender.js';
import { OutboxMail } from '../../src/mail/outbox.entity.js';
import { OutboxWorker } from '../../src/mail/outbox-worker.js';
import { queueDelivery, queueHome } from '../../src/slack/deliveries/queue.js';
import { SlackDelivery } from '../../src/slack/deliveries/slack-delivery.entity.js';
import { SlackDeliveryWorker } from '../../src/slack/deliveries/worker.js';
import { testDatabaseKind } from '../support/db.js';
import { type Harness, startHarness, USERS } from '../support/harness.js';
import { type MailSink, mailSink, type SinkBehaviour } from '../support/mail-sink.js';

const { ada, bob } = USERS;
/** The lease the workers of these tests take, in milliseconds. */
const LEASE_MS = 2_000;
const realClock: Clock = { now: () => new Date() };

let h: Harness | undefined;
let sink: (MailSink & SinkBehaviour) | undefined;
const orms: Orm[] = [];
const processes: ChildProcess[] = [];

afterEach(async () => {
  for (const child of processes.splice(0)) await killed(child, 'SIGKILL');
  for (const orm of orms.splice(0)) await orm.close(true);
  await h?.stop();
  await sink?.stop();
  h = undefined;
  sink = undefined;
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A connection pool of its own on the harness's database: what another instance would open. */
async function instanceOrm(harness: Harness): Promise<Orm> {
  const orm = await openOrm(harness.db.url, { migrate: false });
  orms.push(orm);
  return orm;
}

/** A mail outbox worker as another instance of the app runs it, on its own ORM, with a {@link LEASE_MS} lease. */
async function mailWorker(
  harness: Harness,
  smtpUrl: string,
  name: string,
  options: { smtpTimeoutMs?: number } = {},
): Promise<OutboxWorker> {
  const { config } = harness;
  const invitations = invitationSettingsFrom({
    invitationKey: config.invitationKey,
    signingSecret: config.slack.signingSecret,
    perDay: config.invitationsPerDay,
    mailFrom: config.mailFrom,
  });
  return new OutboxWorker(
    {
      orm: await instanceOrm(harness),
      sender: new SmtpMailSender(smtpUrl, options.smtpTimeoutMs ? { timeoutMs: options.smtpTimeoutMs } : {}),
      clock: realClock,
      logger: createLogger('silent'),
      settings: invitations.settings,
      invitationNotifier: standardPorts().invitationNotifier,
      publicUrl: config.publicUrl,
      mailFrom: config.mailFrom,
      intervalMs: 3_600_000,
      maxAttempts: 5,
      leaseMs: LEASE_MS,
    },
    name,
  );
}

/** A Slack delivery worker as another instance runs it, on its own ORM, with a {@link LEASE_MS} lease. */
async function slackWorker(harness: Harness, name: string): Promise<SlackDeliveryWorker> {
  const standin = harness.standin;
  return new SlackDeliveryWorker({
    orm: await instanceOrm(harness),
    client: () => new WebClient(standin.botToken, deliveryClientOptions(standin.apiUrl)),
    clock: realClock,
    logger: createLogger('silent'),
    intervalMs: 3_600_000,
    maxAttempts: 3,
    leaseMs: LEASE_MS,
    instanceId: name,
  });
}

/** How many mails the sink received for `email`. */
function receivedBy(s: MailSink, email: string): number {
  return s.received.filter((m) => JSON.stringify(m.to).includes(email)).length;
}

/** Invites each of `emails` as Ada: one mail queued for each. */
async function queueInvitations(harness: Harness, emails: string[]): Promise<void> {
  for (const email of emails) await harness.ask(ada.id, `invite ${email}`);
  expect(await harness.em().count(OutboxMail, { recipient: { $in: emails } })).toBe(emails.length);
}

describe('the mail outbox on three instances', () => {
  it('thirty mails drained by three workers at once: each reaches the SMTP sink exactly once', async () => {
    sink = await mailSink();
    await sink.start();
    // The app's own worker stays idle (hourly): the three below are the instances.
    h = await startHarness({ env: { SMTP_URL: sink.url, MAIL_WORKER_INTERVAL_MS: '3600000' } });
    await h.setupOrganization();
    const emails = Array.from({ length: 30 }, (_, i) => `guest${i + 1}@example.com`);
    await queueInvitations(h, emails);
    const harness = h;
    const workers = await Promise.all(
      ['instance-a', 'instance-b', 'instance-c'].map((name) => mailWorker(harness, sink?.url ?? '', name)),
    );

    const results = await Promise.all(workers.flatMap((w) => [w.drain(), w.drain()]));

    expect(results.reduce((sum, r) => sum + r.sent, 0)).toBe(30);
    expect(results.every((r) => r.retrying === 0 && r.failed === 0 && r.cancelled === 0)).toBe(true);
    expect(sink.received).toHaveLength(30);
    for (const email of emails) expect(receivedBy(sink, email)).toBe(1);
    const rows = await h.em().find(OutboxMail, {});
    expect(rows.every((r) => r.status === 'sent' && r.lockedBy === null && r.attempts === 1)).toBe(true);
    const messageIds = new Set(sink.received.map((m) => m.messageId));
    expect(messageIds.size).toBe(30);
    for (const w of workers) await w.stop();
  });

  it('a worker whose SMTP exchange hangs keeps the mail for its lease; another sends it once after, and the late worker records nothing', async () => {
    let stalls = 1;
    sink = await mailSink({
      stall: (to) => {
        if (!to.includes('stuck@example.com') || stalls === 0) return false;
        stalls -= 1;
        return true;
      },
    });
    await sink.start();
    h = await startHarness({ env: { SMTP_URL: sink.url, MAIL_WORKER_INTERVAL_MS: '3600000' } });
    await h.setupOrganization();
    await queueInvitations(h, ['stuck@example.com']);
    const smtpUrl = sink.url;
    // The stalled worker gives up on its SMTP exchange long after its lease ran out, as a process frozen or killed
    // while sending would (it never records anything then).
    const dying = await mailWorker(h, smtpUrl, 'instance-dying', { smtpTimeoutMs: 3 * LEASE_MS });
    const other = await mailWorker(h, smtpUrl, 'instance-other');

    const started = Date.now();
    const stalled = dying.drain();
    const s = sink;
    await h.standin.waitFor(() => s.stalled[0], 5_000, 'the SMTP exchange to hang');
    const held = await h.em().findOneOrFail(OutboxMail, { recipient: 'stuck@example.com' });
    expect(held.lockedBy).toBe('instance-dying');

    // Before the lease ends: nobody else takes it.
    expect(await other.drain()).toMatchObject({ sent: 0 });
    expect(Date.now() - started).toBeLessThan(LEASE_MS);
    expect(receivedBy(sink, 'stuck@example.com')).toBe(0);

    await sleep(LEASE_MS - (Date.now() - started) + 100);
    expect(await other.drain()).toMatchObject({ sent: 1 });
    expect(receivedBy(sink, 'stuck@example.com')).toBe(1);

    // The dying worker's exchange ends in a timeout: its late outcome changes nothing.
    expect(await stalled).toMatchObject({ sent: 0, retrying: 0, failed: 0 });
    const row = await h.em().findOneOrFail(OutboxMail, { recipient: 'stuck@example.com' });
    expect(row).toMatchObject({ status: 'sent', attempts: 1, lockedBy: null, lastError: null });
    expect(receivedBy(sink, 'stuck@example.com')).toBe(1);
    await dying.stop();
    await other.stop();
  });
});

describe('the Slack delivery outbox on three instances', () => {
  /** Queues one removal DM to Bob per marker, a Slack user id the message names as the remover. */
  async function queueDms(harness: Harness, markers: string[]): Promise<string[]> {
    const em = harness.em();
    const organization = await em.findOneOrFail(Organization, { slackTeamId: harness.standin.team.id });
    const rows = markers.map((marker) =>
      queueDelivery(em, {
        organization,
        kind: 'removal_dm',
        target: bob.id,
        payload: { organizationName: 'Orbit Analytics', removedBy: marker },
        now: new Date(),
      }),
    );
    await em.flush();
    return rows.map((r) => r.id);
  }

  /** Successful `chat.postMessage` calls whose arguments name `marker`. */
  function postsNaming(harness: Harness, marker: string): number {
    return harness.standin
      .callsTo('chat.postMessage')
      .filter((c) => c.ok && JSON.stringify(c.args).includes(`<@${marker}>`)).length;
  }

  it('thirty deliveries drained by three workers at once: one Web API call each', async () => {
    h = await startHarness();
    await h.setupOrganization();
    await h.app.deliveries.stop(); // the app's own worker stays out of it
    const harness = h;
    const markers = Array.from({ length: 30 }, (_, i) => `U0RM${String(i + 1).padStart(3, '0')}`);
    await queueDms(h, markers);
    const workers = await Promise.all(['a', 'b', 'c'].map((n) => slackWorker(harness, `instance-${n}`)));

    const results = await Promise.all(workers.flatMap((w) => [w.drain(), w.drain()]));

    expect(results.reduce((sum, r) => sum + r.sent, 0)).toBe(30);
    for (const marker of markers) expect(postsNaming(h, marker)).toBe(1);
    const rows = await h.em().find(SlackDelivery, { kind: 'removal_dm' });
    expect(rows).toHaveLength(30);
    expect(rows.every((r) => r.status === 'sent' && r.lockedBy === null)).toBe(true);
  });

  it('a delivery claimed by a worker that died is sent by another once the lease ran out, not before', async () => {
    h = await startHarness();
    await h.setupOrganization();
    await h.app.deliveries.stop();
    const [id] = await queueDms(h, ['U0RMGONE']);
    const orm = await instanceOrm(h);
    const started = Date.now();
    // The dying instance claims the row, then is gone.
    expect(
      await slackDeliveryClaims(orm).claimNext(orm.em.fork(), {
        instanceId: 'instance-dying',
        leaseMs: LEASE_MS,
        limit: 10,
        now: new Date(started),
      }),
    ).toEqual([id]);
    const other = await slackWorker(h, 'instance-other');

    expect(await other.drain()).toMatchObject({ sent: 0 });
    expect(Date.now() - started).toBeLessThan(LEASE_MS);
    expect(postsNaming(h, 'U0RMGONE')).toBe(0);

    await sleep(LEASE_MS - (Date.now() - started) + 100);
    expect(await other.drain()).toMatchObject({ sent: 1 });
    expect(await other.drain()).toMatchObject({ sent: 0 });
    expect(postsNaming(h, 'U0RMGONE')).toBe(1);
    expect(await h.em().findOneOrFail(SlackDelivery, id as string)).toMatchObject({
      status: 'sent',
      lockedBy: null,
    });
  });
});

/** Sends `signal` to `child` (unless it already exited) and waits for it to exit. */
function killed(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}

/**
 * Starts the real app (`src/main.ts` with tsx) in a process of its own on the harness's database, as one instance
 * of several behind a load balancer, sending mail to `smtpUrl`; resolves once it says it is running.
 * @throws Error when it exits or does not start within 60 s
 */
async function startInstance(
  harness: Harness,
  smtpUrl: string,
  env: Record<string, string>,
): Promise<ChildProcess> {
  const childEnv: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env))
    if (!key.startsWith('SLACK_')) childEnv[key] = value;
  delete childEnv.NODE_OPTIONS;
  Object.assign(childEnv, {
    SLACK_BOT_TOKEN: harness.standin.botToken,
    SLACK_SIGNING_SECRET: harness.standin.signingSecret,
    SLACK_API_URL: harness.standin.apiUrl,
    DATABASE_URL: harness.db.url,
    PUBLIC_URL: harness.config.publicUrl,
    INVITATION_KEY: harness.config.invitationKey,
    SMTP_URL: smtpUrl,
    MAIL_FROM: harness.config.mailFrom,
    PORT: '0',
    LOG_LEVEL: 'info',
    ...env,
  });
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: join(import.meta.dirname, '..', '..'),
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  processes.push(child);
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`instance did not start:\n${output}`)), 60_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (output.includes('AstroBee Org is running')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`instance exited (${code}):\n${output}`));
    });
  });
  child.stdout?.resume();
  child.stderr?.resume();
  return child;
}

describe('coalesced Slack deliveries on several instances', () => {
  it("a Home publish queued while another instance holds the user's row waits for it; the held row, once its lease ran out, is skipped as superseded: one views.publish", async () => {
    h = await startHarness();
    await h.setupOrganization();
    await h.app.deliveries.drain();
    await h.app.deliveries.stop();
    const harness = h;
    const organization = await h.em().findOneOrFail(Organization, { slackTeamId: h.standin.team.id });
    const queue = () =>
      harness
        .em()
        .transactional((em) =>
          queueHome(em, em.getReference(Organization, organization.id), bob.id, new Date()),
        );
    const publishes = () =>
      harness.standin.callsTo('views.publish').filter((c) => c.ok && c.args.user_id === bob.id).length;
    const before = publishes();

    const first = await queue();
    const orm = await instanceOrm(h);
    const started = Date.now();
    expect(
      await slackDeliveryClaims(orm).claimNext(orm.em.fork(), {
        instanceId: 'instance-dying',
        leaseMs: LEASE_MS,
        limit: 10,
        now: new Date(started),
      }),
    ).toEqual([first.id]);
    // Queued while the first is held: a second row; a third opening coalesces into the second.
    const second = await queue();
    expect(second.id).not.toBe(first.id);
    expect((await queue()).id).toBe(second.id);
    const workers = await Promise.all(['a', 'b'].map((n) => slackWorker(harness, `instance-${n}`)));

    // The second row waits for the held one: no call while the first row's claim lasts.
    expect(await Promise.all(workers.map((w) => w.drain()))).toMatchObject([{ sent: 0 }, { sent: 0 }]);
    expect(Date.now() - started).toBeLessThan(LEASE_MS);
    expect(publishes()).toBe(before);

    await sleep(LEASE_MS - (Date.now() - started) + 100);
    const results = await Promise.all(workers.flatMap((w) => [w.drain(), w.drain()]));
    expect(results.reduce((sum, r) => sum + r.sent, 0)).toBe(1);
    expect(results.reduce((sum, r) => sum + r.skipped, 0)).toBe(1);
    expect(publishes() - before).toBe(1);
    expect(await h.em().findOneOrFail(SlackDelivery, first.id)).toMatchObject({
      status: 'skipped',
      lastError: 'superseded',
      attempts: 0,
    });
    expect(await h.em().findOneOrFail(SlackDelivery, second.id)).toMatchObject({
      status: 'sent',
      lockedBy: null,
    });
  });
});

// Several processes on one SQLite file is not a deployment this build supports (one process per file): PostgreSQL.
describe.skipIf(testDatabaseKind() !== 'postgresql')('real instances (PostgreSQL)', () => {
  it('kill -9 of the instance sending a mail: three other instances send it once after its lease, and thirty more once each', async () => {
    /** The lease of these instances: longer than the others take to start, so "not before" is tested. */
    const lease = 10_000;
    let stalls = 1;
    sink = await mailSink({
      stall: (to) => {
        if (!to.includes('stuck@example.com') || stalls === 0) return false;
        stalls -= 1;
        return true;
      },
    });
    await sink.start();
    // The harness's app queues the invitations; it sends no mail itself (no SMTP_URL).
    h = await startHarness({ env: { INVITATION_KEY: 'invitation-key-example-0123456789abcdef' } });
    await h.setupOrganization();
    await queueInvitations(h, ['stuck@example.com']);
    const env = { MAIL_WORKER_INTERVAL_MS: '200', MAIL_CLAIM_MS: String(lease) };

    const first = await startInstance(h, sink.url, env);
    const s = sink;
    await h.standin.waitFor(() => s.stalled[0], 30_000, 'the first instance to hang sending the mail');
    await killed(first, 'SIGKILL');
    const held = await h.em().findOneOrFail(OutboxMail, { recipient: 'stuck@example.com' });
    expect(held.status).toBe('queued');
    const heldUntil = held.lockedUntil?.getTime() ?? 0;
    expect(heldUntil).toBeGreaterThan(Date.now());

    const harness = h;
    const emails = Array.from({ length: 30 }, (_, i) => `crew${i + 1}@example.com`);
    const [others] = await Promise.all([
      Promise.all([1, 2, 3].map(() => startInstance(harness, s.url, env))),
      queueInvitations(h, emails),
    ]);
    expect(others).toHaveLength(3);

    await h.standin.waitFor(() => s.received.length >= 31, lease + 30_000, 'every mail to reach the sink');
    await sleep(1_000); // a repeat would arrive now
    expect(sink.received).toHaveLength(31);
    for (const email of [...emails, 'stuck@example.com']) expect(receivedBy(sink, email)).toBe(1);
    const stuckAt = sink.receivedAt[sink.received.findIndex((m) => JSON.stringify(m.to).includes('stuck@'))];
    expect(stuckAt).toBeGreaterThanOrEqual(heldUntil);
    const rows = await h.em().find(OutboxMail, {});
    expect(rows.every((r) => r.status === 'sent' && r.lockedBy === null)).toBe(true);
    for (const child of others) await killed(child, 'SIGTERM');
  }, 120_000);
});
