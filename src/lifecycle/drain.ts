/**
 * The process's drain state and the work in flight: whether the app is draining (no new work is taken: HTTP answers
 * 503, Socket Mode disconnects), and which Slack payloads are still being processed, including the part of their
 * listeners that runs after Bolt's `ack()`.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

/** What a request carries through every asynchronous step taken on its behalf. */
export interface RequestScope {
  /** The edge's request id (`newRequestId()` in src/slack/edge/screening.ts). */
  requestId: string;
}

/**
 * The request scope of the Slack edges: everything a payload's listeners start, awaited or not, runs inside it, so
 * a crash deep in a listener (`unhandledRejection`, `uncaughtException`) can be tied to its request id.
 */
export const requestScope = new AsyncLocalStorage<RequestScope>();

/** The request id of the code running now, when it runs on behalf of a Slack payload. */
export function currentRequestId(): string | undefined {
  return requestScope.getStore()?.requestId;
}

/** A payload being processed: its request id and its kind (`command`, `block_actions`, `event_callback` …). */
export interface InFlightPayload {
  requestId: string;
  kind: string;
}

/** What a drain had to leave unfinished when its deadline passed (all empty or zero after a clean drain). */
export interface CutOff {
  /** Payloads still being processed, with their request ids. */
  payloads: InFlightPayload[];
  /** How many of them per kind. */
  payloadsByKind: Record<string, number>;
  /** Mails the outbox worker was sending (0 or 1 per worker). */
  mailsHeld: number;
  /** Slack deliveries (messages, views) the delivery worker was making (0 or 1). */
  deliveriesHeld: number;
}

/** The outcome of {@link DrainState}'s owner's drain: clean, or what was cut off at the deadline. */
export interface DrainReport {
  clean: boolean;
  /** Milliseconds the drain took. */
  elapsedMs: number;
  cutOff: CutOff;
}

/** Counts payloads by kind. */
export function countByKind(payloads: readonly InFlightPayload[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const p of payloads) counts[p.kind] = (counts[p.kind] ?? 0) + 1;
  return counts;
}

/**
 * One app's drain state and the Slack payloads in flight. `isDraining` is a bound function, to hand to whatever
 * must refuse new work while draining (the HTTP server's 503 gate, `GET /readyz`).
 */
export class DrainState {
  private draining = false;
  private readonly live = new Set<InFlightPayload>();
  private waiters: (() => void)[] = [];

  /** True once {@link begin} was called: new requests are refused. */
  readonly isDraining = (): boolean => this.draining;

  /** Starts draining (idempotent). */
  begin(): void {
    this.draining = true;
  }

  /**
   * Runs `work` for the payload `requestId` inside its {@link requestScope} and counts it as in flight until it
   * settles. The returned entry's `kind` starts as `request` and is set once the payload is parsed.
   * @returns what `work` returns (its rejection too)
   */
  track<T>(requestId: string, work: (entry: InFlightPayload) => Promise<T>): Promise<T> {
    const entry: InFlightPayload = { requestId, kind: 'request' };
    this.live.add(entry);
    return requestScope.run({ requestId }, async () => {
      try {
        return await work(entry);
      } finally {
        this.live.delete(entry);
        if (this.live.size === 0) {
          const waiters = this.waiters;
          this.waiters = [];
          for (const resolve of waiters) resolve();
        }
      }
    });
  }

  /** The payloads in flight now (copies). */
  inFlight(): InFlightPayload[] {
    return [...this.live].map((p) => ({ ...p }));
  }

  /** Resolves when no payload is in flight (at once when none is). */
  idle(): Promise<void> {
    if (this.live.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}
