/**
 * The facts hygiene nudges are about (issue 15), found as of a given time. Each fact has a key that identifies it
 * (see {@link NudgeFact.factKey}): a fact that changes (a client used again, an invitation resent) is a new fact,
 * and one that holds still is the same fact, nudged once. The `*Fact` functions are pure: they take a record's
 * relevant fields and return the fact key when the fact holds, or null.
 */
import type { EntityManager } from '@mikro-orm/core';
import { ApiClient, ClientSecret } from '../clients/client.entity.js';
import { Invitation } from '../invitations/invitation.entity.js';
import type { NudgeKind } from './kinds.js';
import { Nudge } from './nudge.entity.js';

/** The thresholds of the nudges, in milliseconds (see `Config.nudges`). */
export interface NudgeThresholds {
  /** A rotated-out secret is nudged when its grace period ends within this (and has not ended). */
  graceEndingWithinMs: number;
  /** An active client last used longer ago than this is nudged. */
  clientUnusedAfterMs: number;
  /** An active client never used and created longer ago than this is nudged. */
  clientNeverUsedAfterMs: number;
  /** A pending invitation is nudged when it expires within this (and has not expired). */
  invitationExpiringWithinMs: number;
  /** An invitation request is nudged once it has waited for a decision longer than this. */
  requestWaitingAfterMs: number;
}

/** One fact that calls for a nudge. */
export interface NudgeFact {
  organizationId: string;
  kind: NudgeKind;
  /** A client secret id (`secret_grace_ending`), a client id (`client_unused`) or an invitation id. */
  subjectId: string;
  /**
   * Identifies the fact: the secret's `expiresAt`, the client's `lastUsedAt` or `never`, the invitation's
   * `expiresAt`, the request's `createdAt` (ISO 8601 times).
   */
  factKey: string;
}

/** The fact key `never` of a client that was never used. */
export const NEVER_USED = 'never';

/**
 * A rotated-out secret whose grace period ends within `graceEndingWithinMs` of `now` and has not ended (a secret
 * voided at once, `expiresAt` = the time it was voided, has ended). The client must not be deleted.
 * @returns the secret's `expiresAt` (ISO), or null
 */
export function secretGraceEndingFact(
  secret: { expiresAt: Date | null; clientStatus: string },
  now: Date,
  t: Pick<NudgeThresholds, 'graceEndingWithinMs'>,
): string | null {
  const end = secret.expiresAt;
  if (!end || secret.clientStatus === 'deleted') return null;
  const left = end.getTime() - now.getTime();
  return left > 0 && left <= t.graceEndingWithinMs ? end.toISOString() : null;
}

/**
 * An active client last used more than `clientUnusedAfterMs` before `now`, or never used and created more than
 * `clientNeverUsedAfterMs` before `now`.
 * @returns its `lastUsedAt` (ISO) or {@link NEVER_USED}, or null
 */
export function clientUnusedFact(
  client: { status: string; lastUsedAt: Date | null; createdAt: Date },
  now: Date,
  t: Pick<NudgeThresholds, 'clientUnusedAfterMs' | 'clientNeverUsedAfterMs'>,
): string | null {
  if (client.status !== 'active') return null;
  if (client.lastUsedAt) {
    return now.getTime() - client.lastUsedAt.getTime() > t.clientUnusedAfterMs
      ? client.lastUsedAt.toISOString()
      : null;
  }
  return now.getTime() - client.createdAt.getTime() > t.clientNeverUsedAfterMs ? NEVER_USED : null;
}

/**
 * A pending invitation (sent, not answered) that expires within `invitationExpiringWithinMs` of `now` and has not
 * expired.
 * @returns its `expiresAt` (ISO), or null
 */
export function invitationExpiringFact(
  inv: { status: string; expiresAt: Date | null },
  now: Date,
  t: Pick<NudgeThresholds, 'invitationExpiringWithinMs'>,
): string | null {
  if (inv.status !== 'pending' || !inv.expiresAt) return null;
  const left = inv.expiresAt.getTime() - now.getTime();
  return left > 0 && left <= t.invitationExpiringWithinMs ? inv.expiresAt.toISOString() : null;
}

/**
 * An invitation request (status `requested`) waiting for a decision more than `requestWaitingAfterMs` at `now`.
 * @returns its `createdAt` (ISO), or null
 */
export function requestWaitingFact(
  inv: { status: string; createdAt: Date },
  now: Date,
  t: Pick<NudgeThresholds, 'requestWaitingAfterMs'>,
): string | null {
  if (inv.status !== 'requested') return null;
  return now.getTime() - inv.createdAt.getTime() > t.requestWaitingAfterMs
    ? inv.createdAt.toISOString()
    : null;
}

/**
 * Every fact that holds at `now`, in every organization, less those already nudged (a row in `nudges` with the
 * same kind, subject and key). Reads only.
 */
export async function findNudgeFacts(em: EntityManager, now: Date, t: NudgeThresholds): Promise<NudgeFact[]> {
  const at = now.getTime();
  const facts: NudgeFact[] = [];
  const secrets = await em.find(
    ClientSecret,
    {
      expiresAt: { $gt: now, $lte: new Date(at + t.graceEndingWithinMs) },
      client: { status: { $ne: 'deleted' } },
    },
    { populate: ['client'], orderBy: { expiresAt: 'asc' } },
  );
  for (const s of secrets) {
    const key = secretGraceEndingFact({ expiresAt: s.expiresAt, clientStatus: s.client.status }, now, t);
    if (key) facts.push(fact(s.client.organization.id, 'secret_grace_ending', s.id, key));
  }
  const clients = await em.find(
    ApiClient,
    {
      status: 'active',
      $or: [
        { lastUsedAt: { $lt: new Date(at - t.clientUnusedAfterMs) } },
        { lastUsedAt: null, createdAt: { $lt: new Date(at - t.clientNeverUsedAfterMs) } },
      ],
    },
    { orderBy: { createdAt: 'asc' } },
  );
  for (const c of clients) {
    const key = clientUnusedFact(c, now, t);
    if (key) facts.push(fact(c.organization.id, 'client_unused', c.id, key));
  }
  const expiring = await em.find(
    Invitation,
    { status: 'pending', expiresAt: { $gt: now, $lte: new Date(at + t.invitationExpiringWithinMs) } },
    { orderBy: { expiresAt: 'asc' } },
  );
  for (const inv of expiring) {
    const key = invitationExpiringFact(inv, now, t);
    if (key) facts.push(fact(inv.organization.id, 'invitation_expiring', inv.id, key));
  }
  const waiting = await em.find(
    Invitation,
    { status: 'requested', createdAt: { $lt: new Date(at - t.requestWaitingAfterMs) } },
    { orderBy: { createdAt: 'asc' } },
  );
  for (const inv of waiting) {
    const key = requestWaitingFact(inv, now, t);
    if (key) facts.push(fact(inv.organization.id, 'request_waiting', inv.id, key));
  }
  return withoutNudged(em, facts);
}

function fact(organizationId: string, kind: NudgeKind, subjectId: string, factKey: string): NudgeFact {
  return { organizationId, kind, subjectId, factKey };
}

/** Rows of `nudges` read per query when leaving out what was nudged already. */
const LOOKUP_BATCH = 500;

/** `facts` less those with a row in `nudges` (same kind, subject and key). */
async function withoutNudged(em: EntityManager, facts: NudgeFact[]): Promise<NudgeFact[]> {
  const done = new Set<string>();
  for (let i = 0; i < facts.length; i += LOOKUP_BATCH) {
    const ids = facts.slice(i, i + LOOKUP_BATCH).map((f) => f.subjectId);
    const rows = await em.find(
      Nudge,
      { subjectId: { $in: ids } },
      { fields: ['kind', 'subjectId', 'factKey'] },
    );
    for (const r of rows) done.add(nudgeIdentity(r));
  }
  return facts.filter((f) => !done.has(nudgeIdentity(f)));
}

/** The identity of a nudge, as its unique index sees it. */
export function nudgeIdentity(n: { kind: string; subjectId: string; factKey: string }): string {
  return `${n.kind}\u0000${n.subjectId}\u0000${n.factKey}`;
}

/**
 * The key of the fact of `kind` about `subjectId` as the records stand now, leaving time aside (the delivery
 * checks that the fact it was queued for still holds: the same key): null when the subject is gone or no longer in
 * the state the kind is about (client deleted or disabled, invitation answered or revoked, request decided).
 */
export async function currentFactKey(
  em: EntityManager,
  kind: NudgeKind,
  subjectId: string,
): Promise<string | null> {
  switch (kind) {
    case 'secret_grace_ending': {
      const s = await em.findOne(ClientSecret, subjectId, { populate: ['client'], refresh: true });
      return s?.expiresAt && s.client.status !== 'deleted' ? s.expiresAt.toISOString() : null;
    }
    case 'client_unused': {
      const c = await em.findOne(ApiClient, subjectId, { refresh: true });
      if (c?.status !== 'active') return null;
      return c.lastUsedAt ? c.lastUsedAt.toISOString() : NEVER_USED;
    }
    case 'invitation_expiring': {
      const inv = await em.findOne(Invitation, subjectId, { refresh: true });
      return inv?.status === 'pending' && inv.expiresAt ? inv.expiresAt.toISOString() : null;
    }
    case 'request_waiting': {
      const inv = await em.findOne(Invitation, subjectId, { refresh: true });
      return inv?.status === 'requested' ? inv.createdAt.toISOString() : null;
    }
  }
}
