import { randomUUID } from 'node:crypto';
import { EntitySchema } from '@mikro-orm/core';
import { BaseEntity, BaseEntitySchema } from '../base.entity.js';
import { belongsToOrganization, type Organization } from '../organizations/organization.entity.js';
import { newClientId } from './credentials.js';
import { ALL_SCOPES_TEXT, formatScopes, parseStoredScopes, type Scope } from './scopes.js';

/** Lifecycle of an API client. `deleted` is final; the row stays so its client ID is never issued again. */
export const CLIENT_STATUSES = ['active', 'disabled', 'deleted'] as const;
export type ClientStatus = (typeof CLIENT_STATUSES)[number];

/**
 * An OAuth API client of an organization (RFC 6749 §2: a confidential client). `id` is the public client ID.
 * Its secrets are {@link ClientSecret} rows; its tokens are {@link AccessToken} rows.
 */
export class ApiClient extends BaseEntity {
  organization: Organization;
  name: string;
  status: ClientStatus;
  /** The member who created it, and their Slack user id (kept as text: the member may leave). */
  createdByMemberId: string | null;
  createdBySlackUserId: string | null;
  /** Last token issued or API call made with it; written at most once a minute per client. */
  lastUsedAt: Date | null;
  deletedAt: Date | null;
  /** What its tokens may reach, in the stored form of `scopes.ts` (names separated by spaces, canonical order). */
  scopes: string;

  constructor(init: {
    organization: Organization;
    name: string;
    scopes: readonly Scope[];
    createdByMemberId: string | null;
    createdBySlackUserId: string | null;
    now: Date;
  }) {
    super();
    this.id = newClientId();
    this.organization = init.organization;
    this.name = init.name;
    this.status = 'active';
    this.createdByMemberId = init.createdByMemberId;
    this.createdBySlackUserId = init.createdBySlackUserId;
    this.lastUsedAt = null;
    this.deletedAt = null;
    this.scopes = formatScopes(init.scopes);
    this.createdAt = init.now;
    this.updatedAt = init.now;
  }

  /** Its scopes, in canonical order. */
  scopeList(): Scope[] {
    return parseStoredScopes(this.scopes);
  }

  /**
   * Replaces its scopes. @returns false when they were already these (nothing changed)
   */
  changeScopes(scopes: readonly Scope[], now: Date): boolean {
    const text = formatScopes(scopes);
    if (text === this.scopes) return false;
    this.scopes = text;
    this.updatedAt = now;
    return true;
  }
}

/**
 * A secret of a client, stored as its SHA-256 hash. `expiresAt` is null for the current secret; after a rotation
 * the previous one gets the end of its grace period. A client has at most two rows.
 */
export class ClientSecret {
  id: string;
  client: ApiClient;
  secretHash: string;
  createdAt: Date;
  expiresAt: Date | null;

  constructor(client: ApiClient, secretHash: string, now: Date) {
    this.id = randomUUID();
    this.client = client;
    this.secretHash = secretHash;
    this.createdAt = now;
    this.expiresAt = null;
  }
}

/**
 * An access token issued to a client (RFC 6749 §4.4.3), stored under its key: the issue time it carries, then its
 * SHA-256 (`accessTokenKey`; never the token itself).
 */
export class AccessToken {
  id: string;
  client: ApiClient;
  /** `accessTokenKey(token)` (column `token_hash`). */
  tokenHash: string;
  createdAt: Date;
  expiresAt: Date;
  /**
   * The scopes granted at issue (stored form, see `scopes.ts`). What the token reaches is these AND its client's
   * current scopes, read on each request: narrowing a client cuts its live tokens at once.
   */
  scopes: string;

  constructor(client: ApiClient, tokenHash: string, now: Date, expiresAt: Date, scopes: readonly Scope[]) {
    this.id = randomUUID();
    this.client = client;
    this.tokenHash = tokenHash;
    this.scopes = formatScopes(scopes);
    this.createdAt = now;
    this.expiresAt = expiresAt;
  }
}

export const ApiClientSchema = new EntitySchema<ApiClient, BaseEntity>({
  class: ApiClient,
  extends: BaseEntitySchema,
  tableName: 'api_clients',
  properties: {
    organization: belongsToOrganization,
    name: { type: 'text' },
    // Plain text: MikroORM 6.6's SQLite schema reader misreads check constraints of three or more enum values
    // (it keeps the first and the last), so an enum column would never compare equal to its migration.
    status: { type: 'text' },
    createdByMemberId: { type: 'text', fieldName: 'created_by_member_id', nullable: true },
    createdBySlackUserId: { type: 'text', fieldName: 'created_by_slack_user_id', nullable: true },
    lastUsedAt: { type: 'Date', fieldName: 'last_used_at', nullable: true },
    deletedAt: { type: 'Date', fieldName: 'deleted_at', nullable: true },
    // The default gives rows written before scopes existed every scope (issue 14: they keep full access).
    scopes: { type: 'text', default: ALL_SCOPES_TEXT },
  },
});

export const ClientSecretSchema = new EntitySchema<ClientSecret>({
  class: ClientSecret,
  tableName: 'api_client_secrets',
  properties: {
    id: { type: 'text', primary: true },
    client: {
      kind: 'm:1',
      entity: () => ApiClient,
      fieldName: 'client_id',
      deleteRule: 'cascade',
      index: true,
    },
    secretHash: { type: 'text', fieldName: 'secret_hash', unique: 'api_client_secrets_secret_hash_unique' },
    createdAt: { type: 'Date', fieldName: 'created_at' },
    expiresAt: { type: 'Date', fieldName: 'expires_at', nullable: true },
  },
});

export const AccessTokenSchema = new EntitySchema<AccessToken>({
  class: AccessToken,
  tableName: 'api_access_tokens',
  properties: {
    id: { type: 'text', primary: true },
    client: {
      kind: 'm:1',
      entity: () => ApiClient,
      fieldName: 'client_id',
      deleteRule: 'cascade',
      index: true,
    },
    tokenHash: { type: 'text', fieldName: 'token_hash', unique: 'api_access_tokens_token_hash_unique' },
    createdAt: { type: 'Date', fieldName: 'created_at' },
    expiresAt: { type: 'Date', fieldName: 'expires_at' },
    scopes: { type: 'text', default: ALL_SCOPES_TEXT },
  },
});
