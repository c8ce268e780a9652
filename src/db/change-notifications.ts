/**
 * Change notifications between instances on PostgreSQL: the triggers of migration
 * `Migration20261206000100_change_notifications` send `pg_notify('astrobee_changes', …)` for every row written in
 * the members, organizations, api_clients and api_client_secrets tables; {@link PostgresChangeListener} hears them
 * on a connection of its own and tells this instance's caches (the team directory, the token batcher's kept
 * hashes). See https://www.postgresql.org/docs/current/sql-listen.html and …/sql-notify.html.
 */
import pg from 'pg';
import type { ClientChangeSignal } from '../domain/clients/ports.js';
import type { TeamChange, TeamChangeSignal } from '../domain/members/ports.js';
import type { Logger } from '../logger.js';

/** The channel the triggers notify on. */
export const CHANGES_CHANNEL = 'astrobee_changes';

/** A committed write of one row, as the trigger describes it (ids only: no email, no hash). */
export interface TableChange {
  /** The table written: `members`, `organizations`, `api_clients` or `api_client_secrets`. */
  table: string;
  op: 'insert' | 'update' | 'delete';
  /** The row's `id`. */
  id: string | null;
  /** The row's organization (the row's own id for `organizations`); null when the row has none. */
  organizationId: string | null;
  /** The client of an `api_client_secrets` row; null for other tables. */
  clientId: string | null;
}

/**
 * What a subscriber is told: one committed change, or `null` for "anything may have changed" (the connection
 * dropped or came back: notifications may have been missed, so every cache is to be dropped).
 */
export type ChangeHandler = (change: TableChange | null) => void;

/** Delays between reconnection attempts: doubling from the first to the last, then the last again. */
const RECONNECT_MIN_MS = 100;
const RECONNECT_MAX_MS = 5000;
/**
 * Milliseconds {@link PostgresChangeListener.settled} waits for its round trip: past it the connection is taken
 * for dead (ended, so it reconnects) and the answer is false, so a request is never held up for long.
 */
const SETTLE_TIMEOUT_MS = 1000;

/**
 * Listens on {@link CHANGES_CHANNEL} over ONE dedicated `pg` connection (not one of the ORM's pool, which
 * `LISTEN` would pin) and hands every notification to its subscribers, synchronously, in commit order.
 *
 * - **Dropped connection** (server restart, `pg_terminate_backend`, network): subscribers get `null` at once, and
 *   again once listening resumes, since notifications committed meanwhile were lost; reconnection is retried with
 *   backoff ({@link RECONNECT_MIN_MS} doubling up to {@link RECONNECT_MAX_MS}). While not listening,
 *   {@link settled} answers false: nothing may be served from memory.
 * - **"At once"**: PostgreSQL signals a listening session when a notifying transaction commits, before that commit
 *   returns to its client; an idle listening session sends the notification straight away, and one running a query
 *   sends notifications that arrived before the query's ReadyForQuery. So after {@link settled} resolves true,
 *   every change committed before it was called has been handed to the subscribers: a request that awaits it
 *   before reading a cache sees every write acknowledged before the request arrived (one local round trip,
 *   shared by the requests that arrive meanwhile).
 *
 * Notifications are only heard while listening, and a NOTIFY payload is at most 8000 bytes (the trigger's is ids
 * only).
 */
export class PostgresChangeListener {
  private readonly handlers: ChangeHandler[] = [];
  private client: pg.Client | null = null;
  private listening = false;
  private closed = false;
  private attempt = 0;
  private retry: NodeJS.Timeout | null = null;
  private inFlight: Promise<boolean> | null = null;
  private queued: Promise<boolean> | null = null;

  /**
   * @param options `url`: the database (`postgres://…`, the ORM's); `logger`; `reconnectMinMs`/`reconnectMaxMs`
   *   override the backoff, `settleTimeoutMs` the wait of {@link settled} ({@link SETTLE_TIMEOUT_MS}) (tests)
   */
  constructor(
    private readonly options: {
      url: string;
      logger: Logger;
      reconnectMinMs?: number;
      reconnectMaxMs?: number;
      settleTimeoutMs?: number;
    },
  ) {}

  /** Registers `handler` for every change (and every `null`, see the class). */
  subscribe(handler: ChangeHandler): void {
    this.handlers.push(handler);
  }

  /** True while the connection is up and `LISTEN` is in effect. */
  get live(): boolean {
    return this.listening;
  }

  /**
   * Connects and starts listening.
   * @throws the connection's error when the first attempt fails (the app does not start without it); later drops
   *   are retried instead
   */
  async start(): Promise<void> {
    await this.connect();
  }

  /**
   * Resolves once every change committed before this call has been handed to the subscribers (a `select 1` sent
   * after the call, on the listening connection, has come back; see the class).
   * @returns false when not listening, or when the round trip takes longer than {@link SETTLE_TIMEOUT_MS} (the
   *   caller then reads the database, not its cache)
   */
  settled(): Promise<boolean> {
    if (!this.inFlight) return this.roundTrip();
    // A round trip already sent may have left before this call: join the next one.
    this.queued ??= this.inFlight.then(() => {
      this.queued = null;
      return this.inFlight ?? this.roundTrip();
    });
    return this.queued;
  }

  /** Stops listening and closes the connection; no reconnection after it. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    this.retry = null;
    this.listening = false;
    const client = this.client;
    this.client = null;
    if (client) await client.end().catch(() => undefined);
  }

  /** The `pg` backend pid of the listening connection (tests end it with `pg_terminate_backend`); null if none. */
  get backendPid(): number | null {
    return (this.client as unknown as { processID?: number } | null)?.processID ?? null;
  }

  private roundTrip(): Promise<boolean> {
    const client = this.client;
    if (!client || !this.listening) return Promise.resolve(false);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => {
        this.dropped(client, new Error('the connection listening for changes did not answer in time'));
        resolve(false);
      }, this.options.settleTimeoutMs ?? SETTLE_TIMEOUT_MS);
    });
    const answered = client.query('select 1').then(
      () => this.listening && this.client === client,
      () => false,
    );
    const trip = Promise.race([answered, timeout]).finally(() => {
      clearTimeout(timer);
      if (this.inFlight === trip) this.inFlight = null;
    });
    this.inFlight = trip;
    return trip;
  }

  private async connect(): Promise<void> {
    // TCP keepalive: a connection lost without a reset is noticed by the operating system too.
    const client = new pg.Client({ connectionString: this.options.url, keepAlive: true });
    client.on('notification', (message) => {
      if (message.channel === CHANGES_CHANNEL) this.dispatch(parseChange(message.payload));
    });
    client.on('error', (err) => this.dropped(client, err));
    client.on('end', () => this.dropped(client, null));
    this.client = client;
    try {
      await client.connect();
      await client.query(`listen ${CHANGES_CHANNEL}`);
    } catch (err) {
      this.client = null;
      await client.end().catch(() => undefined);
      throw err;
    }
    if (this.closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.listening = true;
    this.attempt = 0;
  }

  private dropped(client: pg.Client, err: Error | null): void {
    if (this.client !== client) return;
    this.client = null;
    this.listening = false;
    client.end().catch(() => undefined);
    if (this.closed) return;
    this.options.logger.warn(
      { err: err ?? undefined },
      'lost the connection listening for changes: every cache dropped, reconnecting',
    );
    this.dispatch(null);
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed || this.retry) return;
    const min = this.options.reconnectMinMs ?? RECONNECT_MIN_MS;
    const max = this.options.reconnectMaxMs ?? RECONNECT_MAX_MS;
    const delay = Math.min(max, min * 2 ** this.attempt);
    this.attempt += 1;
    this.retry = setTimeout(() => {
      this.retry = null;
      this.connect().then(
        () => {
          if (this.closed) return;
          this.options.logger.info('listening for changes again');
          // Notifications committed while the connection was down were lost.
          this.dispatch(null);
        },
        (err: unknown) => {
          this.options.logger.warn({ err }, 'reconnecting to listen for changes failed; retrying');
          this.scheduleReconnect();
        },
      );
    }, delay);
    this.retry.unref();
  }

  private dispatch(change: TableChange | null): void {
    for (const handler of this.handlers) {
      try {
        handler(change);
      } catch (err) {
        this.options.logger.error({ err }, 'a change subscriber failed');
      }
    }
  }
}

/** The trigger's payload as a {@link TableChange}; null (drop everything) when it cannot be read. */
export function parseChange(payload: string | undefined): TableChange | null {
  try {
    const value = JSON.parse(payload ?? '') as Partial<Record<keyof TableChange, unknown>>;
    if (typeof value.table !== 'string') return null;
    const text = (v: unknown) => (typeof v === 'string' ? v : null);
    const op = value.op === 'insert' || value.op === 'delete' ? value.op : 'update';
    return {
      table: value.table,
      op,
      id: text(value.id),
      organizationId: text(value.organizationId),
      clientId: text(value.clientId),
    };
  } catch {
    return null;
  }
}

/**
 * The team directory's {@link TeamChangeSignal} over `listener`: a write of a member (with its id and
 * organization) is told as such, so the directory can patch that one member in; any other write of the members or
 * organizations tables, and a `null` of the listener, as "anything may have changed".
 */
export function teamChangesOf(listener: PostgresChangeListener): TeamChangeSignal {
  return {
    subscribe(onChange: (change?: TeamChange) => void): void {
      listener.subscribe((change) => {
        if (change === null) onChange();
        else if (change.table === 'members' && change.id && change.organizationId) {
          onChange({ memberId: change.id, organizationId: change.organizationId });
        } else if (change.table === 'members' || change.table === 'organizations') onChange();
      });
    },
    settled: () => listener.settled(),
  };
}

/**
 * The token batcher's {@link ClientChangeSignal} over `listener`: a write of a client or of one of its secrets
 * names that client; a `null` of the listener (or a row without its client) means every client.
 */
export function clientChangesOf(listener: PostgresChangeListener): ClientChangeSignal {
  return {
    subscribe(onChange: (clientId: string | null) => void): void {
      listener.subscribe((change) => {
        if (change === null) onChange(null);
        else if (change.table === 'api_clients') onChange(change.id);
        else if (change.table === 'api_client_secrets') onChange(change.clientId);
      });
    },
  };
}
