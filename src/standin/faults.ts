/**
 * Fault switches of the stand-in: make Web API methods answer as Slack does when it pushes back — HTTP 429 with
 * `Retry-After: <seconds>` (docs.slack.dev/apis/web-api/rate-limits), HTTP 500 or 503 — or answer slowly, for a
 * number of calls or for a while. Tests and the console use them to check that nothing is lost when Slack has a
 * bad moment.
 */

/** How a faulty method answers. */
export interface FaultInput {
  /** Web API method (`chat.postMessage`), or `*` for every method. */
  method: string;
  /** HTTP status to answer instead of calling the method: 429, 500 or 503. Absent: the call runs, after `delayMs`. */
  status?: 429 | 500 | 503;
  /** With status 429: the `Retry-After` header, in seconds (default 1). */
  retryAfterSeconds?: number;
  /** Milliseconds to wait before answering (with or without a status). */
  delayMs?: number;
  /** How many calls it affects; absent: every call while it lasts. */
  count?: number;
  /** For how long, in milliseconds from now; absent: until `count` runs out or it is cleared. */
  durationMs?: number;
  /**
   * Only calls acting in this team (a workspace id, or an enterprise id for its org-wide token) meet the fault;
   * absent: every call. Calls without a known bot token (`oauth.v2.access`) act in no team.
   */
  teamId?: string;
}

/** A fault as stored: its input, its id, and what is left of it. */
export interface Fault extends FaultInput {
  id: string;
  /** Calls still to affect; undefined: no limit. */
  remaining?: number;
  /** Milliseconds since the epoch when it ends; undefined: no end. */
  until?: number;
  /** Calls it affected so far. */
  hits: number;
}

/** What a faulty call does: wait, then answer with a status (or run the method when none). */
export interface FaultAction {
  delayMs: number;
  status?: 429 | 500 | 503;
  retryAfterSeconds?: number;
}

/**
 * Checks a fault's input.
 * @throws Error naming the bad field
 */
export function parseFault(input: unknown): FaultInput {
  if (!input || typeof input !== 'object') throw new Error('a fault is a JSON object');
  const o = input as Record<string, unknown>;
  if (typeof o.method !== 'string' || !/^(\*|[\w.]+)$/.test(o.method)) {
    throw new Error('method must be a Web API method name or *');
  }
  const fault: FaultInput = { method: o.method };
  if (o.status !== undefined) {
    if (o.status !== 429 && o.status !== 500 && o.status !== 503)
      throw new Error('status must be 429, 500 or 503');
    fault.status = o.status;
  }
  const whole = (key: 'retryAfterSeconds' | 'delayMs' | 'count' | 'durationMs', min: number): void => {
    const v = o[key];
    if (v === undefined) return;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
      throw new Error(`${key} must be a whole number of at least ${min}`);
    }
    fault[key] = v;
  };
  if (o.teamId !== undefined) {
    if (typeof o.teamId !== 'string' || !/^[A-Z0-9]+$/.test(o.teamId))
      throw new Error('teamId must be a team id');
    fault.teamId = o.teamId;
  }
  whole('retryAfterSeconds', 0);
  whole('delayMs', 0);
  whole('count', 1);
  whole('durationMs', 1);
  if (fault.status === undefined && fault.delayMs === undefined)
    throw new Error('give a status or a delayMs');
  return fault;
}

/** The switches: faults in the order they were added; the first one that applies to a call is used. */
export class FaultSwitch {
  private readonly faults: Fault[] = [];
  private next = 1;

  constructor(private readonly now: () => number = Date.now) {}

  /**
   * Adds a fault.
   * @throws Error for a bad input (see {@link parseFault})
   */
  add(input: FaultInput): Fault {
    const checked = parseFault(input);
    const fault: Fault = {
      ...checked,
      id: `F${this.next++}`,
      hits: 0,
      ...(checked.count !== undefined ? { remaining: checked.count } : {}),
      ...(checked.durationMs !== undefined ? { until: this.now() + checked.durationMs } : {}),
    };
    this.faults.push(fault);
    return fault;
  }

  /** The faults still in force. */
  list(): Fault[] {
    this.prune();
    return this.faults.map((f) => ({ ...f }));
  }

  /** Removes one fault by id, or all. @returns how many were removed */
  clear(id?: string): number {
    const before = this.faults.length;
    if (id === undefined) this.faults.length = 0;
    else {
      const i = this.faults.findIndex((f) => f.id === id);
      if (i >= 0) this.faults.splice(i, 1);
    }
    return before - this.faults.length;
  }

  /**
   * The fault a call of `method` meets now, counted as a hit (and one call fewer left); undefined when none.
   * @param teams the teams the call acts in (see FaultInput.teamId).
   */
  take(method: string, teams: readonly string[] = []): FaultAction | undefined {
    this.prune();
    const fault = this.faults.find(
      (f) =>
        (f.method === method || f.method === '*') && (f.teamId === undefined || teams.includes(f.teamId)),
    );
    if (!fault) return undefined;
    fault.hits += 1;
    if (fault.remaining !== undefined) fault.remaining -= 1;
    this.prune();
    return {
      delayMs: fault.delayMs ?? 0,
      ...(fault.status !== undefined ? { status: fault.status } : {}),
      ...(fault.status === 429 ? { retryAfterSeconds: fault.retryAfterSeconds ?? 1 } : {}),
    };
  }

  private prune(): void {
    const now = this.now();
    for (let i = this.faults.length - 1; i >= 0; i -= 1) {
      const f = this.faults[i];
      if (
        f &&
        ((f.remaining !== undefined && f.remaining <= 0) || (f.until !== undefined && f.until <= now))
      ) {
        this.faults.splice(i, 1);
      }
    }
  }
}
