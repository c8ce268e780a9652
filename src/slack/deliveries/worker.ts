/**
 * The sender of the Slack delivery outbox: delivers the rows of `slack_deliveries` (written by `queue.ts`, for the
 * notifier ports and the Slack side's own deliveries) with the Web API, at most once each, surviving rate limits and
 * short outages.
 */
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/core';
import type { WebClient } from '@slack/web-api';
import { standardPorts } from '../../adapters.js';
import type { Orm } from '../../db/orm.js';
import { hasNewerSibling, type OutboxClaims, slackDeliveryClaims } from '../../db/outbox-claims.js';
import type { Clock } from '../../domain/actor.js';
import { truncateText } from '../../domain/graphemes.js';
import { Organization } from '../../domain/organizations/organization.entity.js';
import { createServices, type Services } from '../../domain/services.js';
import { backoffDelay } from '../../lib/backoff.js';
import { type Logger, scrubCredentials } from '../../logger.js';
import { DELIVERY_KINDS, recordInvitationPost, type Sent } from './kinds.js';
import { SlackDelivery } from './slack-delivery.entity.js';
import {
  CHANNEL_ERRORS,
  classifySlackFailure,
  DEACTIVATED_ERRORS,
  type SlackFailure,
} from './slack-errors.js';

/** Backoff after a 5xx or network error: the delay before attempt n+1 is `baseMs · 2^(n-1)`, at most `maxMs`. */
export const DEFAULT_SLACK_BACKOFF = { baseMs: 1_000, maxMs: 5 * 60 * 1000 } as const;

/**
 * How long a worker's claim on a row lasts by default, in milliseconds (longer than one Web API call with its
 * timeout): a row claimed by an instance that died is sent by another after it.
 */
export const SLACK_CLAIM_MS = 60 * 1000;

/**
 * How long a user's reply waits for the deliveries of their change, in milliseconds: the normal path delivers well
 * within it, so "sent" is true; a slow Slack does not hold the reply longer (the rows are durably queued).
 */
export const DELIVER_WAIT_MS = 2000;

/** What one run did. */
export interface SlackDrainResult {
  sent: number;
  /** Failed this time, will be tried again (rate limited, 5xx, network). */
  retrying: number;
  /** Given up on (a final Slack error, or the last attempt failed). */
  failed: number;
  /** Not delivered on purpose (deactivated account, Admin gone, invitation closed). */
  skipped: number;
}

/** Dependencies of the {@link SlackDeliveryWorker}. */
export interface SlackDeliveryWorkerOptions {
  orm: Orm;
  /**
   * The Web API client of the bot serving an organization's workspace, without retries of its own and with
   * `rejectRateLimitedCalls` (the worker schedules); null when the app is not installed there any more
   * (distribution mode), and the delivery is then skipped.
   */
  client: (organization: Organization) => Promise<WebClient | null> | WebClient | null;
  /** The domain's clock (records' times: `delivered_at`, audit). */
  clock: Clock;
  logger: Logger;
  /** Domain service settings (as given to `createServices`). */
  serviceOptions?: Parameters<typeof createServices>[2];
  /** Milliseconds between polls (`SLACK_DELIVERY_INTERVAL_MS`). */
  intervalMs: number;
  /** Attempts before a row is marked failed (`SLACK_DELIVERY_MAX_ATTEMPTS`). */
  maxAttempts: number;
  backoff?: { baseMs: number; maxMs: number };
  /** Wall-clock milliseconds (Retry-After is real time); `Date.now` by default. */
  now?: () => number;
  /**
   * How long a claim on a row lasts, in milliseconds ({@link SLACK_CLAIM_MS} by default; tests shorten it). It must
   * outlast one Web API call with its timeout, or another instance may make the call a second time.
   */
  leaseMs?: number;
  /** The identity in `locked_by` (a random UUID by default; tests name their workers). */
  instanceId?: string;
}

/**
 * Delivers queued Slack messages and views. Each run takes every due row (`pending`, `next_attempt_at` null or
 * past, unclaimed), claims it (a lease, see `src/db/outbox-claims.ts`: on PostgreSQL `FOR UPDATE SKIP LOCKED`, so
 * several instances never make one row's call twice, and a row claimed by an instance that died is sent by another
 * once the lease ran out; rows of one `dedupe_key` go one at a time and a superseded one is skipped), renders and sends it (one
 * Web API call), and in one transaction marks it sent and records where the message went. A 429 is retried after
 * its `Retry-After` (and pauses the other rows of that method for this run); a 5xx or a network error is retried
 * with exponential backoff; a final Slack error (see slack-errors.ts) marks the row failed at once, as does the
 * last of `maxAttempts`. Runs come every `intervalMs`, when something is due sooner, and whenever {@link kick} is
 * called after a change commits (so the normal path is immediate). Should the process die between Slack's answer
 * and the database update, that one row is sent again after its claim is released — the only way it can be. Every
 * update after the claim is fenced (`locked_by` = this instance): should the lease run out during a slow call and
 * another instance claim the row, the late worker records nothing (the call may then be made twice).
 */
export class SlackDeliveryWorker {
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<unknown> = Promise.resolve();
  /** True between {@link start} and {@link stop}: runs are planned ahead. */
  private running = false;
  /** Set by {@link stop}: a run in progress ends after the row it is sending. */
  private halted = false;
  private held = 0;
  private readonly log: Logger;
  private readonly backoff: { baseMs: number; maxMs: number };
  private readonly now: () => number;
  private readonly claims: OutboxClaims;
  private readonly leaseMs: number;
  /** This worker's identity in the rows it claims (`locked_by`): one per process start. */
  readonly instanceId: string;

  constructor(private readonly options: SlackDeliveryWorkerOptions) {
    this.log = options.logger.child({ component: 'slack-deliveries' });
    this.backoff = options.backoff ?? DEFAULT_SLACK_BACKOFF;
    this.now = options.now ?? Date.now;
    this.claims = slackDeliveryClaims(options.orm);
    this.leaseMs = options.leaseMs ?? SLACK_CLAIM_MS;
    this.instanceId = options.instanceId ?? randomUUID();
  }

  /**
   * Releases the claims of workers of earlier processes, so their rows go out at the next run. Only on SQLite (one
   * process per file: any claim not held by this instance belongs to a process that is gone); on PostgreSQL other
   * instances' claims may be live, and this releases nothing — an abandoned claim is taken over after its lease.
   * @returns how many claims were released
   */
  async releaseStaleClaims(): Promise<number> {
    const released = await this.claims.releaseAbandoned(this.options.orm.em.fork(), this.instanceId);
    if (released > 0)
      this.log.info({ released }, 'released Slack delivery claims left by an earlier process');
    return released;
  }

  /** Releases earlier claims, then runs at once and every `intervalMs` (or sooner when a row is due) until {@link stop}. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.halted = false;
    this.chain = this.chain
      .then(() => this.releaseStaleClaims())
      .catch((err: unknown) => this.log.error({ err }, 'could not release earlier claims'));
    void this.kick();
  }

  /** How many deliveries this worker is making right now (claimed, outcome not yet recorded): 0 or 1. */
  get deliveriesHeld(): number {
    return this.held;
  }

  /**
   * Stops the timer and waits for a run in progress: the delivery being made is finished and recorded, no other is
   * claimed (the rest stays queued for the next start, or another instance).
   */
  async stop(): Promise<void> {
    this.running = false;
    this.halted = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.chain.catch(() => undefined);
  }

  /**
   * Runs now (after a change committed) and resolves when the run is over, or after `waitMs` when Slack is slow
   * (the run goes on; what it has not sent yet stays queued); never rejects (a failed run is logged). Rows queued
   * before the call are covered.
   * @param waitMs longest wait in milliseconds; unbounded when absent
   */
  async kick(waitMs?: number): Promise<void> {
    const run = this.drain().then(
      () => undefined,
      (err: unknown) => this.log.error({ err }, 'Slack delivery run failed'),
    );
    if (waitMs === undefined) return run;
    let timer: NodeJS.Timeout | undefined;
    const budget = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, waitMs);
      timer.unref();
    });
    await Promise.race([run, budget]);
    clearTimeout(timer);
  }

  /** Runs once (runs never overlap: a call during a run waits for it, then runs again). */
  drain(): Promise<SlackDrainResult> {
    const run = this.chain.catch(() => undefined).then(() => this.pass());
    this.chain = run.then(
      () => this.schedule(),
      () => this.schedule(),
    );
    return run;
  }

  /** Plans the next run: at the next due row, at most `intervalMs` away. */
  private async schedule(): Promise<void> {
    if (!this.running) return;
    if (this.timer) clearTimeout(this.timer);
    let delay = this.options.intervalMs;
    try {
      const next = await this.options.orm.em
        .fork()
        .findOne(
          SlackDelivery,
          { status: 'pending', nextAttemptAt: { $ne: null } },
          { orderBy: { nextAttemptAt: 'asc' }, fields: ['nextAttemptAt'] },
        );
      const at = next?.nextAttemptAt?.getTime();
      if (at !== undefined) delay = Math.max(10, Math.min(delay, at - this.now() + 5));
    } catch (err) {
      this.log.warn({ err }, 'could not plan the next Slack delivery run');
    }
    if (!this.running) return;
    this.timer = setTimeout(() => void this.kick(), delay);
    this.timer.unref();
  }

  private async pass(): Promise<SlackDrainResult> {
    const result: SlackDrainResult = { sent: 0, retrying: 0, failed: 0, skipped: 0 };
    /** Rows this run left pending: not claimed again in this run even when due at once. */
    const retried: string[] = [];
    /** Web API methods answered 429 in this run, by organization (Slack's limits are per workspace), until when (ms). */
    const paused = new Map<string, number>();
    for (;;) {
      if (this.halted) break;
      // One row per claim: the lease covers one Web API call, not a batch of them.
      const [id] = await this.claims.claimNext(this.options.orm.em.fork(), {
        instanceId: this.instanceId,
        leaseMs: this.leaseMs,
        limit: 1,
        now: new Date(this.now()),
        exclude: retried,
      });
      if (id === undefined) break;
      this.held += 1;
      const outcome = await this.deliver(id, paused).finally(() => {
        this.held -= 1;
      });
      if (outcome === 'retrying') retried.push(id);
      if (outcome) result[outcome] += 1;
    }
    return result;
  }

  /** Sends and records one row this worker claimed; returns what happened. */
  private async deliver(id: string, paused: Map<string, number>): Promise<keyof SlackDrainResult | null> {
    const em = this.options.orm.em.fork();
    const row = await em.findOneOrFail(SlackDelivery, id, { populate: ['organization'] });
    const kind = DELIVERY_KINDS[row.kind];
    const until = paused.get(`${row.organization.id}:${kind.method}`);
    if (until !== undefined && until > this.now()) {
      // Slack said to wait for this method: no call now, and no attempt counted.
      await this.finish(em, row, { nextAttemptAt: new Date(until) });
      return 'retrying';
    }
    if (await hasNewerSibling(em, row)) {
      // Queued again while this row was held: the newer row (the latest payload) is sent instead, after this one.
      await this.finish(em, row, { status: 'skipped', lastError: 'superseded' });
      return 'skipped';
    }
    const log = this.log.child({
      deliveryId: row.id,
      kind: row.kind,
      invitationId: row.invitationId ?? undefined,
    });
    const services = createServices(
      em,
      this.options.clock,
      this.options.serviceOptions ?? { ports: standardPorts() },
    );
    const attempts = row.attempts + 1;
    try {
      const client = await this.options.client(row.organization);
      const outcome = client
        ? await kind.send(row, { client, em, services, log, now: this.options.clock.now() })
        : { skipped: 'app_not_installed' };
      if ('skipped' in outcome) {
        await this.finish(em, row, { status: 'skipped', attempts, lastError: outcome.skipped });
        log.info({ reason: outcome.skipped }, 'Slack delivery skipped');
        return 'skipped';
      }
      await this.markSent(row, attempts, outcome.sent);
      if (row.kind === 'approval_request' && row.payload.viaChannel && row.target) {
        await services.invitations.approvalsChannelWorked(row.organization.id, row.target);
      }
      log.debug({ attempts }, 'Slack delivery sent');
      return 'sent';
    } catch (err) {
      const failure = classifySlackFailure(err);
      return this.failed(em, row, attempts, failure, services, paused, log);
    }
  }

  private async failed(
    em: EntityManager,
    row: SlackDelivery,
    attempts: number,
    failure: SlackFailure,
    services: Services,
    paused: Map<string, number>,
    log: Logger,
  ): Promise<keyof SlackDrainResult> {
    const reason = truncateText(scrubCredentials(failure.reason), 300);
    if (failure.kind === 'final' || attempts >= this.options.maxAttempts) {
      let lastError = reason;
      if (failure.kind === 'final') lastError = await this.onFinal(row, failure, services, log, reason);
      await this.finish(em, row, { status: 'failed', attempts, lastError });
      log.warn({ attempts, lastError }, 'Slack delivery given up');
      return 'failed';
    }
    const delay =
      failure.kind === 'rate_limited' ? failure.retryAfterMs : backoffDelay(attempts, this.backoff);
    const nextAttemptAt = new Date(this.now() + delay);
    if (failure.kind === 'rate_limited') {
      const pauseKey = `${row.organization.id}:${DELIVERY_KINDS[row.kind].method}`;
      paused.set(pauseKey, Math.max(paused.get(pauseKey) ?? 0, nextAttemptAt.getTime()));
    }
    await this.finish(em, row, { status: 'pending', attempts, lastError: reason, nextAttemptAt });
    log.info({ attempts, lastError: reason, nextAttemptAt }, 'Slack delivery not sent; will retry');
    return 'retrying';
  }

  /**
   * What a final refusal changes beside the row: the approvals channel refusing a request falls back to the
   * Admins' DMs (and tells them once); a DM refused because the account is deactivated records that.
   * @returns the row's `last_error`
   */
  private async onFinal(
    row: SlackDelivery,
    failure: Extract<SlackFailure, { kind: 'final' }>,
    services: Services,
    log: Logger,
    reason: string,
  ): Promise<string> {
    try {
      if (
        row.kind === 'approval_request' &&
        row.payload.viaChannel &&
        row.target &&
        CHANNEL_ERRORS.has(failure.code)
      ) {
        await services.invitations.approvalsChannelFailed({
          organizationId: row.organization.id,
          channelId: row.target,
          invitationId: row.invitationId,
          reason: failure.code,
        });
        return `${reason} (sent to the Admins by DM instead)`;
      }
      if (row.target && DEACTIVATED_ERRORS.has(failure.code)) {
        await services.members.recordAccounts(row.organization, [{ slackUserId: row.target, deleted: true }]);
      }
    } catch (err) {
      log.error({ err }, 'could not act on a refused Slack delivery');
    }
    return reason;
  }

  /** Marks the row sent and records where the message went, in one transaction, if this worker still holds it. */
  private async markSent(row: SlackDelivery, attempts: number, sent: Sent): Promise<void> {
    const deliveredAt = this.options.clock.now();
    await this.options.orm.em.fork().transactional(async (tx) => {
      const won = await tx.nativeUpdate(
        SlackDelivery,
        { id: row.id, status: 'pending', lockedBy: this.instanceId },
        {
          status: 'sent',
          attempts,
          lastError: null,
          deliveredAt,
          channelId: sent.channelId ?? null,
          ts: sent.ts ?? null,
          lockedBy: null,
          lockedUntil: null,
        },
      );
      if (won === 1) {
        await recordInvitationPost(tx, tx.getReference(Organization, row.organization.id), sent, deliveredAt);
      }
    });
  }

  /**
   * Records an outcome other than sent and frees the claim, if this worker still holds it (`locked_by`); when the
   * lease ran out and another worker claimed the row meanwhile, nothing changes (that worker records its own).
   */
  private async finish(
    em: EntityManager,
    row: SlackDelivery,
    changes: Partial<Pick<SlackDelivery, 'status' | 'attempts' | 'lastError' | 'nextAttemptAt'>>,
  ): Promise<void> {
    const changed = await em.nativeUpdate(
      SlackDelivery,
      { id: row.id, lockedBy: this.instanceId },
      { ...changes, lockedUntil: null, lockedBy: null },
    );
    if (changed !== 1) {
      this.log.warn(
        { deliveryId: row.id, status: changes.status },
        'the claim on this delivery ran out before its outcome was recorded; another worker holds it',
      );
    }
  }
}
