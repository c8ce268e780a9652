/**
 * The OAuth hot paths' statements for SQL databases: the domain's {@link ClientCredentialStore} and
 * {@link AccessTokenBatchStore} ports (src/domain/clients/ports.ts). The SQL text of the token endpoint lives here.
 */
import type { EntityManager } from '@mikro-orm/core';
import type {
  AccessTokenBatchStore,
  ClientCredentialStore,
  ClientSecretRow,
  NewAccessToken,
  ValidSecret,
  VerifiedTokenRequest,
} from '../domain/clients/ports.js';
import { kindOf, type Orm } from './orm.js';

/** A date column as the driver returns it (SQLite: epoch milliseconds, as a number or a string). */
type DateValue = number | string | Date;

/** Reads a date column. */
export function toDate(value: DateValue): Date {
  return value instanceof Date ? value : new Date(typeof value === 'string' ? Number(value) || value : value);
}

/**
 * {@link ClientCredentialStore} in one SQL statement per method, on the caller's unit of work; the same text on
 * SQLite and PostgreSQL but for the row lock PostgreSQL takes on the client (see {@link insertTokenIfActive}).
 */
export class SqlClientCredentialStore implements ClientCredentialStore {
  /** `select … from api_clients left join api_client_secrets … where c.id = ? and c.status <> 'deleted'`. */
  async clientSecrets(em: EntityManager, clientId: string): Promise<ClientSecretRow[]> {
    const rows: {
      status: string;
      last_used_at: DateValue | null;
      secret_hash: string | null;
      expires_at: DateValue | null;
      scopes: string;
    }[] = await em
      .getConnection()
      .execute(
        'select c.status, c.last_used_at, c.scopes, s.secret_hash, s.expires_at from api_clients c ' +
          "left join api_client_secrets s on s.client_id = c.id where c.id = ? and c.status <> 'deleted'",
        [clientId],
      );
    return rows.map((row) => ({
      status: row.status,
      lastUsedAt: row.last_used_at === null ? null : toDate(row.last_used_at),
      secretHash: row.secret_hash,
      expiresAt: row.expires_at === null ? null : toDate(row.expires_at),
      scopes: row.scopes,
    }));
  }

  /**
   * `insert into api_access_tokens … select … where exists (an active client whose scopes are unchanged)`, one
   * statement. On PostgreSQL the client's row is read `FOR SHARE`: a disable, delete or change of scopes (which
   * updates that row) either commits first and is seen, or waits for this insert — under READ COMMITTED the two
   * would otherwise pass each other. SQLite's one writer serialises them anyway.
   */
  async insertTokenIfActive(em: EntityManager, token: NewAccessToken): Promise<boolean> {
    const platform = em.getPlatform();
    const lock = kindOf(em) === 'postgresql' ? ' for share' : '';
    const result: { affectedRows?: number } = await em
      .getConnection()
      .execute(
        'insert into api_access_tokens (id, client_id, token_hash, created_at, expires_at, scopes) ' +
          'select ?, ?, ?, ?, ?, ? where exists ' +
          `(select 1 from api_clients where id = ? and status = 'active' and scopes = ?${lock})`,
        [
          token.id,
          token.clientId,
          token.tokenKey,
          platform.processDateProperty(token.createdAt),
          platform.processDateProperty(token.expiresAt),
          token.scopes,
          token.clientId,
          token.clientScopes,
        ],
        'run',
      );
    return Boolean(result.affectedRows);
  }
}

/**
 * The verifying insert of a group: its rows arrive as one JSON array of `[id, client ID, token key, secret hash,
 * granted scopes, client's scopes as judged]`, so the statement's text never changes.
 */
const INSERT_TOKENS =
  'with v (id, client_id, token_hash, secret_hash, scopes, client_scopes) as (' +
  'select value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5 from json_each(?)) ' +
  'insert into api_access_tokens (id, client_id, token_hash, created_at, expires_at, scopes) ' +
  'select v.id, c.id, v.token_hash, ?, ?, v.scopes from v ' +
  'join api_client_secrets s on s.secret_hash = v.secret_hash and s.client_id = v.client_id ' +
  'and (s.expires_at is null or s.expires_at > ?) ' +
  "join api_clients c on c.id = s.client_id and c.status = 'active' and c.scopes = v.client_scopes " +
  'returning token_hash';

/**
 * The verifying insert on PostgreSQL: the group as one `json` parameter, and the secret and client rows read
 * `FOR SHARE`, so a disable, delete or rotation running at the same moment on another instance either commits
 * first (and is seen: the row is re-checked after the lock) or waits for this statement and then sees its tokens.
 */
const INSERT_TOKENS_POSTGRES =
  'with v (id, client_id, token_hash, secret_hash, scopes, client_scopes) as (' +
  'select value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5 ' +
  'from json_array_elements(?::json)), ' +
  'ok as (select v.id, c.id as client_id, v.token_hash, v.scopes from v ' +
  'join api_client_secrets s on s.secret_hash = v.secret_hash and s.client_id = v.client_id ' +
  'and (s.expires_at is null or s.expires_at > ?) ' +
  "join api_clients c on c.id = s.client_id and c.status = 'active' and c.scopes = v.client_scopes " +
  'for share of s, c) ' +
  'insert into api_access_tokens (id, client_id, token_hash, created_at, expires_at, scopes) ' +
  'select ok.id, ok.client_id, ok.token_hash, ?, ?, ok.scopes from ok returning token_hash';

/** What this module uses of knex's client: its pool of node-sqlite3 connections. */
interface KnexPoolClient {
  acquireConnection(): Promise<SqliteConnection>;
  releaseConnection(connection: SqliteConnection): Promise<unknown>;
}

/** What this module uses of a node-sqlite3 `Database`. */
interface SqliteConnection {
  all(sql: string, params: unknown[], callback: (err: Error | null, rows: unknown[]) => void): void;
}

/**
 * The {@link AccessTokenBatchStore} for the database `orm` is open on.
 * @returns {@link SqliteAccessTokenBatchStore} or {@link PostgresAccessTokenBatchStore}
 */
export function accessTokenBatchStore(orm: Orm): AccessTokenBatchStore {
  return kindOf(orm) === 'postgresql'
    ? new PostgresAccessTokenBatchStore(orm)
    : new SqliteAccessTokenBatchStore(orm);
}

/**
 * What both {@link AccessTokenBatchStore}s share: the reads of valid secrets and the bounded `last_used_at` write,
 * the same SQL on SQLite and PostgreSQL (dates bound through the platform, read back with {@link toDate}). The
 * verifying insert is the database's own.
 */
export abstract class SqlAccessTokenBatchStore implements AccessTokenBatchStore {
  /** @param orm the open ORM (its global EntityManager's connection; no unit of work is used) */
  constructor(protected readonly orm: Orm) {}

  async validSecrets(clientIds: readonly string[], now: Date): Promise<ValidSecret[]> {
    if (clientIds.length === 0) return [];
    const em = this.orm.em;
    const rows: {
      client_id: string;
      secret_hash: string;
      expires_at: DateValue | null;
      scopes: string;
    }[] = await em
      .getConnection()
      .execute(
        'select s.client_id, s.secret_hash, s.expires_at, c.scopes from api_client_secrets s ' +
          `join api_clients c on c.id = s.client_id where s.client_id in (${placeholders(clientIds)}) ` +
          'and (s.expires_at is null or s.expires_at > ?)',
        [...clientIds, em.getPlatform().processDateProperty(now)],
        'all',
      );
    return rows.map((r) => ({
      clientId: r.client_id,
      secretHash: r.secret_hash,
      expiresAt: r.expires_at === null ? null : toDate(r.expires_at),
      clientScopes: r.scopes,
    }));
  }

  abstract insertVerified(
    requests: readonly VerifiedTokenRequest[],
    createdAt: Date,
    expiresAt: Date,
  ): Promise<Set<string>>;

  async touchLastUsed(clientIds: readonly string[], at: Date, notAfter: Date): Promise<void> {
    if (clientIds.length === 0) return;
    const platform = this.orm.em.getPlatform();
    await this.orm.em
      .getConnection()
      .execute(
        `update api_clients set last_used_at = ? where id in (${placeholders(clientIds)}) ` +
          'and (last_used_at is null or last_used_at <= ?)',
        [platform.processDateProperty(at), ...clientIds, platform.processDateProperty(notAfter)],
        'run',
      );
  }
}

/** `?, ?, …`: one placeholder per value. */
function placeholders(values: readonly unknown[]): string {
  return values.map(() => '?').join(', ');
}

/**
 * {@link AccessTokenBatchStore} on SQLite: the verifying insert is
 * `INSERT INTO api_access_tokens … SELECT … FROM json_each(?) JOIN api_client_secrets (hash equal, not past its
 * grace period) JOIN api_clients (same client, status 'active', scopes as judged) RETURNING token_hash`, run on a
 * pooled node-sqlite3 connection with bound parameters.
 */
export class SqliteAccessTokenBatchStore extends SqlAccessTokenBatchStore {
  async insertVerified(
    requests: readonly VerifiedTokenRequest[],
    createdAt: Date,
    expiresAt: Date,
  ): Promise<Set<string>> {
    if (requests.length === 0) return new Set();
    const platform = this.orm.em.getPlatform();
    const nowValue = platform.processDateProperty(createdAt);
    const rows = requests.map((r) => [r.id, r.clientId, r.tokenKey, r.secretHash, r.scopes, r.clientScopes]);
    const result = await this.all<{ token_hash: string }>(INSERT_TOKENS, [
      JSON.stringify(rows),
      nowValue,
      platform.processDateProperty(expiresAt),
      nowValue,
    ]);
    return new Set(result.map((r) => r.token_hash));
  }

  /**
   * Runs one statement with bound parameters on the pool's connection, past knex's query builder and MikroORM's
   * formatting (which would inline every parameter into a new SQL text for SQLite to parse again). The connection
   * is taken from knex's pool, so the statement waits its turn behind every other query of the app; MikroORM's
   * `onQuery` hook still sees it, as it sees every other statement.
   * @throws the driver's error (`code` SQLITE_…)
   */
  private async all<T>(sql: string, params: unknown[]): Promise<T[]> {
    const connection = this.orm.em.getConnection();
    this.orm.config.get('onQuery')(sql, params);
    const client: KnexPoolClient = connection.getKnex().client;
    const db = await client.acquireConnection();
    try {
      return await new Promise<T[]>((resolve, reject) => {
        db.all(sql, params, (err, rows) => (err ? reject(err) : resolve(rows as T[])));
      });
    } finally {
      await client.releaseConnection(db);
    }
  }
}

/**
 * {@link AccessTokenBatchStore} on PostgreSQL: the statements of {@link SqliteAccessTokenBatchStore} through
 * MikroORM's connection (knex binds the parameters; `pg` sends them apart from the text), the group as a `json`
 * parameter read by `json_array_elements`, and the rows the insert relies on locked `FOR SHARE`
 * ({@link INSERT_TOKENS_POSTGRES}).
 */
export class PostgresAccessTokenBatchStore extends SqlAccessTokenBatchStore {
  async insertVerified(
    requests: readonly VerifiedTokenRequest[],
    createdAt: Date,
    expiresAt: Date,
  ): Promise<Set<string>> {
    if (requests.length === 0) return new Set();
    const rows = requests.map((r) => [r.id, r.clientId, r.tokenKey, r.secretHash, r.scopes, r.clientScopes]);
    const result: { token_hash: string }[] = await this.orm.em
      .getConnection()
      .execute(INSERT_TOKENS_POSTGRES, [JSON.stringify(rows), createdAt, createdAt, expiresAt], 'all');
    return new Set(result.map((r) => r.token_hash));
  }
}
