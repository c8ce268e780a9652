/**
 * The leaked-secret guard's domain side: spotting our credentials in free text (by prefix and checksum, with no
 * database work) and neutralising the ones that exist — an access token is deleted (as RFC 7009 revocation does), a
 * client secret's client is disabled (its tokens deleted with it). Each neutralised credential is audited for the
 * organization that owns it, with no actor (the system acted) and never the secret itself.
 */
import type { EntityManager } from '@mikro-orm/core';
import type { Clock } from '../actor.js';
import { recordAudit } from '../audit/audit.js';
import type { AuditDetails } from '../audit/audit-event.entity.js';
import type { Organization } from '../organizations/organization.entity.js';
import { AccessToken, type ApiClient, ClientSecret } from './client.entity.js';
import {
  ACCESS_TOKEN_PREFIX,
  accessTokenKey,
  CLIENT_SECRET_PREFIX,
  hashCredential,
  isWellFormedAccessToken,
  isWellFormedCredential,
} from './credentials.js';

/** What kind of credential a candidate is. */
export type LeakKind = 'client_secret' | 'access_token';

/** A string of the text with our prefix and a correct checksum: maybe a live credential, not yet looked up. */
export interface LeakCandidate {
  kind: LeakKind;
  /** The credential as written in the text (kept in memory only for the lookup). */
  value: string;
}

/** Prefix-shaped words: `abo_cs_` / `abo_at_` and base62, not glued to a longer word on the left. */
const CANDIDATE = /(?<![0-9A-Za-z_])abo_(?:cs|at)_[0-9A-Za-z]{40,80}(?![0-9A-Za-z])/g;

/** At most this many candidates are looked up per text (a flood of well-formed lookalikes costs bounded work). */
export const MAX_LEAK_CANDIDATES = 20;

/**
 * The candidates in `text`: words with a credential prefix whose checksum is right, each once, at most
 * {@link MAX_LEAK_CANDIDATES}. Pure and cheap: text without `abo_` costs one `includes`.
 */
export function findLeakCandidates(text: string): LeakCandidate[] {
  if (!text.includes('abo_')) return [];
  const seen = new Set<string>();
  const out: LeakCandidate[] = [];
  for (const match of text.matchAll(CANDIDATE)) {
    const value = match[0];
    if (seen.has(value)) continue;
    seen.add(value);
    if (value.startsWith(CLIENT_SECRET_PREFIX) && isWellFormedCredential(value, CLIENT_SECRET_PREFIX)) {
      out.push({ kind: 'client_secret', value });
    } else if (value.startsWith(ACCESS_TOKEN_PREFIX) && isWellFormedAccessToken(value)) {
      out.push({ kind: 'access_token', value });
    }
    if (out.length >= MAX_LEAK_CANDIDATES) break;
  }
  return out;
}

/** Where a leak was seen (Slack ids; no text). */
export interface LeakPlace {
  /** The workspace the message was posted in. */
  slackTeamId: string;
  channelId: string;
  /** Who posted it. */
  slackUserId: string;
  /**
   * The name of the shared file the credential was in (a snippet, a text file), already made safe to show (see
   * `safeFileName`); absent when it was in the message's text.
   */
  fileName?: string;
}

/** Prefix-shaped words (whatever their checksum) in a name to be shown: replaced by this. */
const SHAPED = /abo_(?:cs|at)_[0-9A-Za-z]*/g;

/** Longest file name shown in a notice or the audit log, in characters. */
export const MAX_SHOWN_FILE_NAME = 80;

/**
 * A shared file's name as notices and the audit log may show it: anything credential-shaped in it replaced by
 * `[credential]` (a name is user text too), cut to {@link MAX_SHOWN_FILE_NAME} characters.
 */
export function safeFileName(name: string): string {
  const cleaned = name.replace(SHAPED, '[credential]').replace(/\s+/g, ' ').trim() || 'untitled';
  return cleaned.length > MAX_SHOWN_FILE_NAME ? `${cleaned.slice(0, MAX_SHOWN_FILE_NAME - 1)}…` : cleaned;
}

/**
 * Called inside the transaction that neutralised a credential, before it commits: what is written on `em` (the
 * admins' notices queued in the Slack delivery outbox) commits or rolls back with the neutralisation itself.
 */
export type LeakFollowUp = (
  em: EntityManager,
  leak: NeutralisedLeak,
  organization: Organization,
  place: LeakPlace,
) => Promise<void> | void;

/**
 * The audit details of a leak seen at `place` for the organization of `organizationSlackTeamId`. Posted in that
 * organization's own workspace: the channel, the poster and the file name. Posted in another workspace: only that
 * it was elsewhere (and the file name): the other workspace's channel and user ids mean nothing here and are that
 * workspace's business.
 */
function placeDetails(place: LeakPlace, organizationSlackTeamId: string): AuditDetails {
  const file: AuditDetails = place.fileName !== undefined ? { file: place.fileName } : {};
  if (place.slackTeamId !== organizationSlackTeamId) return { where: 'another Slack workspace', ...file };
  return { channel: place.channelId, poster: place.slackUserId, ...file };
}

/** One credential found live and neutralised. */
export interface NeutralisedLeak {
  kind: LeakKind;
  /** The organization that owns the credential. */
  organizationId: string;
  /** That organization's Slack workspace (to tell whether it is the poster's). */
  organizationSlackTeamId: string;
  clientId: string;
  clientName: string;
  /**
   * `disabled`: the client was disabled now; `already_disabled`: it was so before; `secret_voided` (`LEAK_ACTION=
   * rotate`): the client stays enabled, the secret void and its tokens revoked; `revoked`: the token deleted.
   */
  outcome: 'disabled' | 'already_disabled' | 'secret_voided' | 'revoked';
}

/**
 * Confirms candidates by hash and neutralises the live ones. Each credential is handled in its own transaction of
 * `em` (a fork), so one failure leaves the others done.
 */
export class LeakGuard {
  constructor(
    private readonly em: EntityManager,
    private readonly clock: Clock,
    /** `disable` the client of a leaked secret, or only void the secret and revoke the tokens (`rotate`). */
    private readonly action: 'disable' | 'rotate' = 'disable',
  ) {}

  /**
   * Looks each candidate up by its hash and neutralises it: an access token is deleted; a client secret (current,
   * or rotated out but still in its grace period) expires at once, and its client is disabled with its tokens
   * deleted. Unknown
   * candidates are ignored. Audits `token.leaked` / `client.secret_leaked` for the owning organization, actor none,
   * details: client name, outcome, and where (see `placeDetails`: channel, poster and file in the organization's
   * own workspace; only "another Slack workspace" and the file elsewhere).
   * @param followUp runs inside each neutralisation's transaction (the admins' notices are queued there)
   * @returns what was neutralised, in candidate order
   */
  async neutralise(
    candidates: readonly LeakCandidate[],
    place: LeakPlace,
    followUp?: LeakFollowUp,
  ): Promise<NeutralisedLeak[]> {
    const done: NeutralisedLeak[] = [];
    for (const candidate of candidates) {
      const result =
        candidate.kind === 'access_token'
          ? await this.revokeToken(candidate.value, place, followUp)
          : await this.disableClient(candidate.value, place, followUp);
      if (result) done.push(result);
    }
    return done;
  }

  private async revokeToken(
    token: string,
    place: LeakPlace,
    followUp?: LeakFollowUp,
  ): Promise<NeutralisedLeak | null> {
    // A plain read first: a token already revoked (a paste repeated, a redelivery) costs one statement, no
    // transaction. A hit is read again inside the transaction, which decides.
    if ((await this.em.count(AccessToken, { tokenHash: accessTokenKey(token) })) === 0) return null;
    return this.em.transactional(async (em) => {
      const row = await em.findOne(
        AccessToken,
        { tokenHash: accessTokenKey(token) },
        { populate: ['client', 'client.organization'] },
      );
      if (!row) return null;
      const { client } = row;
      const now = this.clock.now();
      await em.nativeDelete(AccessToken, { id: row.id });
      recordAudit(em, {
        organization: client.organization,
        actor: null,
        action: 'token.leaked',
        targetType: 'api_client',
        targetId: client.id,
        details: {
          name: client.name,
          ...placeDetails(place, client.organization.slackTeamId),
          outcome: 'revoked',
        },
        at: now,
      });
      const result = this.result('access_token', client, 'revoked');
      await followUp?.(em, result, client.organization, place);
      await em.flush();
      return result;
    });
  }

  private async disableClient(
    secret: string,
    place: LeakPlace,
    followUp?: LeakFollowUp,
  ): Promise<NeutralisedLeak | null> {
    const live = (now: Date) => ({
      secretHash: hashCredential(secret),
      client: { status: { $ne: 'deleted' as const } },
      $or: [{ expiresAt: null }, { expiresAt: { $gt: now } }],
    });
    // A plain read first: a secret already neutralised (its paste repeated, a redelivery) or unknown costs one
    // statement, no transaction. A hit is read again inside the transaction, which decides.
    if ((await this.em.count(ClientSecret, live(this.clock.now()))) === 0) return null;
    return this.em.transactional(async (em) => {
      const now = this.clock.now();
      const row = await em.findOne(ClientSecret, live(now), { populate: ['client', 'client.organization'] });
      if (!row) return null;
      const { client } = row;
      const outcome =
        client.status === 'disabled'
          ? 'already_disabled'
          : this.action === 'rotate'
            ? 'secret_voided'
            : 'disabled';
      // The leaked secret itself ends now: enabling the client again does not revive it, and a rotation (which
      // drops expired secrets) removes it.
      row.expiresAt = now;
      if (outcome !== 'already_disabled') {
        await em.nativeDelete(AccessToken, { client });
        if (outcome === 'disabled') client.status = 'disabled';
        client.updatedAt = now;
      }
      recordAudit(em, {
        organization: client.organization,
        actor: null,
        action: 'client.secret_leaked',
        targetType: 'api_client',
        targetId: client.id,
        details: { name: client.name, ...placeDetails(place, client.organization.slackTeamId), outcome },
        at: now,
      });
      const result = this.result('client_secret', client, outcome);
      await followUp?.(em, result, client.organization, place);
      await em.flush();
      return result;
    });
  }

  private result(kind: LeakKind, client: ApiClient, outcome: NeutralisedLeak['outcome']): NeutralisedLeak {
    return {
      kind,
      organizationId: client.organization.id,
      organizationSlackTeamId: client.organization.slackTeamId,
      clientId: client.id,
      clientName: client.name,
      outcome,
    };
  }
}
