/**
 * Slack deliveries deduplicated across instances. Slack sends an Events API delivery again when it got no
 * acknowledgement in time (same `event_id`, header `X-Slack-Retry-Num`,
 * docs.slack.dev/apis/events-api/#retries), and the same interaction payload can arrive twice; with several
 * instances behind a load balancer the copies reach different processes. A Bolt global middleware claims each
 * delivery's key in the database (`slack_event_receipts`, src/db/event-receipts.ts) before any listener runs:
 *
 * - the first claim wins and handles the delivery; when its listeners succeed the receipt is marked handled, and
 *   every later copy is acknowledged and dropped;
 * - when its handling fails (a listener threw), the claim is released, so Slack's retry of the delivery is handled
 *   (by whichever instance it reaches);
 * - a copy that arrives while the first handling is still running is acknowledged and dropped. Known limit: if that
 *   first handling then fails, the dropped copy is gone, and Slack retries an event at most 3 times in all.
 * - a claim whose instance died mid-way expires after {@link RECEIPT_LEASE_MS}; a later copy then takes it over.
 * - receipts older than {@link RECEIPT_KEEP_MS} are purged, by each instance at most every {@link PURGE_EVERY_MS},
 *   in the background of a claim (Slack's retries all come within minutes).
 *
 * Keys: an Events API delivery is `event:<team>:<event_id>`; a `block_actions` payload is
 * `action:<team>:<user>:<action_id>:<action_ts>` (the same payload delivered twice carries the same `action_ts`).
 * Slash commands, modal submissions and anything else carry no idempotency key and pass through untouched.
 * When the receipt store cannot be reached the delivery is handled without a receipt: a rare duplicate side effect
 * beats a lost delivery.
 */
import type { AnyMiddlewareArgs, Middleware } from '@slack/bolt';
import type { Clock } from '../domain/actor.js';
import { findLeakCandidates } from '../domain/clients/leaks.js';
import type { Logger } from '../logger.js';

/** How long a claim protects a delivery being handled before another instance may take it over (ms). */
export const RECEIPT_LEASE_MS = 45_000;
/** How long a receipt is kept (ms): Slack's last retry of an event comes about 5 minutes after the first send. */
export const RECEIPT_KEEP_MS = 60 * 60 * 1000;
/** How often (ms) one instance purges old receipts at most. */
export const PURGE_EVERY_MS = 5 * 60 * 1000;

/** Keys longer than this are not claimed (no Slack id comes near it). */
const MAX_KEY_LENGTH = 400;

/** The receipts the middleware keeps, implemented in SQL by src/db/event-receipts.ts. Times in epoch ms. */
export interface DeliveryReceipts {
  /**
   * Claims `key` for handling until `leaseUntilMs`.
   * @returns 'claimed' when the caller now handles the delivery; 'duplicate' when it was handled or is being
   *   handled under a lease that has not run out
   */
  claim(key: string, nowMs: number, leaseUntilMs: number): Promise<'claimed' | 'duplicate'>;
  /** Marks a claimed key handled. */
  markHandled(key: string): Promise<void>;
  /** Gives up a claim whose handling failed, so the next copy of the delivery is handled. */
  release(key: string): Promise<void>;
  /** Deletes receipts created before `beforeMs`; returns how many. */
  purge(beforeMs: number): Promise<number>;
}

/**
 * Whether `event` is a `message` event (or edit) whose text holds no credential candidate (a word with our prefix
 * and a right checksum): a lookalike leads to nothing either.
 */
function isMessageWithoutCandidate(event: Record<string, unknown>): boolean {
  if (event.type !== 'message') return false;
  const text = event.subtype === 'message_changed' ? obj(event.message).text : event.text;
  return !(typeof text === 'string' && findLeakCandidates(text).length > 0);
}

/**
 * The idempotency key of a delivery, or undefined when it has none (slash commands, view submissions, …).
 * @param body the payload as Bolt received it
 */
export function receiptKeyOf(body: unknown): string | undefined {
  const o = obj(body);
  let key: string | undefined;
  if (o.type === 'event_callback') {
    // A message with no credential-shaped word leads to nothing (the leaked-secret guard stops there, with no
    // database query): a copy is harmless, so it takes no receipt either.
    if (isMessageWithoutCandidate(obj(o.event))) return undefined;
    const eventId = str(o.event_id);
    if (eventId) key = `event:${str(o.team_id) ?? str(o.enterprise_id) ?? ''}:${eventId}`;
  } else if (o.type === 'block_actions') {
    const actions = Array.isArray(o.actions) ? o.actions : [];
    const action = obj(actions[0]);
    const actionId = str(action.action_id);
    const actionTs = str(action.action_ts);
    const user = obj(o.user);
    const team = str(obj(o.team).id) ?? str(user.team_id) ?? '';
    const userId = str(user.id);
    if (actionId && actionTs && userId) key = `action:${team}:${userId}:${actionId}:${actionTs}`;
  }
  return key && key.length <= MAX_KEY_LENGTH ? key : undefined;
}

/**
 * The Bolt global middleware described above; install it before the one that sets up each payload's context, so a
 * duplicate costs one statement.
 * @param deps `receipts` (see {@link DeliveryReceipts}), `clock` (the app's), `logger`
 * @returns middleware that rethrows what the listeners threw (after releasing the claim), for the error handler
 */
export function eventReceiptsMiddleware(deps: {
  receipts: DeliveryReceipts;
  clock: Clock;
  logger: Logger;
}): Middleware<AnyMiddlewareArgs> {
  const { receipts, clock } = deps;
  const log = deps.logger.child({ component: 'slack-receipts' });
  let lastPurge = 0;
  const purgeNowAndThen = (nowMs: number) => {
    if (nowMs - lastPurge < PURGE_EVERY_MS) return;
    lastPurge = nowMs;
    receipts
      .purge(nowMs - RECEIPT_KEEP_MS)
      .then((purged) => {
        if (purged > 0) log.debug({ purged }, 'old Slack delivery receipts purged');
      })
      .catch((err: unknown) => log.warn({ err }, 'old Slack delivery receipts not purged'));
  };

  return async (args) => {
    const key = receiptKeyOf(args.body);
    if (!key) {
      await args.next();
      return;
    }
    const nowMs = clock.now().getTime();
    let outcome: 'claimed' | 'duplicate';
    try {
      outcome = await receipts.claim(key, nowMs, nowMs + RECEIPT_LEASE_MS);
    } catch (err) {
      log.warn({ err, key }, 'Slack delivery handled without a receipt: the receipt could not be claimed');
      await args.next();
      return;
    }
    purgeNowAndThen(nowMs);
    if (outcome === 'duplicate') {
      log.info({ key }, 'duplicate Slack delivery dropped');
      // Events were acknowledged by Bolt already; an interaction is acknowledged here, with nothing to show.
      if ('ack' in args && typeof args.ack === 'function') await (args.ack as () => Promise<void>)();
      return;
    }
    try {
      await args.next();
    } catch (err) {
      await receipts
        .release(key)
        .catch((releaseErr: unknown) =>
          log.warn(
            { err: releaseErr, key },
            'Slack delivery receipt not released: its retries will be dropped',
          ),
        );
      throw err;
    }
    await receipts
      .markHandled(key)
      .catch((err: unknown) => log.warn({ err, key }, 'Slack delivery receipt not marked handled'));
  };
}

function obj(v: unknown): Record<string, unknown> {
  return v && typeof v === 'object' ? (v as Record<string, unknown>) : {};
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v ? v : undefined;
}
