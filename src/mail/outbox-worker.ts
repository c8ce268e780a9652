import { randomUUID } from 'node:crypto';
import type { Orm } from '../db/orm.js';
import { mailOutboxClaims, type OutboxClaims } from '../db/outbox-claims.js';
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

/**
 * How long a worker's claim on a row lasts by default, in milliseconds (longer than one SMTP exchange with its
 * timeouts): a mail claimed by an instance that died is sent by another after it.
 */
export const CLAIM_MS = 2 * 60 * 1000;

/** What one drain did: the outcomes it recorded (a row whose claim ran out meanwhile is not counted). */
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
   * How long a claim on a row lasts, in milliseconds ({@link CLAIM_MS} by default; tests shorten it). It must
   * outlast one SMTP exchange with its timeouts, or another instance may send the mail a second time.
   */
  leaseMs?: number;
  /**
   * Told once per mail given up on (after the row is marked failed); its errors are logged and never undo the
   * state. The composition wires it to a Slack DM to the inviting Admin.
   */
  onFailed?: (failure: MailFailure) => Promise<void>;
  /** Told the outcome of each mail this worker recorded (the metrics' `astrobee_mails_total`). */
  onOutcome?: (outcome: 'sent' | 'retrying' | 'failed' | 'cancelled') => void;
}

/**
 * The transactional outbox's sender. Each run closes expired invitations, then sends every due mail
 * (`queued`, or `retrying` whose time has come): it claims the row (a lease, see `src/db/outbox-claims.ts`: on
 * PostgreSQL `FOR UPDATE SKIP LOCKED`, so several instances never send one row and a row claimed by an instance
 * that died is sent by another once the lease ran out), opens the sealed token, renders the mail, sends it, and marks it sent in the database right after
 * the server accepted it — clearing the sealed token. A failure is retried with exponential backoff; after
 * `maxAttempts` the mail is marked failed. A permanent refusal (an SMTP 5yz reply, RFC 5321 §4.2.1) is final at once:
 * the row is marked failed with the server's reply as `lastError`, and `onFailed` tells the inviting Admin; 4yz
 * replies and connection errors are retried. Every mail carries a fixed Message-ID, so should the process die
 * between the server's acceptance and the database update, the one repeated delivery is recognisable.
 *
 * Every update after the claim is fenced (`WHERE id = ? AND locked_by = <this instance>`). Should the lease run out
 * while the mail is being sent (an SMTP exchange slower than `leaseMs`), another instance may claim the row and send
 * the mail again: the receiver gets it twice with the same Message-ID, and only the holder of the current claim
 * records the outcome — the late worker's update changes nothing and is logged.
 */
export class OutboxWorker {
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<unknown> = Promise.resolve();
  private stopped = false;
  private held = 0;
  private readonly log: Logger;
  private readonly backoff: { baseMs: number; maxMs: number };
  private readonly claims: OutboxClaims;
  private readonly leaseMs: number;
  /** This worker's identity in the rows it claims (`locked_by`): one per process start unless given. */
  readonly instanceId: string;

  /** @param instanceId the identity in `locked_by` (a random UUID by default; tests name their workers) */
  constructor(
    private readonly options: OutboxWorkerOptions,
    instanceId: string = randomUUID(),
  ) {
    this.log = options.logger.child({ component: 'mail-outbox' });
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.claims = mailOutboxClaims(options.orm);
    this.leaseMs = options.leaseMs ?? CLAIM_MS;
    this.instanceId = instanceId;
  }

  /**
   * Releases the claims left by workers of earlier processes, so a mail being sent when a process died (`kill -9`)
   * goes out at the next run instead of waiting out the lease. Only on SQLite (one process per database file: any
   * claim not held by this instance belongs to a process that is gone); on PostgreSQL other instances' claims may
   * be live, and this releases nothing — an abandoned claim is taken over when its lease ran out.
   * @returns how many claims were released
   */
  async releaseStaleClaims(): Promise<number> {
    const released = await this.claims.releaseAbandoned(this.options.orm.em.fork(), this.instanceId);
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

  /** How many mails this worker is sending right now (claimed, outcome not yet recorded): 0 or 1. */
  get mailsHeld(): number {
    return this.held;
  }

  /**
   * Stops the timer and waits for a run in progress: the mail being sent is finished and recorded, no other is
   * claimed (what is left stays queued for the next run, here or on another instance).
   */
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
    /** Rows this run left to retry: not claimed again in this run even when due at once. */
    const retried: string[] = [];
    for (;;) {
      if (this.stopped) break;
      // One row per claim: the lease covers one SMTP exchange, not a batch of them.
      const [id] = await this.claims.claimNext(orm.em.fork(), {
        instanceId: this.instanceId,
        leaseMs: this.leaseMs,
        limit: 1,
        now: clock.now(),
        exclude: retried,
      });
      if (id === undefined) break;
      this.held += 1;
      const outcome = await this.deliver(id).finally(() => {
        this.held -= 1;
      });
      if (outcome === 'retrying') retried.push(id);
      if (outcome) {
        result[outcome] += 1;
        this.options.onOutcome?.(outcome);
      }
    }
    return result;
  }

  /**
   * Sends and records one row this worker claimed; returns what happened, or null when the claim ran out before the
   * outcome was recorded (the holder of the new claim records its own).
   */
  private async deliver(id: string): Promise<'sent' | 'retrying' | 'failed' | 'cancelled' | null> {
    const { orm, clock, sender, settings } = this.options;
    const em = orm.em.fork();
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
        const held = await this.finish(em, row, { status: 'failed', sealedToken: null, attempts, lastError });
        log.error(
          { attempts, lastError, responseCode: failure.responseCode, permanent: failure.permanent },
          failure.permanent ? 'invitation mail refused for good' : 'invitation mail failed for good',
        );
        // The Admin is told by the holder of the claim only, once.
        if (held) await this.tellFailed(invitation, row, lastError, failure.permanent);
        return held ? 'failed' : null;
      }
      const nextAttemptAt = new Date(clock.now().getTime() + backoffDelay(attempts, this.backoff));
      const held = await this.finish(em, row, { status: 'retrying', attempts, lastError, nextAttemptAt });
      log.warn(
        { attempts, lastError, responseCode: failure.responseCode, nextAttemptAt },
        'invitation mail not sent; will retry',
      );
      return held ? 'retrying' : null;
    }
    const held = await this.finish(em, row, {
      status: 'sent',
      sealedToken: null,
      attempts,
      lastError: null,
      sentAt: clock.now(),
    });
    log.info({ attempts, to: row.recipient }, 'invitation mail sent');
    return held ? 'sent' : null;
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

  /**
   * Records the outcome and frees the claim, if this worker still holds it (`WHERE id = ? AND locked_by = ?`). When
   * the lease ran out and another instance claimed the row meanwhile, nothing changes: that instance records the
   * outcome of its own attempt (a mail sent twice carries one Message-ID).
   * @returns false when the claim was lost
   */
  private async finish(
    em: ReturnType<Orm['em']['fork']>,
    row: OutboxMail,
    changes: Partial<
      Pick<OutboxMail, 'status' | 'sealedToken' | 'attempts' | 'lastError' | 'nextAttemptAt' | 'sentAt'>
    >,
  ): Promise<boolean> {
    const changed = await em.nativeUpdate(
      OutboxMail,
      { id: row.id, lockedBy: this.instanceId },
      { ...changes, lockedUntil: null, lockedBy: null, updatedAt: this.options.clock.now() },
    );
    if (changed !== 1) {
      this.log.warn(
        { outboxId: row.id, status: changes.status },
        'the claim on this mail ran out before its outcome was recorded; another worker holds it',
      );
    }
    return changed === 1;
  }
}
