import type { EntityManager } from '@mikro-orm/core';
import type { Clock } from '../actor.js';
import type { Organization } from '../organizations/organization.entity.js';
import { AccessToken, ApiClient } from './client.entity.js';
import {
  accessTokenKey,
  CLIENT_SECRET_PREFIX,
  generateAccessToken,
  hashCredential,
  hashesEqual,
  isClientIdShape,
  isWellFormedAccessToken,
  isWellFormedCredential,
  keysEqual,
} from './credentials.js';
import type { ClientCredentialStore } from './ports.js';
import { intersectScopes, parseStoredScopes, type Scope } from './scopes.js';
import { type ClientSettings, DEFAULT_CLIENT_SETTINGS, LAST_USED_WRITE_INTERVAL_MS } from './settings.js';
import { timeOrderedUuid } from './time-ordered-uuid.js';

/** The outcome of client authentication (RFC 6749 §2.3.1). */
export type ClientAuthentication =
  | {
      kind: 'authenticated';
      clientId: string;
      /** The client's scopes as read (stored form: names separated by spaces). */
      scopes: string;
    }
  /** Right secret, but the client is disabled: the token endpoint answers `unauthorized_client`. */
  | { kind: 'disabled'; clientId: string }
  /** Unknown or deleted client, malformed or wrong secret, or a secret past its grace period. */
  | { kind: 'failed' };

/** An issued access token (RFC 6749 §4.4.3, §5.1). */
export interface IssuedToken {
  /** The token in plain text (`abo_at_…`): sent once in the token response, stored only hashed. */
  accessToken: string;
  /** Lifetime in seconds. */
  expiresIn: number;
  /** The scopes granted, in canonical order (the token response's `scope`, RFC 6749 §3.3). */
  scopes: Scope[];
}

/** The caller of the API, resolved from a bearer token. */
export interface ApiCaller {
  clientId: string;
  organization: Organization;
  /** What this request may reach: the token's scopes that its client still has, in canonical order. */
  scopes: Scope[];
}

/**
 * The integration side of API clients: client authentication, token issuance and revocation (RFC 6749 §4.4,
 * RFC 7009) and bearer token checks (RFC 6750). The hot paths use one statement each, through the
 * {@link ClientCredentialStore} port.
 */
export class OAuthService {
  /**
   * @param em the unit of work (a fork)
   * @param store the purpose-made statements of the hot paths (src/db implements them)
   */
  constructor(
    private readonly em: EntityManager,
    private readonly clock: Clock,
    private readonly store: ClientCredentialStore,
    private readonly settings: ClientSettings = DEFAULT_CLIENT_SETTINGS,
  ) {}

  /**
   * Authenticates a client by its ID and secret. A malformed ID, or a secret without the `abo_cs_` prefix and a
   * correct checksum, fails without touching the database. Secrets are compared by hash in constant time
   * (`crypto.timingSafeEqual`); a rotated-out secret counts until the end of its grace period.
   */
  async authenticate(clientId: string, secret: string): Promise<ClientAuthentication> {
    if (!isClientIdShape(clientId) || !isWellFormedCredential(secret, CLIENT_SECRET_PREFIX)) {
      return { kind: 'failed' };
    }
    const rows = await this.store.clientSecrets(this.em, clientId);
    const now = this.clock.now().getTime();
    const hash = hashCredential(secret);
    let match = false;
    for (const row of rows) {
      if (!row.secretHash) continue;
      const valid = row.expiresAt === null || row.expiresAt.getTime() > now;
      // Compare every row, valid or not, so the time taken does not tell which one matched.
      if (hashesEqual(row.secretHash, hash) && valid) match = true;
    }
    if (!match) return { kind: 'failed' };
    if (rows[0]?.status !== 'active') return { kind: 'disabled', clientId };
    await this.touch(clientId, rows[0].lastUsedAt);
    return { kind: 'authenticated', clientId, scopes: rows[0].scopes };
  }

  /**
   * Issues an access token to an authenticated client. The insert is conditional on the client being active and
   * its scopes unchanged, in one statement, so a token can never outlive a disable (or exceed a narrowing) that
   * commits at the same moment.
   * @param granted the scopes the token gets, a subset of the client's (the caller checked it)
   * @param clientScopes the client's scopes as {@link authenticate} read them (stored form)
   * @returns null when the client was disabled, deleted or had its scopes changed in the meantime
   */
  async issueToken(
    clientId: string,
    granted: readonly Scope[],
    clientScopes: string,
  ): Promise<IssuedToken | null> {
    const now = this.clock.now();
    const accessToken = generateAccessToken(now.getTime());
    const expiresAt = new Date(now.getTime() + this.settings.accessTokenLifetimeMs);
    const inserted = await this.store.insertTokenIfActive(this.em, {
      id: timeOrderedUuid(now.getTime()),
      clientId,
      tokenKey: accessTokenKey(accessToken),
      createdAt: now,
      expiresAt,
      scopes: granted.join(' '),
      clientScopes,
    });
    if (!inserted) return null;
    return {
      accessToken,
      expiresIn: Math.floor(this.settings.accessTokenLifetimeMs / 1000),
      scopes: [...granted],
    };
  }

  /**
   * Revokes an access token (RFC 7009 §2.1). Tokens that are unknown, expired, or malformed are ignored: the
   * answer is the same, so revocation reveals nothing about them.
   * @returns 'revoked', 'unknown', or 'other_client' when the token belongs to another client (refused)
   */
  async revoke(clientId: string, token: string): Promise<'revoked' | 'unknown' | 'other_client'> {
    if (!isWellFormedAccessToken(token)) return 'unknown';
    const row = await this.em.findOne(AccessToken, { tokenHash: accessTokenKey(token) });
    if (!row) return 'unknown';
    if (row.client.id !== clientId) return 'other_client';
    await this.em.nativeDelete(AccessToken, { id: row.id });
    return 'revoked';
  }

  /**
   * Resolves a bearer token (RFC 6750) to its client, organization and scopes. Checked on every request, with no
   * cache: the token must exist (disable, delete and revocation delete it), be unexpired, and its client be active;
   * its scopes are its own AND its client's current ones (a narrowed client cuts its live tokens at once).
   * Updates the client's "last used" (at most once a minute).
   * @returns null for any token that does not grant access
   */
  async authenticateBearer(token: string): Promise<ApiCaller | null> {
    if (!isWellFormedAccessToken(token)) return null;
    const key = accessTokenKey(token);
    const row = await this.em.findOne(
      AccessToken,
      { tokenHash: key },
      { populate: ['client', 'client.organization'] },
    );
    if (!row || !keysEqual(row.tokenHash, key)) return null;
    if (row.expiresAt.getTime() <= this.clock.now().getTime()) return null;
    const client = row.client;
    if (client.status !== 'active') return null;
    await this.touch(client.id, client.lastUsedAt);
    return {
      clientId: client.id,
      organization: client.organization,
      scopes: intersectScopes(parseStoredScopes(row.scopes), client.scopeList()),
    };
  }

  /** Deletes expired access tokens. @returns how many were deleted */
  async purgeExpiredTokens(): Promise<number> {
    return this.em.nativeDelete(AccessToken, { expiresAt: { $lte: this.clock.now() } });
  }

  /** Writes "last used" when the stored value is missing or older than a minute. */
  private async touch(clientId: string, lastUsed: Date | null): Promise<void> {
    const now = this.clock.now();
    if (lastUsed !== null && now.getTime() - lastUsed.getTime() < LAST_USED_WRITE_INTERVAL_MS) return;
    await this.em.nativeUpdate(ApiClient, { id: clientId }, { lastUsedAt: now });
  }
}
