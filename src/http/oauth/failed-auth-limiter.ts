import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import { type FailureCounting, memoryFailureCounting, type RecentFailures } from '../../db/shared-limits.js';
import { prefixWithin } from '../../domain/graphemes.js';

/** Limits on failed client authentication: failures allowed per window, and the window in seconds. */
export interface FailedAuthLimits {
  perClientId: { failures: number; windowSeconds: number };
  perAddress: { failures: number; windowSeconds: number };
}

/** 10 failures per client ID and 50 per address, each in 15 minutes. */
export const DEFAULT_FAILED_AUTH_LIMITS: FailedAuthLimits = {
  perClientId: { failures: 10, windowSeconds: 900 },
  perAddress: { failures: 50, windowSeconds: 900 },
};

/**
 * Counts failed client authentications per client ID and per address (`rate-limiter-flexible`) and says when either
 * has run out. While one has, every request for that client ID or from that address is answered 429 until the
 * window ends — also one with the right secret, or the limit would not slow down guessing. The counts live where
 * `counting` keeps them (src/db/shared-limits.ts): in this process on SQLite, in the database on PostgreSQL, so a
 * failure recorded by one instance limits them all.
 */
export class FailedAuthLimiter {
  private readonly byClient: RateLimiterAbstract;
  private readonly byAddress: RateLimiterAbstract;
  private readonly recent: RecentFailures;

  /**
   * @param limits failures allowed and windows (seconds)
   * @param counting where the counts live; default in this process
   */
  constructor(
    private readonly limits: FailedAuthLimits = DEFAULT_FAILED_AUTH_LIMITS,
    counting: FailureCounting = memoryFailureCounting(),
  ) {
    this.byClient = counting.counter({
      keyPrefix: 'oauth_client',
      points: limits.perClientId.failures,
      duration: limits.perClientId.windowSeconds,
    });
    this.byAddress = counting.counter({
      keyPrefix: 'oauth_addr',
      points: limits.perAddress.failures,
      duration: limits.perAddress.windowSeconds,
    });
    this.recent = counting.recent;
  }

  /**
   * @returns seconds until the caller may try again (for `Retry-After`), or null when not limited
   */
  async retryAfter(address: string, clientId: string | undefined): Promise<number | null> {
    // No failure within the longest window: no counter can have run out (the common case, answered without
    // looking the counters up).
    if (!(await this.recent.any())) return null;
    const [byAddress, byClient] = await Promise.all([
      this.byAddress.get(address),
      clientId === undefined ? null : this.byClient.get(clientKey(clientId)),
    ]);
    let ms = 0;
    if (byAddress && byAddress.consumedPoints >= this.limits.perAddress.failures) ms = byAddress.msBeforeNext;
    if (byClient && byClient.consumedPoints >= this.limits.perClientId.failures) {
      ms = Math.max(ms, byClient.msBeforeNext);
    }
    return ms > 0 ? Math.max(1, Math.ceil(ms / 1000)) : null;
  }

  /** Counts one failed authentication against the address and the client ID. */
  async recordFailure(address: string, clientId: string | undefined): Promise<void> {
    const windowSeconds = Math.max(
      this.limits.perAddress.windowSeconds,
      this.limits.perClientId.windowSeconds,
    );
    // consume() rejects once the points are spent; the count is kept either way.
    await Promise.allSettled([
      this.recent.note(windowSeconds),
      this.byAddress.consume(address),
      clientId === undefined ? Promise.resolve() : this.byClient.consume(clientKey(clientId)),
    ]);
  }
}

/** Client IDs as given by anyone: bounded, so a flood of long ones cannot grow memory much. */
function clientKey(clientId: string): string {
  return prefixWithin(clientId, 64);
}
