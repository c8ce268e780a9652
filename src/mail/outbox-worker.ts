import { randomUUID } from 'node:crypto';
import type { Orm } from '../db/orm.js';
import type { Clock } from '../domain/actor.js';
import { truncateText } from '../domain/graphemes.js';
import { Invitation } from '../domain/invitations/invitation.entity.js';
import { InvitationsService } from '../domain/invitations/invitations.service.js';
import type { InvitationNotifier } from '../domain/invitations/ports.js';
import type { InvitationSettings } from '../domain/invitations/settings.js';
import { hashInvitationToken, UnsealError } from '../domain/invitations/token.js';
import { backoffDelay } from '../lib/backoff.js';
import { type Logger, scrubCredentials } from '../logger.js';
import { renderInvitationMail } from './invitation-mail.js';
import { OutboxMailQueue } from './invitation-outbox.js';
import { classifySendFailure, type MailSender } from './mail-sender.js';
import { OutboxMail } from './outbox.entity.js';

/** Retry schedule of the outbox: the delay before attempt n+1 is `baseMs · 2^(n-1)`, at most `maxMs`. */
export const DEFAULT_BACKOFF = { baseMs: 5_000, maxMs: 60 * 60 * 1000 } as const;

/** How long a worker's claim on a row lasts, in milliseconds (longer than one SMTP exchange with its timeouts). */
export const CLAIM_MS = 2 * 60 * 1000;

/** Rows taken per query. */
const BATCH = 20;

/** What one drain did. */
export interface DrainResult {
  sent: number;
  /** Failed this time and will be tried again. */
  retrying: number;
  /** Gave up (last attempt failed, or the sealed token cannot be opened). */
  failed: number;
  /** Skipped because the invitation was closed or resent meanwhile. */
  cancelled: number;
  /** Invitations closed as expired by this drain. */
  expired: number;
}

/** An invitation mail given up on: what the inviting Admin is told. No token, no secret. */
export interface MailFailure {
  invitationId: string;
  organizationId: string;
  /** The invited address, in ASCII form as stored. */
  recipient: string;
  /** The Slack user who invited (or approved the request), when known. */
  notifySlackUserId: string | null;
  /** Why: the server's reply or the last error, one line. */
  reason: string;
  /** True when the server refused the mail for good (a 5yz reply); false when the attempts ran out. */
  permanent: boolean;
}

/** Dependencies of the {@link OutboxWorker}. */
export interface OutboxWorkerOptions {
  orm: Orm;
  sender: MailSender;
  clock: Clock;
  logger: Logger;
  settings: InvitationSettings;
  /** Told of each invitation the worker closes as expired (the Slack side refreshes what it posted about it). */
  invitationNotifier: InvitationNotifier;
  /** Base of invitation links, without a trailing slash. */
  publicUrl: string;
  /** The From header (`MAIL_FROM`). */
  mailFrom: string;
  /** Milliseconds between runs started by {@link OutboxWorker.start}. */
  intervalMs: number;
  /** Attempts before a mail is marked failed. */
  maxAttempts: number;
  backoff?: { baseMs: number; maxMs: number };
  /**
   * Told once per mail given up on (after the row is marked failed); its errors are logged and never undo the
   * state. The composition wires it to a Slack DM to the inviting Admin.
   */
  onFailed?: (failure: MailFailure) => Promise<void>;
}

/**
 * The transactional outbox's sender. Each run closes expired invitations, then sends every due mail
 * (`queued`, or `retrying` whose time has come): it claims the row (a conditional update, so two workers never
 * send one row), opens the sealed token, renders the mail, sends it, and marks it sent in the database right after
 * the server accepted it — clearing the sealed token. A failure is retried with exponential backoff; after
 * `maxAttempts` the mail is marked failed. A permanent refusal (an SMTP 5yz reply, RFC 5321 §4.2.1) is final at once:
 * the row is marked failed with the server's reply as `lastError`, and `onFailed` tells the inviting Admin; 4yz
 * replies and connection errors are retried. Every mail carries a fixed Message-ID, so should the process die
 * between the server's acceptance and the database update, the one repeated delivery is recognisable.
 */
export class OutboxWorker {
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<unknown> = Promise.resolve();
  private stopped = false;
  private readonly log: Logger;
  private readonly backoff: { baseMs: number; maxMs: number };
  /** This worker's identity in the rows it claims (`locked_by`): one per process start. */
  readonly instanceId = randomUUID();

  constructor(private readonly options: OutboxWorkerOptions) {
    this.log = options.logger.child({ component: 'mail-outbox' });
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
  }

  /**
   * Releases the claims left by workers of earlier processes, so a mail being sent when a process died (`kill -9`)
   * goes out at the next run instead of waiting out {@link CLAIM_MS}. Sound only with one process per database
   * (the SQLite deployment): any claim not held by this instance belongs to a process that is gone. Several
   * instances on one database (PostgreSQL) must leave others' claims to expire.
   * @returns how many claims were released
   */
  async releaseStaleClaims(): Promise<number> {
    const em = this.options.orm.em.fork();
    const released = await em.nativeUpdate(
      OutboxMail,
      {
        status: { $in: ['queued', 'retrying'] },
        lockedUntil: { $ne: null },
        $or: [{ lockedBy: null }, { lockedBy: { $ne: this.instanceId } }],
      },
      { lockedUntil: null, lockedBy: null },
    );
    if (released > 0) this.log.info({ released }, 'released mail claims left by an earlier process');
    return released;
  }

  /**
   * Releases claims of earlier processes ({@link releaseStaleClaims}; a {@link drain} waits for it), then runs
   * {@link drain} every `intervalMs` until {@link stop}.
   */
  start(): void {
    if (this.timer) return;
    this.stopped = false;
    this.chain = this.chain
      .then(() => this.releaseStaleClaims())
      .catch((err: unknown) => this.log.error({ err }, 'could not release earlier claims'));
    this.timer = setInterval(() => {
      this.drain().catch((err: unknown) => this.log.error({ err }, 'outbox run failed'));
    }, this.options.intervalMs);
    this.timer.unref();
  }

  /** Stops the timer and waits for a run in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.chain.catch(() => undefined);
    await this.options.sender.close?.();
  }

  /**
   * Runs once now (tests call it directly). Runs never overlap: a call made during a run waits for it, then runs
   * again, so mail queued before the call is covered.
   */
  drain(): Promise<DrainResult> {
    const run = this.chain.catch(() => undefined).then(() => this.pass());
    this.chain = run;
    return run;
  }

  private async pass(): Promise<DrainResult> {
    const result: DrainResult = { sent: 0, retrying: 0, failed: 0, cancelled: 0, expired: 0 };
    const { orm, clock, settings } = this.options;
    result.expired = await new InvitationsService(orm.em.fork(), clock, settings, {
      outbox: new OutboxMailQueue(),
      notifier: this.options.invitationNotifier,
    }).expireDue();
    const seen = new Set<string>();
    for (;;) {
      if (this.stopped) break;
      const now = clock.now();
      const due = await orm.em.fork().find(
        OutboxMail,
        {
          status: { $in: ['queued', 'retrying'] },
          nextAttemptAt: { $lte: now },
          $or: [{ lockedUntil: null }, { lockedUntil: { $lte: now } }],
          id: { $nin: [...seen] },
        },
        { orderBy: { nextAttemptAt: 'asc', id: 'asc' }, limit: BATCH },
      );
      if (due.length === 0) break;
      for (const row of due) {
        seen.add(row.id);
        const outcome = await this.deliver(row.id);
        if (outcome) result[outcome] += 1;
      }
    }
    return result;
  }

  /** Claims, sends and records one row; returns what happened, or null when another worker had it. */
  private async deliver(id: string): Promise<'sent' | 'retrying' | 'failed' | 'cancelled' | null> {
    const { orm, clock, sender, settings } = this.options;
    const em = orm.em.fork();
    const now = clock.now();
    const claimed = await em.nativeUpdate(
      OutboxMail,
      {
        id,
        status: { $in: ['queued', 'retrying'] },
        $or: [{ lockedUntil: null }, { lockedUntil: { $lte: now } }],
      },
      { lockedUntil: new Date(now.getTime() + CLAIM_MS), lockedBy: this.instanceId },
    );
    if (claimed !== 1) return null;
    const row = await em.findOneOrFail(OutboxMail, id);
    const invitation = await em.findOneOrFail(Invitation, row.invitation.id);
    const log = this.log.child({ outboxId: row.id, invitationId: invitation.id });
    if (invitation.status !== 'pending' || !row.sealedToken) {
      await this.finish(em, row, { status: 'cancelled', sealedToken: null });
      return 'cancelled';
    }
    let token: string;
    try {
      token = settings.sealer.open(row.sealedToken, row.id);
    } catch (err) {
      if (!(err instanceof UnsealError)) throw err;
      const lastError = 'the invitation key changed since this mail was queued; resend the invitation';
      await this.finish(em, row, { status: 'failed', sealedToken: null, lastError });
      log.error({ lastError }, 'invitation mail cannot be sent');
      return 'failed';
    }
    if (hashInvitationToken(token) !== invitation.tokenHash) {
      await this.finish(em, row, { status: 'cancelled', sealedToken: null });
      return 'cancelled';
    }
    const content = renderInvitationMail(row.data, `${this.options.publicUrl}/invitations/${token}`);
    const attempts = row.attempts + 1;
    try {
      await sender.send({
        from: this.options.mailFrom,
        to: row.recipient,
        messageId: row.messageId,
        ...content,
      });
    } catch (err) {
      const failure = classifySendFailure(err);
      const lastError = truncateText(scrubCredentials(failure.reason), 300);
      if (failure.permanent || attempts >= this.options.maxAttempts) {
        await this.finish(em, row, { status: 'failed', sealedToken: null, attempts, lastError });
        log.error(
          { attempts, lastError, responseCode: failure.responseCode, permanent: failure.permanent },
          failure.permanent ? 'invitation mail refused for good' : 'invitation mail failed for good',
        );
        await this.tellFailed(invitation, row, lastError, failure.permanent);
        return 'failed';
      }
      const nextAttemptAt = new Date(clock.now().getTime() + backoffDelay(attempts, this.backoff));
      await this.finish(em, row, { status: 'retrying', attempts, lastError, nextAttemptAt });
      log.warn(
        { attempts, lastError, responseCode: failure.responseCode, nextAttemptAt },
        'invitation mail not sent; will retry',
      );
      return 'retrying';
    }
    await this.finish(em, row, {
      status: 'sent',
      sealedToken: null,
      attempts,
      lastError: null,
      sentAt: clock.now(),
    });
    log.info({ attempts, to: row.recipient }, 'invitation mail sent');
    return 'sent';
  }

  /** Tells the inviting Admin (through `onFailed`) that a mail was given up on; a failure there is only logged. */
  private async tellFailed(
    invitation: Invitation,
    row: OutboxMail,
    reason: string,
    permanent: boolean,
  ): Promise<void> {
    if (!this.options.onFailed) return;
    try {
      await this.options.onFailed({
        invitationId: invitation.id,
        organizationId: row.organization.id,
        recipient: row.recipient,
        notifySlackUserId: invitation.decidedBySlackUserId ?? invitation.inviterSlackUserId,
        reason,
        permanent,
      });
    } catch (err) {
      this.log.warn(
        { err, invitationId: invitation.id },
        'could not tell the inviting admin of a failed mail',
      );
    }
  }

  private async finish(
    em: ReturnType<Orm['em']['fork']>,
    row: OutboxMail,
    changes: Partial<
      Pick<OutboxMail, 'status' | 'sealedToken' | 'attempts' | 'lastError' | 'nextAttemptAt' | 'sentAt'>
    >,
  ): Promise<void> {
    await em.nativeUpdate(
      OutboxMail,
      { id: row.id },
      { ...changes, lockedUntil: null, lockedBy: null, updatedAt: this.options.clock.now() },
    );
  }
}
