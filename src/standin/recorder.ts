/**
 * What the stand-in saw and did, kept for tests and the console: Web API calls, messages, ephemerals, views,
 * deliveries. Every change is announced to `record` listeners as it happens, and `waitFor` waits on them.
 */
import type {
  RecordedApiError,
  RecordedCall,
  RecordedDelivery,
  RecordedEphemeral,
  RecordedMessage,
  RecordedView,
  StandInLogger,
  StandInRecord,
} from './types.js';

/** A `record` listener. */
export type RecordListener = (record: StandInRecord) => void;

const POLL_INTERVAL_MS = 20;

/** The recordings and their notification channel. */
export class Recorder {
  readonly calls: RecordedCall[] = [];
  readonly apiErrors: RecordedApiError[] = [];
  readonly messages: RecordedMessage[] = [];
  readonly ephemerals: RecordedEphemeral[] = [];
  readonly views = new Map<string, RecordedView>();
  readonly homeViews = new Map<string, RecordedView>();
  readonly deliveries: RecordedDelivery[] = [];
  private readonly listeners = new Set<RecordListener>();

  constructor(private readonly logger: StandInLogger | undefined) {}

  /** Tells every listener; a throwing listener is logged and does not disturb the stand-in or other listeners. */
  emit(record: StandInRecord): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(record);
      } catch (error) {
        this.logger?.warn({ err: error, kind: record.kind }, 'stand-in record listener threw');
      }
    }
  }

  addListener(listener: RecordListener): void {
    this.listeners.add(listener);
  }

  removeListener(listener: RecordListener): void {
    this.listeners.delete(listener);
  }

  /**
   * Resolves with the predicate's first truthy answer, checking now, after every record and every 20 ms.
   *
   * @param predicate answers the awaited thing, or `undefined` / `false` / `null` while it is not there yet. If it
   *   throws, the promise rejects with that error.
   * @param timeoutMs how long to wait, in milliseconds.
   * @param what a name for the awaited thing, used in the timeout error (default: the predicate's source).
   * @throws Error `waitFor timed out after <ms> ms waiting for <what> …` with the last Web API calls seen.
   */
  waitFor<T>(predicate: () => T | undefined | false | null, timeoutMs: number, what?: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const finish = (): void => {
        settled = true;
        clearInterval(poll);
        clearTimeout(timer);
        this.listeners.delete(check);
      };
      const check = (): void => {
        if (settled) return;
        let value: T | undefined | false | null;
        try {
          value = predicate();
        } catch (error) {
          finish();
          reject(error);
          return;
        }
        if (value !== undefined && value !== false && value !== null) {
          finish();
          resolve(value);
        }
      };
      const poll = setInterval(check, POLL_INTERVAL_MS);
      const timer = setTimeout(() => {
        if (settled) return;
        finish();
        const name = what ?? predicate.toString().replace(/\s+/g, ' ').slice(0, 200);
        const recent = this.calls
          .slice(-5)
          .map((c) => (c.ok ? c.method : `${c.method} (${c.error ?? 'error'})`))
          .join(', ');
        reject(
          new Error(
            `waitFor timed out after ${timeoutMs} ms waiting for ${name}; last Web API calls: ${recent || 'none'}`,
          ),
        );
      }, timeoutMs);
      this.listeners.add(check);
      check();
    });
  }
}
