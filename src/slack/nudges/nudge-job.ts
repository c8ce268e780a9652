/**
 * The hygiene nudges job (issue 15): finds, as of the app's clock, the facts that call for an Admin's action
 * (src/domain/nudges/facts.ts) and queues one DM per fact to each active Admin who has not muted its kind, through
 * the Slack delivery outbox (kind `nudge`, rendered and re-checked at delivery).
 *
 * Once per fact: the `nudges` row of a fact and its DMs are written in one transaction, and the row's unique index
 * on (kind, subject_id, fact_key) refuses a second one — another run or instance that got there first makes the
 * insert fail, and the fact is skipped. Once across instances: each run also holds the named lock `nudges`
 * (src/db/named-lock.ts), so on PostgreSQL two instances' runs do not even overlap.
 */
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { withNamedLock } from '../../db/named-lock.js';
import type { Orm } from '../../db/orm.js';
import type { Clock } from '../../domain/actor.js';
import { Member } from '../../domain/members/member.entity.js';
import { findNudgeFacts, type NudgeFact, type NudgeThresholds } from '../../domain/nudges/facts.js';
import type { NudgeKind } from '../../domain/nudges/kinds.js';
import { mutedAdminMemberIds } from '../../domain/nudges/mutes.js';
import { Nudge } from '../../domain/nudges/nudge.entity.js';
import { Organization } from '../../domain/organizations/organization.entity.js';
import type { Logger } from '../../logger.js';
import { activeAdminSlackUserIds, queueDelivery } from '../deliveries/queue.js';
import { nudgePayload } from './nudge-delivery.js';

/** Milliseconds after start before the first run, at most (later runs follow every `intervalMs`). */
const FIRST_RUN_MS = 60_000;

/** The name of the lock each run holds. */
export const NUDGES_LOCK = 'nudges';

/** The kinds whose subject is an invitation (their deliveries carry its id). */
const ABOUT_INVITATION: readonly NudgeKind[] = ['invitation_expiring', 'request_waiting'];

/** What one run did. */
export interface NudgeRunCounts {
  /** Facts found that had not been nudged yet. */
  found: number;
  /** Facts this run nudged (a `nudges` row written). */
  nudged: number;
  /** DMs queued (one per fact and Admin who has not muted its kind). */
  dms: number;
  /** Facts another run or instance nudged first (the unique index refused this run's row). */
  alreadyNudged: number;
}

/**
 * The Slack user ids of the organization's active Admins who have not muted `kind` (see
 * {@link activeAdminSlackUserIds} and `mutedAdminMemberIds`).
 */
async function recipients(
  em: Parameters<typeof activeAdminSlackUserIds>[0],
  organizationId: string,
  kind: NudgeKind,
): Promise<string[]> {
  const admins = await activeAdminSlackUserIds(em, organizationId);
  const muted = await mutedAdminMemberIds(em, organizationId, kind);
  if (muted.size === 0) return admins;
  const mutedMembers = await em.find(Member, { organization: organizationId, id: { $in: [...muted] } });
  const mutedUsers = new Set(mutedMembers.map((m) => m.slackUserId));
  return admins.filter((id) => !mutedUsers.has(id));
}

/**
 * Records `fact` and queues its DMs in one transaction.
 * @returns the DMs queued, or null when the fact was nudged already (the unique index refused the row)
 * @throws the database's other errors
 */
async function nudgeOnce(orm: Orm, fact: NudgeFact, now: Date): Promise<number | null> {
  try {
    return await orm.em.fork().transactional(async (tx) => {
      const organization = tx.getReference(Organization, fact.organizationId);
      // Written first: a fact nudged meanwhile fails here, before anything is read or queued.
      tx.persist(new Nudge({ organization, ...fact, now }));
      await tx.flush();
      const targets = await recipients(tx, fact.organizationId, fact.kind);
      for (const target of targets) {
        queueDelivery(tx, {
          organization,
          kind: 'nudge',
          target,
          payload: nudgePayload(fact),
          invitationId: ABOUT_INVITATION.includes(fact.kind) ? fact.subjectId : null,
          now,
        });
      }
      return targets.length;
    });
  } catch (err) {
    if (err instanceof UniqueConstraintViolationException) return null;
    throw err;
  }
}

/**
 * Nudges every fact that holds at `now` and was not nudged yet, under the named lock {@link NUDGES_LOCK}.
 * @param now the current time (the app's clock)
 * @returns what the run did
 * @throws the database's error (facts nudged before it stay nudged)
 */
export async function sendNudges(orm: Orm, now: Date, thresholds: NudgeThresholds): Promise<NudgeRunCounts> {
  return withNamedLock(orm, NUDGES_LOCK, async () => {
    const facts = await findNudgeFacts(orm.em.fork(), now, thresholds);
    const counts: NudgeRunCounts = { found: facts.length, nudged: 0, dms: 0, alreadyNudged: 0 };
    for (const fact of facts) {
      const dms = await nudgeOnce(orm, fact, now);
      if (dms === null) {
        counts.alreadyNudged += 1;
      } else {
        counts.nudged += 1;
        counts.dms += dms;
      }
    }
    return counts;
  });
}

/** What the job needs; see `Config.nudges`. */
export interface NudgeJobSettings extends NudgeThresholds {
  /** Milliseconds between two runs. */
  intervalMs: number;
}

/**
 * The background job that runs {@link sendNudges}: first a minute after {@link start} (or after `intervalMs` when
 * that is shorter), then every `intervalMs`; after a run that queued DMs, `deliver` wakes the Slack delivery
 * worker. A run that nudged something is logged at `info`; a failed run at `warn`, and the next one tries again.
 */
export class NudgeJob {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private stopped = false;

  constructor(
    private readonly deps: {
      orm: Orm;
      clock: Clock;
      logger: Logger;
      settings: NudgeJobSettings;
      /** Wakes the Slack delivery worker (the DMs go out at once rather than at its next poll). */
      deliver: () => Promise<unknown>;
    },
  ) {}

  /** Schedules the runs (the timer does not keep the process alive). */
  start(): void {
    this.stopped = false;
    this.schedule(Math.min(FIRST_RUN_MS, this.deps.settings.intervalMs));
  }

  /** Cancels the next run and waits for one in progress to end. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /**
   * Runs once now (whether or not the job was started), then wakes the delivery worker when DMs were queued.
   * @returns what the run did
   * @throws the database's error
   */
  async runOnce(): Promise<NudgeRunCounts> {
    const counts = await sendNudges(this.deps.orm, this.deps.clock.now(), this.deps.settings);
    if (counts.nudged > 0 || counts.alreadyNudged > 0) {
      this.deps.logger.info({ component: 'nudges', ...counts }, 'nudges: facts nudged');
    }
    if (counts.dms > 0) await this.deps.deliver();
    return counts;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.runOnce()
        .catch((err: unknown) =>
          this.deps.logger.warn({ err, component: 'nudges' }, 'nudges run failed; the next run tries again'),
        )
        .finally(() => {
          this.running = undefined;
          this.schedule(this.deps.settings.intervalMs);
        });
    }, delayMs);
    this.timer.unref();
  }
}
