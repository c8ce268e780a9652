import { randomUUID } from 'node:crypto';
import type { Orm } from '../../db/orm.js';
import type { Logger } from '../../logger.js';
import type { Clock } from '../actor.js';
import { ACCESS_TOKEN_PREFIX, generateCredential, hashCredential, hashesEqual } from './credentials.js';
import type { IssuedToken } from './oauth.service.js';
import { type ClientSettings, DEFAULT_CLIENT_SETTINGS, LAST_USED_WRITE_INTERVAL_MS } from './settings.js';

/** Most token requests in one statement: 5 bound values each, far below SQLite's 32,766 variables. */
export const MAX_TOKEN_BATCH = 256;

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
  accessToken: string;
  tokenHash: string;
  resolve: (token: IssuedToken | null) => void;
  reject: (err: unknown) => void;
}

/**
 * Issues access tokens for client-credentials requests in groups ("group commit"): the requests that arrive while
 * the previous group's statements run (or in the same event-loop turn) are served by TWO SQL statements in all.
 * First the valid secrets of the clients named are read by client ID (public), and each presented secret's hash is
 * compared with them in constant time (`crypto.timingSafeEqual`), so no statement's timing depends on a guess.
 * Then the requests that passed are written by ONE statement, which checks again as it inserts —
 *
 * `INSERT INTO api_access_tokens … SELECT … FROM (VALUES …) JOIN api_client_secrets (hash equal, not past its
 * grace period) JOIN api_clients (same client, status 'active') RETURNING token_hash`.
 *
 * A token exists only if, at the instant of its insert, the secret was valid and the client active: a disable,
 * delete or rotation that commits before the statement refuses it, one that commits after deletes it (the
 * statements are serialised on SQLite's one connection and write lock). Nothing is cached. A request whose token
 * hash does not come back gets null, and the caller finds out why (wrong secret, disabled client …) on the precise,
 * per-request path.
 *
 * Also writes "last used" of the clients served (at most once a minute per client, {@link LAST_USED_WRITE_INTERVAL_MS}).
 */
export class TokenBatcher {
  private pending: Pending[] = [];
  private running = false;
  private scheduled = false;
  /** When this process last wrote "last used" of a client (epoch ms): only to skip needless writes. */
  private readonly touched = new Map<string, number>();

  constructor(
    private readonly deps: {
      orm: Orm;
      clock: Clock;
      logger: Logger;
      settings?: ClientSettings;
      maxBatch?: number;
    },
  ) {}

  /**
   * Queues a token request of a client whose credentials are well-formed.
   * @param clientId the client ID as presented (shape already checked)
   * @param secretHash SHA-256 hex of the presented secret
   * @returns the token, or null when the client did not authenticate or is not active at the time of the insert
   * @throws TokenBatchError when the group's statement failed (every request of that group gets it; none got a
   *   token)
   */
  issue(clientId: string, secretHash: string): Promise<IssuedToken | null> {
    const accessToken = generateCredential(ACCESS_TOKEN_PREFIX);
    return new Promise((resolve, reject) => {
      this.pending.push({
        clientId,
        secretHash,
        accessToken,
        tokenHash: hashCredential(accessToken),
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
      for (const p of batch) if (issued.has(p.tokenHash)) served.add(p.clientId);
      await this.touch(served);
      const expiresIn = Math.floor(
        (this.deps.settings ?? DEFAULT_CLIENT_SETTINGS).accessTokenLifetimeMs / 1000,
      );
      for (const p of batch) {
        p.resolve(issued.has(p.tokenHash) ? { accessToken: p.accessToken, expiresIn } : null);
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
   * The requests whose presented secret matches a valid secret of their client, compared in constant time against
   * the secrets read by client ID.
   */
  private async authenticated(batch: Pending[], nowValue: unknown): Promise<Pending[]> {
    const clientIds = [...new Set(batch.map((p) => p.clientId))];
    const rows: { client_id: string; secret_hash: string }[] = await this.deps.orm.em
      .getConnection()
      .execute(
        `select client_id, secret_hash from api_client_secrets where client_id in (${clientIds.map(() => '?').join(', ')}) ` +
          'and (expires_at is null or expires_at > ?)',
        [...clientIds, nowValue],
        'all',
      );
    const secretsOf = new Map<string, string[]>();
    for (const r of rows) secretsOf.set(r.client_id, [...(secretsOf.get(r.client_id) ?? []), r.secret_hash]);
    return batch.filter((p) => {
      let match = false;
      // Every stored secret of the client is compared, matching or not, so the time does not say which matched.
      for (const stored of secretsOf.get(p.clientId) ?? [])
        match = hashesEqual(stored, p.secretHash) || match;
      return match;
    });
  }

  /** Authenticates the group, then runs the verifying insert. @returns the token hashes inserted */
  private async insert(group: Pending[]): Promise<Set<string>> {
    const em = this.deps.orm.em;
    const platform = em.getPlatform();
    const now = this.deps.clock.now();
    const settings = this.deps.settings ?? DEFAULT_CLIENT_SETTINGS;
    const nowValue = platform.processDateProperty(now);
    const expiresValue = platform.processDateProperty(
      new Date(now.getTime() + settings.accessTokenLifetimeMs),
    );
    const batch = await this.authenticated(group, nowValue);
    if (batch.length === 0) return new Set();
    const params: unknown[] = [];
    const rows: string[] = [];
    for (const p of batch) {
      rows.push('(?, ?, ?, ?)');
      params.push(timeOrderedUuid(), p.clientId, p.tokenHash, p.secretHash);
    }
    params.push(nowValue, expiresValue, nowValue);
    const sql =
      `with v (id, client_id, token_hash, secret_hash) as (values ${rows.join(', ')}) ` +
      'insert into api_access_tokens (id, client_id, token_hash, created_at, expires_at) ' +
      'select v.id, c.id, v.token_hash, ?, ? from v ' +
      'join api_client_secrets s on s.secret_hash = v.secret_hash and s.client_id = v.client_id ' +
      'and (s.expires_at is null or s.expires_at > ?) ' +
      "join api_clients c on c.id = s.client_id and c.status = 'active' " +
      'returning token_hash';
    const result: { token_hash: string }[] = await em.getConnection().execute(sql, params, 'all');
    return new Set(result.map((r) => r.token_hash));
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
    const platform = this.deps.orm.em.getPlatform();
    try {
      await this.deps.orm.em
        .getConnection()
        .execute(
          `update api_clients set last_used_at = ? where id in (${due.map(() => '?').join(', ')}) ` +
            'and (last_used_at is null or last_used_at <= ?)',
          [
            platform.processDateProperty(new Date(now)),
            ...due,
            platform.processDateProperty(new Date(now - LAST_USED_WRITE_INTERVAL_MS)),
          ],
          'run',
        );
    } catch (err) {
      // "Last used" is informative: its failure must not fail tokens that are already issued.
      for (const id of due) this.touched.delete(id);
      this.deps.logger.warn({ err }, 'could not write last used of API clients');
    }
  }
}

/**
 * A version 7 UUID (RFC 9562 §5.7: 48-bit Unix milliseconds, then random bits — here those of a `randomUUID()`).
 * Rows keyed by it are appended at the end of the primary-key index instead of at a random page, which cuts the
 * pages each batch of token rows dirties in SQLite's write-ahead log.
 */
export function timeOrderedUuid(ms = Date.now()): string {
  const random = randomUUID();
  const time = ms.toString(16).padStart(12, '0');
  // xxxxxxxx-xxxx-4xxx-… → tttttttt-tttt-7xxx-…: the variant bits (10) of the v4 UUID stay as they are.
  return `${time.slice(0, 8)}-${time.slice(8, 12)}-7${random.slice(15)}`;
}

function toBatchError(err: unknown): TokenBatchError {
  const code = typeof err === 'object' && err && 'code' in err ? String(err.code) : undefined;
  const message = err instanceof Error ? err.message : String(err);
  // MikroORM's message is "<the SQL> - <the driver's reason>".
  const cut = message.lastIndexOf(' - ');
  return new TokenBatchError(code, cut >= 0 ? message.slice(cut + 3) : (code ?? 'database error'));
}
