/**
 * Per-Admin mutes of hygiene nudges (`/org nudges`, issue 15): each Admin can mute each kind of nudge for themself.
 *
 * Muting is a personal preference, not a change to the organization: it is NOT recorded in the audit log (nothing
 * another Admin sees or relies on changes), and it changes nothing for the other Admins.
 */
import type { EntityManager } from '@mikro-orm/core';
import { escapeMrkdwn } from '../../lib/slack-entities.js';
import { lockAdmin, requireAdmin } from '../access.js';
import type { Actor, Clock } from '../actor.js';
import { InvalidInputError } from '../errors.js';
import { truncateText } from '../graphemes.js';
import { NUDGE_KINDS, NUDGE_LABELS, type NudgeKind } from './kinds.js';
import { NudgeMute } from './nudge-mute.entity.js';

/** One kind of nudge as the caller has it: its label and whether they muted it. */
export interface NudgeSetting {
  kind: NudgeKind;
  label: string;
  muted: boolean;
}

/** The outcome of {@link setNudgeMuted}: whether anything changed, and every kind as the caller now has it. */
export interface NudgeMuteChange {
  kind: NudgeKind;
  muted: boolean;
  /** False when the kind already was in the asked state (nothing was written). */
  changed: boolean;
  settings: NudgeSetting[];
}

/** The admin operation named in the refusal a Member gets ("Only admins can manage nudges."). */
const OPERATION = 'manage nudges';

/**
 * The member ids of `organizationId` who muted nudges of `kind` (whatever their role now: the nudge job sends to
 * Admins only anyway, and a demoted Admin's mutes apply again if they are made an Admin again).
 * @param em any EntityManager (a fork, or the job's transaction)
 */
export async function mutedAdminMemberIds(
  em: EntityManager,
  organizationId: string,
  kind: NudgeKind,
): Promise<Set<string>> {
  const rows = await em.find(
    NudgeMute,
    { kind, member: { organization: organizationId } },
    { fields: ['member'], disableIdentityMap: true },
  );
  return new Set(rows.map((row) => row.member.id));
}

/**
 * Reads a kind of nudge as typed (`/org nudges mute <kind>`): one of {@link NUDGE_KINDS}, case-insensitive, with
 * `-` accepted for `_`.
 * @throws InvalidInputError (`invalid_value`, field `kind`) naming every valid kind, for anything else
 */
export function parseNudgeKind(text: string | undefined): NudgeKind {
  const valid = NUDGE_KINDS.map((k) => `\`${k}\``).join(', ');
  const typed = (text ?? '').trim();
  const normalised = typed.toLowerCase().replaceAll('-', '_');
  const kind = NUDGE_KINDS.find((k) => k === normalised);
  if (kind) return kind;
  const problem = typed
    ? `\`${escapeMrkdwn(truncateText(typed, 40)).replace(/`/g, "'")}\` is not a kind of nudge. The kinds are ${valid}. Nothing was changed.`
    : `Which kind of nudge? The kinds are ${valid}. Nothing was changed.`;
  throw new InvalidInputError('invalid_value', { problem }, 'kind');
}

/** Every kind with its label and whether `memberId` muted it, in {@link NUDGE_KINDS} order. */
async function settingsOf(em: EntityManager, memberId: string): Promise<NudgeSetting[]> {
  const rows = await em.find(NudgeMute, { member: memberId }, { disableIdentityMap: true });
  const muted = new Set(rows.map((row) => row.kind));
  return NUDGE_KINDS.map((kind) => ({ kind, label: NUDGE_LABELS[kind], muted: muted.has(kind) }));
}

/**
 * The caller's nudge settings: every kind, on or muted for them.
 * @param em the request's EntityManager (a fork)
 * @throws as `requireAdmin` (NotAuthorizedError `admin_only` for a Member, NotAMemberError, …)
 */
export async function nudgeSettings(em: EntityManager, actor: Actor): Promise<NudgeSetting[]> {
  const { member } = requireAdmin(actor, OPERATION);
  return settingsOf(em, member.id);
}

/**
 * Mutes (`muted: true`) or unmutes one kind of nudge for the caller alone. The caller's role is checked again in
 * the write's transaction (`lockAdmin`), so an Admin demoted meanwhile is refused and nothing is written. Not
 * audited: a personal preference (see the module's comment). Asking for the state a kind already has changes
 * nothing (`changed: false`), so a second click of the same button is harmless.
 * @param em the request's EntityManager (a fork; the transaction is opened here)
 * @throws as `lockAdmin`: NotAuthorizedError `admin_only` for a Member (also one demoted meanwhile), NotAMemberError
 *   for someone removed meanwhile
 */
export async function setNudgeMuted(
  em: EntityManager,
  clock: Clock,
  actor: Actor,
  kind: NudgeKind,
  muted: boolean,
): Promise<NudgeMuteChange> {
  requireAdmin(actor, OPERATION);
  return em.transactional(async (tx) => {
    const { member } = await lockAdmin(tx, actor, OPERATION);
    const existing = await tx.findOne(NudgeMute, { member: member.id, kind });
    let changed = false;
    if (muted && !existing) {
      tx.persist(new NudgeMute({ member, kind, now: clock.now() }));
      changed = true;
    } else if (!muted && existing) {
      tx.remove(existing);
      changed = true;
    }
    await tx.flush();
    return { kind, muted, changed, settings: await settingsOf(tx, member.id) };
  });
}
