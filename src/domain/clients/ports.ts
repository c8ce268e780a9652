/**
 * What the OAuth side of API clients needs from storage beyond MikroORM's unit of work (DESIGN.md §6): the hot
 * paths of the token endpoint run one purpose-made statement each. The domain declares these interfaces; `src/db`
 * implements them for its database (`src/db/client-credentials.ts`) and the composition root wires them in.
 */
import type { EntityManager } from '@mikro-orm/core';

/** One valid-or-not secret of a client that is not deleted, with the client's state. */
export interface ClientSecretRow {
  /** The client's status (`active`, `disabled`). */
  status: string;
  /** When the client was last used; null when never. */
  lastUsedAt: Date | null;
  /** SHA-256 hex of the secret; null when the client has no secret at all. */
  secretHash: string | null;
  /** End of the secret's grace period; null while it is current. */
  expiresAt: Date | null;
  /** The client's scopes, stored form (names separated by spaces). */
  scopes: string;
}

/** An access token row to insert. */
export interface NewAccessToken {
  /** Row id (a time-ordered UUID, see `timeOrderedUuid`). */
  id: string;
  clientId: string;
  /** The key the token is stored under (`accessTokenKey`), never the token. */
  tokenKey: string;
  createdAt: Date;
  expiresAt: Date;
  /** The scopes granted (stored form). */
  scopes: string;
  /** The client's scopes (stored form) the grant was judged against: the insert requires them unchanged. */
  clientScopes: string;
}

/** Per-request storage of {@link OAuthService}, in the caller's unit of work (`em`). */
export interface ClientCredentialStore {
  /**
   * The client (unless deleted) with each of its secrets, one row per secret (one row with `secretHash` null when
   * it has none); no row for an unknown or deleted client. One statement.
   */
  clientSecrets(em: EntityManager, clientId: string): Promise<ClientSecretRow[]>;
  /**
   * Inserts `token` only if its client is active and its scopes are still `token.clientScopes` at the instant of
   * the insert, in one statement (so a token can never outlive a disable, or a narrowing, that commits at the same
   * moment).
   * @returns whether the row was inserted
   */
  insertTokenIfActive(em: EntityManager, token: NewAccessToken): Promise<boolean>;
}

/** A token request that passed the secret check, ready for the verifying insert. */
export interface VerifiedTokenRequest {
  /** Row id (time-ordered UUID). */
  id: string;
  clientId: string;
  /** The key the token is stored under. */
  tokenKey: string;
  /** SHA-256 hex of the presented secret, checked again against the database by the insert. */
  secretHash: string;
  /** The scopes granted (stored form). */
  scopes: string;
  /** The client's scopes (stored form) the grant was judged against, checked again by the insert. */
  clientScopes: string;
}

/** A valid secret of a client, as the token batcher keeps it. */
export interface ValidSecret {
  clientId: string;
  /** SHA-256 hex of the secret. */
  secretHash: string;
  /** End of its grace period; null while it is current. */
  expiresAt: Date | null;
  /** Its client's scopes (stored form). */
  clientScopes: string;
}

/**
 * The token batcher's statements (`TokenBatcher`), on the ORM's connection (not a request's unit of work). Each
 * method is one statement; a failure rejects with the driver's error (its `code`, and a message without the
 * statement's parameters where the driver allows).
 */
export interface AccessTokenBatchStore {
  /** The valid secrets (not past their grace period at `now`) of `clientIds`. */
  validSecrets(clientIds: readonly string[], now: Date): Promise<ValidSecret[]>;
  /**
   * Inserts the tokens of `requests` whose secret is, at the instant of the insert, a valid secret of their client,
   * whose client is active and whose client's scopes are still the request's `clientScopes`, in one statement.
   * @returns the token keys inserted
   */
  insertVerified(
    requests: readonly VerifiedTokenRequest[],
    createdAt: Date,
    expiresAt: Date,
  ): Promise<Set<string>>;
  /** Sets "last used" of `clientIds` to `at`, for those whose stored value is missing or not after `notAfter`. */
  touchLastUsed(clientIds: readonly string[], at: Date, notAfter: Date): Promise<void>;
}

/**
 * Tells its listener that a client, or one of its secrets, was written by a committed transaction, in any instance
 * (PostgreSQL's notifications, `src/db/change-notifications.ts`): `clientId`, or null for "any client" (changes may
 * have been missed). The token batcher drops what it keeps of that client.
 */
export interface ClientChangeSignal {
  subscribe(onChange: (clientId: string | null) => void): void;
}
