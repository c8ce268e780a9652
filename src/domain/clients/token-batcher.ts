import type { Clock } from '../actor.js';
import type { DomainLogger } from '../logger.js';
import { accessTokenKey, generateAccessToken, hashesEqual } from './credentials.js';
import type { IssuedToken } from './oauth.service.js';
import type { AccessTokenBatchStore, ClientChangeSignal } from './ports.js';
import { formatScopes, parseStoredScopes, type Scope } from './scopes.js';
import { type ClientSettings, DEFAULT_CLIENT_SETTINGS, LAST_USED_WRITE_INTERVAL_MS } from './settings.js';
import { timeOrderedUuid } from './time-ordered-uuid.js';

export { timeOrderedUuid };

/** Most token requests in one statement: 5 bound values each, far below SQLite's 32,766 variables. */
export const MAX_TOKEN_BATCH = 256;

/** Most clients whose secrets' hashes are kept between groups (past it, all are dropped and read again). */
const MAX_CLIENTS_KEPT = 10_000;

/**
 * The statement of a group failed (database locked past its timeout, disk full …): no request of the group got a
 * token. The message keeps the database's reason but not the statement, which lists every request's hashes.
 */
export class TokenBatchError extends Error {
  constructor(
    readonly code: string | undefined,
    reason: string,
  ) {
    super(`issuing access tokens failed: ${reason}`);
    this.name = 'TokenBatchError';
  }
}

/** One queued token request. */
interface Pending {
  clientId: string;
  secretHash: string;
  /** The scopes asked for (RFC 6749 §3.3), canonical order; null: all of the client's. */
  requested: Scope[] | null;
  accessToken: string;
  /** The key the token is stored under (see `accessTokenKey`). */
  tokenKey: string;
  /** Set once the request passed the secret check: the granted scopes and the client's scopes they were judged by. */
  grant?: { scopes: string; clientScopes: string };
  resolve: (token: IssuedToken | null) => void;
  reject: (err: unknown) => void;
}

/**
 * Issues access tokens for client-credentials requests in groups ("group commit"): the requests that arrive while
 * the previous group's statement runs (or in the same event-loop turn) are served by ONE SQL statement in all.
 * First each presented secret's hash is compared in constant time (`crypto.timingSafeEqual`) with the hashes of its
 * client's valid secrets, kept from earlier groups; a request that matches none has its client's secrets read
 * again by client ID (public) before it is refused, so no statement's timing depends on a guess and a secret
 * created or rotated in meanwhile is found. Then the requests that passed are written by one statement, which
 * checks again against the database as it inserts —
 *
 * `INSERT INTO api_access_tokens … SELECT … FROM json_each(?) JOIN api_client_secrets (hash equal, not past its
 * grace period) JOIN api_clients (same client, status 'active', scopes as judged) RETURNING token_hash`.
 *
 * Scopes (RFC 6749 §3.3): a request names the scopes it wants, or none for all of its client's. It passes only if
 * they are among its client's kept scopes (else the client is read again, as for an unmatched secret); the insert
 * requires the client's scopes unchanged since, so a narrowing that commits first refuses the token.
 *
 * A token exists only if, at the instant of its insert, the secret was valid and the client active: a disable,
 * delete or rotation that commits before the statement refuses it, one that commits after deletes it (the
 * statements are serialised on SQLite's one connection and write lock). What is kept in memory only decides who is
 * worth inserting; it never grants a token. A request whose token key does not come back gets null (and its
 * client's kept secrets are dropped), and the caller finds out why (wrong secret, disabled client …) on the precise,
 * per-request path. Token keys start with the issue time (`accessTokenKey`), so the inserts append to the index.
 *
 * Also writes "last used" of the clients served (at most once a minute per client, {@link LAST_USED_WRITE_INTERVAL_MS}).
 */
export class TokenBatcher {
  private pending: Pending[] = [];
  private running = false;
  private scheduled = false;
  /** When this process last wrote "last used" of a client (epoch ms): only to skip needless writes. */
  private readonly touched = new Map<string, number>();
  /**
   * The valid secrets of recently served clients, by client ID: SHA-256 hashes (never a secret) and the end of
   * each one's grace period (epoch ms; null while current). Only a shortcut: the insert checks the database again.
   */
  private readonly secretsOf = new Map<string, { hash: string; expiresAt: number | null }[]>();
  /** The scopes (stored form) of the clients in {@link secretsOf}, as read with their secrets. */
  private readonly scopesOf = new Map<string, string>();

  constructor(
    private readonly deps: {
      /** The group's statements (src/db implements them). */
      store: AccessTokenBatchStore;
      clock: Clock;
      logger: DomainLogger;
      settings?: ClientSettings;
      maxBatch?: number;
      /**
       * Writes of clients and secrets by other instances (PostgreSQL): what is kept of such a client is dropped at
       * once ({@link forget}). Without it (one process) a kept hash of a revoked secret passes the comparison but
       * not the insert, which checks the database again.
       */
      changes?: ClientChangeSignal;
    },
  ) {
    deps.changes?.subscribe((clientId) => (clientId === null ? this.forgetAll() : this.forget(clientId)));
  }

  /**
   * Queues a token request of a client whose credentials are well-formed.
   * @param clientId the client ID as presented (shape already checked)
   * @param secretHash SHA-256 hex of the presented secret
   * @param requested the scopes asked for (RFC 6749 §3.3), known names in canonical order; null for all of the
   *   client's scopes
   * @returns the token with its granted scopes, or null when the client did not authenticate, asked for a scope it
   *   does not have, or is not active (or had its scopes changed) at the time of the insert: the caller finds out
   *   which on the precise path
   * @throws TokenBatchError when the group's statement failed (every request of that group gets it; none got a
   *   token)
   */
  issue(clientId: string, secretHash: string, requested: Scope[] | null = null): Promise<IssuedToken | null> {
    const accessToken = generateAccessToken(this.deps.clock.now().getTime());
    return new Promise((resolve, reject) => {
      this.pending.push({
        clientId,
        secretHash,
        requested,
        accessToken,
        tokenKey: accessTokenKey(accessToken),
        resolve,
        reject,
      });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.running || this.scheduled || this.pending.length === 0) return;
    this.scheduled = true;
    // After the current I/O phase: every request already read in it joins this group.
    setImmediate(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    if (this.running) return;
    const max = this.deps.maxBatch ?? MAX_TOKEN_BATCH;
    const batch = this.pending.length <= max ? this.pending : this.pending.slice(0, max);
    this.pending = this.pending.length <= max ? [] : this.pending.slice(max);
    if (batch.length === 0) return;
    this.running = true;
    try {
      const issued = await this.insert(batch);
      const served = new Set<string>();
      for (const p of batch) if (issued.has(p.tokenKey)) served.add(p.clientId);
      await this.touch(served);
      const expiresIn = Math.floor(
        (this.deps.settings ?? DEFAULT_CLIENT_SETTINGS).accessTokenLifetimeMs / 1000,
      );
      for (const p of batch) {
        p.resolve(
          issued.has(p.tokenKey) && p.grant
            ? { accessToken: p.accessToken, expiresIn, scopes: parseStoredScopes(p.grant.scopes) }
            : null,
        );
      }
    } catch (err) {
      const failure = toBatchError(err);
      for (const p of batch) p.reject(failure);
    } finally {
      this.running = false;
      this.schedule();
    }
  }

  /**
   * The requests whose presented secret matches a valid secret of their client, compared in constant time. The
   * hashes of each client's valid secrets are kept from one group to the next ({@link secretsOf}); a request that
   * matches none of them has its client's secrets read again (by client ID) before it is refused, so a secret
   * created or rotated in since is found. A kept secret revoked since passes here but not the insert, which checks
   * again: see {@link forget}.
   */
  private async authenticated(batch: Pending[], now: Date): Promise<Pending[]> {
    const passed: Pending[] = [];
    const unmatched: Pending[] = [];
    const nowMs = now.getTime();
    for (const p of batch) (this.matches(p, nowMs) ? passed : unmatched).push(p);
    if (unmatched.length === 0) return passed;
    const clientIds = [...new Set(unmatched.map((p) => p.clientId))];
    const rows = await this.deps.store.validSecrets(clientIds, now);
    if (this.secretsOf.size + clientIds.length > MAX_CLIENTS_KEPT) this.forgetAll();
    for (const id of clientIds) {
      this.secretsOf.set(id, []);
      this.scopesOf.delete(id);
    }
    for (const r of rows) {
      this.scopesOf.set(r.clientId, r.clientScopes);
      this.secretsOf.get(r.clientId)?.push({
        hash: r.secretHash,
        expiresAt: r.expiresAt === null ? null : r.expiresAt.getTime(),
      });
    }
    for (const p of unmatched) if (this.matches(p, nowMs)) passed.push(p);
    return passed;
  }

  /**
   * Whether `p`'s secret matches one of the kept valid secrets of its client and its requested scopes are all
   * among the client's kept scopes; if so, sets `p.grant`.
   */
  private matches(p: Pending, now: number): boolean {
    let match = false;
    // Every kept secret of the client is compared, matching or not, so the time does not say which matched.
    for (const stored of this.secretsOf.get(p.clientId) ?? []) {
      const valid = stored.expiresAt === null || stored.expiresAt > now;
      match = (hashesEqual(stored.hash, p.secretHash) && valid) || match;
    }
    const clientScopes = this.scopesOf.get(p.clientId);
    if (!match || clientScopes === undefined) return false;
    const held = new Set(parseStoredScopes(clientScopes));
    if (p.requested && !p.requested.every((s) => held.has(s))) return false;
    p.grant = { scopes: p.requested ? formatScopes(p.requested) : clientScopes, clientScopes };
    return true;
  }

  /**
   * Drops the kept hashes of a client's secrets: a client whose request
   * passed {@link matches} but was refused by the insert, or one written (disabled, rotated, deleted) elsewhere.
   * Its next request reads its secrets again.
   */
  forget(clientId: string): void {
    this.secretsOf.delete(clientId);
    this.scopesOf.delete(clientId);
  }

  /** Drops the kept hashes of every client (changes may have been missed). */
  forgetAll(): void {
    this.secretsOf.clear();
    this.scopesOf.clear();
  }

  /** Whether hashes of `clientId`'s secrets are kept now (tests). */
  keeps(clientId: string): boolean {
    return this.secretsOf.has(clientId);
  }

  /** Authenticates the group, then runs the verifying insert. @returns the token keys inserted */
  private async insert(group: Pending[]): Promise<Set<string>> {
    const now = this.deps.clock.now();
    const settings = this.deps.settings ?? DEFAULT_CLIENT_SETTINGS;
    const batch = await this.authenticated(group, now);
    if (batch.length === 0) return new Set();
    const issued = await this.deps.store.insertVerified(
      batch.map((p) => ({
        id: timeOrderedUuid(now.getTime()),
        clientId: p.clientId,
        tokenKey: p.tokenKey,
        secretHash: p.secretHash,
        scopes: p.grant?.scopes ?? '',
        clientScopes: p.grant?.clientScopes ?? '',
      })),
      now,
      new Date(now.getTime() + settings.accessTokenLifetimeMs),
    );
    for (const p of batch) if (!issued.has(p.tokenKey)) this.forget(p.clientId);
    return issued;
  }

  /** Writes "last used" of the clients served, unless this process wrote it less than a minute ago. */
  private async touch(clientIds: Set<string>): Promise<void> {
    const now = this.deps.clock.now().getTime();
    const due = [...clientIds].filter((id) => {
      const last = this.touched.get(id);
      return last === undefined || now - last >= LAST_USED_WRITE_INTERVAL_MS || now < last;
    });
    if (due.length === 0) return;
    for (const id of due) this.touched.set(id, now);
    if (this.touched.size > 10_000) this.touched.clear();
    try {
      await this.deps.store.touchLastUsed(due, new Date(now), new Date(now - LAST_USED_WRITE_INTERVAL_MS));
    } catch (err) {
      // "Last used" is informative: its failure must not fail tokens that are already issued.
      for (const id of due) this.touched.delete(id);
      this.deps.logger.warn({ err }, 'could not write last used of API clients');
    }
  }
}

function toBatchError(err: unknown): TokenBatchError {
  const code = typeof err === 'object' && err && 'code' in err ? String(err.code) : undefined;
  const message = err instanceof Error ? err.message : String(err);
  // node-sqlite3's message is "<code>: <reason>", without the statement; MikroORM's (the secrets' select) is
  // "<the SQL> - <the driver's reason>", and the SQL lists hashes: keep only the reason.
  const cut = message.lastIndexOf(' - ');
  const reason =
    cut >= 0 ? message.slice(cut + 3) : /^SQLITE_[A-Z_]+(: .*)?$/.test(message) ? message : undefined;
  return new TokenBatchError(code, reason ?? code ?? 'database error');
}
