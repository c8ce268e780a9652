/**
 * Knows when the app has finished reacting to a payload, so the console prints a command's whole answer before it
 * reads the next line: payloads still inside the app's listener chain are counted (a middleware calls
 * `begin`/`end`), and the stand-in's records reset a quiet period that covers work the app does just after (the
 * error handler's reply, a message posted from a background task).
 */
import { setTimeout as delay } from 'node:timers/promises';

/** Milliseconds without a record, after the last payload left the app, before its reactions count as settled. */
export const QUIET_MS = 150;
/** Milliseconds after which `settle` gives up waiting (a slow or stuck handler). */
export const SETTLE_LIMIT_MS = 10_000;
const POLL_MS = 10;

/** Counts payloads in flight and remembers when the last thing happened. */
export class Activity {
  private inFlight = 0;
  private lastAt = Date.now();

  /** Something happened (a record, a delivery). */
  touch(): void {
    this.lastAt = Date.now();
  }

  /** A payload entered the app's listener chain. */
  begin(): void {
    this.inFlight += 1;
    this.touch();
  }

  /** A payload left it (answered or failed). */
  end(): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
    this.touch();
  }

  /**
   * Resolves once no payload is in flight and nothing happened for `quietMs`.
   * @param quietMs milliseconds, default {@link QUIET_MS}
   * @param limitMs milliseconds, default {@link SETTLE_LIMIT_MS}
   * @returns false when the limit was reached first
   */
  async settle(quietMs = QUIET_MS, limitMs = SETTLE_LIMIT_MS): Promise<boolean> {
    const start = Date.now();
    for (;;) {
      const now = Date.now();
      if (this.inFlight === 0 && now - this.lastAt >= quietMs) return true;
      if (now - start >= limitMs) return false;
      await delay(POLL_MS);
    }
  }
}
