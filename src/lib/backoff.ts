/** Exponential backoff for the delivery workers (the mail outbox, the Slack deliveries). A leaf module. */

/** The first delay and the ceiling of an exponential backoff, in milliseconds. */
export interface Backoff {
  baseMs: number;
  maxMs: number;
}

/**
 * The delay before the next attempt after `attempts` failed ones, in milliseconds: `baseMs` after the first,
 * doubling after each further one, never more than `maxMs`.
 */
export function backoffDelay(attempts: number, backoff: Backoff): number {
  return Math.min(backoff.maxMs, backoff.baseMs * 2 ** Math.max(0, attempts - 1));
}
