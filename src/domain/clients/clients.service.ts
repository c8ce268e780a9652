import type { EntityManager } from '@mikro-orm/core';
import { lockAdmin, requireAdmin } from '../access.js';
import type { Actor, Clock } from '../actor.js';
import { recordAudit } from '../audit/audit.js';
import { InvalidInputError, NotFoundError } from '../errors.js';
import { truncateGraphemes } from '../graphemes.js';
import type { Page } from '../members/members.service.js';
import type { Organization } from '../organizations/organization.entity.js';
import { pageBounds } from '../paging.js';
import { displayName, parseInput } from '../validation.js';
import { AccessToken, ApiClient, ClientSecret, type ClientStatus } from './client.entity.js';
import { CLIENT_SECRET_PREFIX, generateCredential, hashCredential, isClientIdShape } from './credentials.js';
import { LeakGuard } from './leaks.js';
import {
  formatScopes,
  intersectScopes,
  parseScopeNames,
  parseStoredScopes,
  SCOPES,
  type Scope,
} from './scopes.js';
import { type ClientSettings, DEFAULT_CLIENT_SETTINGS } from './settings.js';

/** Longest client name, in characters (code points). */
export const MAX_CLIENT_NAME_LENGTH = 60;
/** Clients per page of `/org clients` (two blocks each: well within Slack's 50 blocks per message). */
export const CLIENTS_PAGE_SIZE = 15;

/** A client name (see {@link displayName}), at most 60 characters. */
export const ClientName = displayName({
  max: MAX_CLIENT_NAME_LENGTH,
  what: 'The name',
  empty: 'Give the client a name, such as "Nightly export".',
});

/** What `/org clients` shows of a client. No secret, no hash. */
export interface ClientSummary {
  id: string;
  name: string;
  status: Exclude<ClientStatus, 'deleted'>;
  createdAt: Date;
  createdBySlackUserId: string | null;
  lastUsedAt: Date | null;
  /** When the previous secret stops working, while a rotation's grace period runs; else null. */
  previousSecretValidUntil: Date | null;
  /** What its tokens may reach, in canonical order. */
  scopes: Scope[];
}

/** A client with its new secret, in plain text: to be delivered once to the requester and then forgotten. */
export interface IssuedSecret {
  client: ClientSummary;
  /** The secret (`abo_cs_…`). Never log it, store it or put it anywhere but the one ephemeral reply. */
  secret: string;
  /** Row id of the new secret, to undo the change when the secret could not be delivered. */
  secretId: string;
}

/**
 * OAuth API clients, as admins manage them from Slack (DESIGN.md §3, issue 4): create, list, enable, disable,
 * rotate, delete. Every change is audited in its own transaction; no secret reaches the audit log.
 */
export class ClientsService {
  constructor(
    private readonly em: EntityManager,
    private readonly clock: Clock,
    private readonly settings: ClientSettings = DEFAULT_CLIENT_SETTINGS,
  ) {}

  /**
   * One page of the organization's clients (deleted ones are not listed), newest first.
   * @param page 1-based; clamped into range
   * @throws NoOrganizationError / NotAMemberError / NotAuthorizedError (admins only)
   */
  async list(actor: Actor, page = 1, pageSize = CLIENTS_PAGE_SIZE): Promise<Page<ClientSummary>> {
    const { organization } = requireAdmin(actor, 'manage API clients');
    const where = { organization, status: { $ne: 'deleted' as const } };
    const total = await this.em.count(ApiClient, where);
    const { offset, ...bounds } = pageBounds(total, page, pageSize);
    const clients = await this.em.find(ApiClient, where, {
      orderBy: { createdAt: 'desc', id: 'asc' },
      limit: pageSize,
      offset,
    });
    const items = await Promise.all(clients.map((c) => this.summarize(this.em, c)));
    return { items, ...bounds };
  }

  /**
   * Creates a client and its first secret.
   * @param name raw input, validated here (field `name`); unique among the organization's clients
   * @param scopes scope names as chosen (validated here, field `scopes`; see `parseScopeNames`); every scope when
   *   left out (the Slack front ends always pass the admin's choice, by default the read scopes)
   * @returns the client and its secret in plain text (its only appearance)
   * @throws NotAuthorizedError for a Member; InvalidInputError (field `name`) for a bad or taken name, (field
   *   `scopes`) `scopes_unknown` naming each unknown scope, `scopes_empty` for none
   */
  async create(actor: Actor, name: string, scopes: readonly string[] = SCOPES): Promise<IssuedSecret> {
    const admin = requireAdmin(actor, 'create API clients');
    const valid = parseInput(ClientName, name, 'name');
    const chosen = parseScopeNames(scopes);
    const secret = generateCredential(CLIENT_SECRET_PREFIX);
    return this.em.transactional(async (em) => {
      await lockAdmin(em, actor, 'create API clients');
      await this.assertNameFree(em, admin.organization, valid);
      const now = this.clock.now();
      const client = new ApiClient({
        organization: admin.organization,
        name: valid,
        createdByMemberId: admin.member.id,
        createdBySlackUserId: actor.slackUserId,
        scopes: chosen,
        now,
      });
      const row = new ClientSecret(client, hashCredential(secret), now);
      em.persist([client, row]);
      recordAudit(em, {
        organization: admin.organization,
        actor,
        action: 'client.created',
        targetType: 'api_client',
        targetId: client.id,
        details: { name: valid, scopes: formatScopes(chosen) },
        at: now,
      });
      await em.flush();
      return { client: await this.summarize(em, client), secret, secretId: row.id };
    });
  }

  /**
   * Removes a client whose first secret could not be delivered (issue 4: "the client is not kept"). The row goes
   * entirely: its ID was never shown to anyone.
   * @throws NotFoundError when the client is unknown
   */
  async discardUndelivered(actor: Actor, clientId: string): Promise<void> {
    // Clean-up of this request's own change: it runs even if the caller was demoted meanwhile.
    const admin = requireAdmin(actor, 'create API clients');
    await this.em.transactional(async (em) => {
      const client = await this.load(em, admin.organization, clientId);
      em.remove(client);
      this.auditUndelivered(em, admin.organization, actor, client, 'client.discarded');
    });
  }

  /** Audits a change undone because the client's secret could not be delivered to its creator. */
  private auditUndelivered(
    em: EntityManager,
    organization: Organization,
    actor: Actor,
    client: ApiClient,
    action: 'client.discarded' | 'client.rotation_reverted',
  ): void {
    recordAudit(em, {
      organization,
      actor,
      action,
      targetType: 'api_client',
      targetId: client.id,
      details: { name: client.name, reason: 'secret_not_delivered' },
      at: this.clock.now(),
    });
  }

  /**
   * Enables a disabled client. Tokens issued before it was disabled stay dead (they were deleted by the disable).
   * @returns false when it was already enabled (nothing changed)
   * @throws NotFoundError / InvalidInputError for an unknown or malformed client ID
   */
  async enable(actor: Actor, clientId: string): Promise<{ client: ClientSummary; changed: boolean }> {
    return this.setStatus(actor, clientId, 'active');
  }

  /**
   * Disables a client: its access tokens are deleted in the same transaction, so they stop at once, and the token
   * endpoint refuses it until it is enabled again.
   * @throws as {@link enable}
   */
  async disable(actor: Actor, clientId: string): Promise<{ client: ClientSummary; changed: boolean }> {
    return this.setStatus(actor, clientId, 'disabled');
  }

  /**
   * Replaces a client's scopes. Its live tokens are cut to the new set at once: what a token reaches is its own
   * scopes AND its client's current ones, read on every API request (`OAuthService.authenticateBearer`), and a
   * removed scope is also taken from the live tokens' own scopes in the same transaction, so giving it back later
   * reaches only tokens issued after that. An audit
   * event `client.scopes_changed` records the before and after (details `scopesBefore`, `scopesAfter`: names
   * separated by spaces).
   * @param scopes scope names as chosen (see `parseScopeNames`)
   * @returns `changed` false when the client already had exactly these scopes (nothing recorded)
   * @throws NotAuthorizedError for a Member; InvalidInputError (field `scopes`) as {@link create}; as {@link enable}
   */
  async setScopes(
    actor: Actor,
    clientId: string,
    scopes: readonly string[],
  ): Promise<{ client: ClientSummary; changed: boolean; before: Scope[] }> {
    const admin = requireAdmin(actor, 'change the scopes of API clients');
    const chosen = parseScopeNames(scopes);
    return this.em.transactional(async (em) => {
      await lockAdmin(em, actor, 'change the scopes of API clients');
      const client = await this.load(em, admin.organization, clientId);
      const before = client.scopeList();
      const now = this.clock.now();
      if (!client.changeScopes(chosen, now)) {
        return { client: await this.summarize(em, client), changed: false, before };
      }
      // The live tokens lose what the client lost, for good: adding a scope back later reaches new tokens only.
      const live = await em.find(
        AccessToken,
        { client, expiresAt: { $gt: now } },
        { fields: ['id', 'scopes'], disableIdentityMap: true },
      );
      for (const granted of new Set(live.map((t) => t.scopes))) {
        const kept = formatScopes(intersectScopes(parseStoredScopes(granted), chosen));
        if (kept !== granted) {
          await em.nativeUpdate(
            AccessToken,
            { client, scopes: granted, expiresAt: { $gt: now } },
            { scopes: kept },
          );
        }
      }
      recordAudit(em, {
        organization: admin.organization,
        actor,
        action: 'client.scopes_changed',
        targetType: 'api_client',
        targetId: client.id,
        details: { name: client.name, scopesBefore: formatScopes(before), scopesAfter: client.scopes },
        at: now,
      });
      await em.flush();
      return { client: await this.summarize(em, client), changed: true, before };
    });
  }

  /**
   * Finds a live client of the organization, for the scopes modal.
   * @throws NotAuthorizedError for a Member; as {@link enable}
   */
  async get(actor: Actor, clientId: string): Promise<ClientSummary> {
    const admin = requireAdmin(actor, 'manage API clients');
    return this.summarize(this.em, await this.load(this.em, admin.organization, clientId));
  }

  /**
   * Issues a new secret. The previous current secret keeps working for the grace period (`secretGracePeriodMs`);
   * any older one is removed, so at most two secrets are valid at a time.
   * @returns the new secret in plain text (its only appearance), and when the previous one stops working
   * @throws as {@link enable}
   */
  async rotate(actor: Actor, clientId: string): Promise<IssuedSecret & { previousValidUntil: Date }> {
    const admin = requireAdmin(actor, 'rotate API client secrets');
    const secret = generateCredential(CLIENT_SECRET_PREFIX);
    return this.em.transactional(async (em) => {
      await lockAdmin(em, actor, 'rotate API client secrets');
      const client = await this.load(em, admin.organization, clientId);
      const now = this.clock.now();
      const previousValidUntil = new Date(now.getTime() + this.settings.secretGracePeriodMs);
      const secrets = await em.find(ClientSecret, { client });
      for (const s of secrets) {
        if (s.expiresAt === null) s.expiresAt = previousValidUntil;
        else em.remove(s);
      }
      const row = new ClientSecret(client, hashCredential(secret), now);
      em.persist(row);
      client.updatedAt = now;
      recordAudit(em, {
        organization: admin.organization,
        actor,
        action: 'client.secret_rotated',
        targetType: 'api_client',
        targetId: client.id,
        details: { name: client.name, previousValidUntil: previousValidUntil.toISOString() },
        at: now,
      });
      await em.flush();
      return { client: await this.summarize(em, client), secret, secretId: row.id, previousValidUntil };
    });
  }

  /**
   * Undoes a rotation whose new secret could not be delivered: the new secret is removed and the previous one is
   * current again (without expiry).
   * @throws as {@link enable}
   */
  async revertRotation(actor: Actor, clientId: string, secretId: string): Promise<void> {
    // Clean-up of this request's own change: it runs even if the caller was demoted meanwhile.
    const admin = requireAdmin(actor, 'rotate API client secrets');
    await this.em.transactional(async (em) => {
      const client = await this.load(em, admin.organization, clientId);
      const secrets = await em.find(ClientSecret, { client }, { orderBy: { createdAt: 'desc' } });
      const added = secrets.find((s) => s.id === secretId);
      if (!added) return;
      em.remove(added);
      const previous = secrets.find((s) => s.id !== secretId);
      if (previous) previous.expiresAt = null;
      this.auditUndelivered(em, admin.organization, actor, client, 'client.rotation_reverted');
    });
  }

  /**
   * Deletes a client for good: its secrets and tokens are deleted at once; the row stays, marked deleted, so its
   * client ID is never issued again and its audit trail still resolves.
   * @throws as {@link enable}
   */
  async delete(actor: Actor, clientId: string): Promise<{ id: string; name: string }> {
    const admin = requireAdmin(actor, 'delete API clients');
    return this.em.transactional(async (em) => {
      await lockAdmin(em, actor, 'delete API clients');
      const client = await this.load(em, admin.organization, clientId);
      const now = this.clock.now();
      await em.nativeDelete(AccessToken, { client });
      await em.nativeDelete(ClientSecret, { client });
      client.status = 'deleted';
      client.deletedAt = now;
      client.updatedAt = now;
      recordAudit(em, {
        organization: admin.organization,
        actor,
        action: 'client.deleted',
        targetType: 'api_client',
        targetId: client.id,
        details: { name: client.name },
        at: now,
      });
      return { id: client.id, name: client.name };
    });
  }

  /** The leaked-secret guard on this unit of work, acting as `LEAK_ACTION` says (see {@link LeakGuard}). */
  leakGuard(): LeakGuard {
    return new LeakGuard(this.em, this.clock, this.settings.leakAction ?? 'disable');
  }

  private async setStatus(
    actor: Actor,
    clientId: string,
    status: 'active' | 'disabled',
  ): Promise<{ client: ClientSummary; changed: boolean }> {
    const admin = requireAdmin(actor, status === 'active' ? 'enable API clients' : 'disable API clients');
    return this.em.transactional(async (em) => {
      await lockAdmin(em, actor, status === 'active' ? 'enable API clients' : 'disable API clients');
      const client = await this.load(em, admin.organization, clientId);
      if (client.status === status) return { client: await this.summarize(em, client), changed: false };
      const now = this.clock.now();
      if (status === 'disabled') await em.nativeDelete(AccessToken, { client });
      client.status = status;
      client.updatedAt = now;
      recordAudit(em, {
        organization: admin.organization,
        actor,
        action: status === 'active' ? 'client.enabled' : 'client.disabled',
        targetType: 'api_client',
        targetId: client.id,
        details: { name: client.name },
        at: now,
      });
      await em.flush();
      return { client: await this.summarize(em, client), changed: true };
    });
  }

  /**
   * Finds a live (not deleted) client of the organization.
   * @throws InvalidInputError (field `client_id`) for a malformed ID; NotFoundError when there is no such client
   */
  private async load(em: EntityManager, organization: Organization, clientId: string): Promise<ApiClient> {
    const id = clientId.trim();
    if (!isClientIdShape(id)) {
      throw new InvalidInputError(
        'client_id_malformed',
        { clientId: truncateGraphemes(id, 40) },
        'client_id',
      );
    }
    const client = await em.findOne(ApiClient, { id, organization, status: { $ne: 'deleted' } });
    if (!client) {
      throw new NotFoundError('client_not_found', { clientId: id, organizationName: organization.name });
    }
    return client;
  }

  private async assertNameFree(em: EntityManager, organization: Organization, name: string): Promise<void> {
    const clients = await em.find(
      ApiClient,
      { organization, status: { $ne: 'deleted' } },
      { fields: ['name'] },
    );
    const wanted = name.toLocaleLowerCase();
    if (clients.some((c) => c.name.toLocaleLowerCase() === wanted)) {
      throw new InvalidInputError('client_name_taken', { name }, 'name');
    }
  }

  private async summarize(em: EntityManager, client: ApiClient): Promise<ClientSummary> {
    const now = this.clock.now();
    const previous = await em.findOne(
      ClientSecret,
      { client, expiresAt: { $gt: now } },
      { orderBy: { expiresAt: 'desc' } },
    );
    return {
      id: client.id,
      name: client.name,
      status: client.status === 'disabled' ? 'disabled' : 'active',
      createdAt: client.createdAt,
      createdBySlackUserId: client.createdBySlackUserId,
      lastUsedAt: client.lastUsedAt,
      previousSecretValidUntil: previous?.expiresAt ?? null,
      scopes: client.scopeList(),
    };
  }
}
