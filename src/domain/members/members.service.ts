import type { EntityManager } from '@mikro-orm/sqlite';
import { lockAdmin, lockMember, requireAdmin, requireMember } from '../access.js';
import type { Actor, Clock } from '../actor.js';
import { recordAudit } from '../audit/audit.js';
import { normalizeEmail } from '../email.js';
import { InvalidInputError, LastAdminError, MemberNotFoundError, quote } from '../errors.js';
import { Organization } from '../organizations/organization.entity.js';
import { Member, ROLES, type Role } from './member.entity.js';

/** A page of a list; `page` counts from 1. */
export interface Page<T> {
  items: T[];
  page: number;
  pageCount: number;
  total: number;
  pageSize: number;
}

/**
 * Members shown per page of `/org members`. An Admin's page spends two blocks per row (a section with the role
 * select, an actions block with Remove) plus a header and a pager: 20 × 2 + 2 = 42 of Slack's 50 message blocks.
 */
export const MEMBERS_PAGE_SIZE = 20;

/** The order of the members list: Admins first (`admin` sorts before `member`), then by email (unique per team). */
export const MEMBERS_ORDER = { role: 'asc', email: 'asc' } as const;

/**
 * Where page `page` of a list of `total` items lies: the page clamped into range (a page past the last is the
 * last; anything not a positive number is the first), the page count (at least 1) and the offset of its first item.
 */
export function pageBounds(
  total: number,
  page: number,
  pageSize: number,
): Omit<Page<never>, 'items'> & { offset: number } {
  const pageCount = Math.max(1, Math.ceil(total / pageSize));
  const current = Math.min(Math.max(1, Math.trunc(page) || 1), pageCount);
  return { page: current, pageCount, total, pageSize, offset: (current - 1) * pageSize };
}

/**
 * Names a member: by Slack user (a mention; `display` is how to name them in messages, e.g. `<@U123>`), by email
 * (compared lower-cased), or by member id (from a button or select built by us).
 */
export type MemberReference =
  | { slackUserId: string; display?: string }
  | { email: string }
  | { memberId: string };

/** A member as the front ends show it (a snapshot; no live entity leaves a transaction). */
export interface MemberSummary {
  id: string;
  email: string;
  slackUserId: string | null;
  role: Role;
}

/** The outcome of a role change; `changed` is false when the member already had the role (nothing recorded). */
export interface RoleChange {
  member: MemberSummary;
  previous: Role;
  role: Role;
  changed: boolean;
}

/** The outcome of a removal or a leave: who is gone, from which organization. */
export interface Departure {
  member: MemberSummary;
  organizationName: string;
}

function summary(m: Member): MemberSummary {
  return { id: m.id, email: m.email, slackUserId: m.slackUserId, role: m.role };
}

/** How a message names a member: their mention when linked, else their email. */
function nameOf(m: Pick<Member, 'email' | 'slackUserId'>): string {
  return m.slackUserId ? `<@${m.slackUserId}>` : m.email;
}

/**
 * The team: listing, linking Slack users to members, role changes, removal and leaving. Every change re-reads the
 * caller and the target inside its transaction (through the transaction's EntityManager, `refresh: true`) and checks
 * the last-Admin rule there, against a count read in the same transaction, so concurrent requests cannot take the
 * last Admin. On SQLite the pool's one connection serialises these transactions (src/db/orm.ts).
 */
export class MembersService {
  constructor(
    private readonly em: EntityManager,
    private readonly clock: Clock,
  ) {}

  /**
   * Finds who is asking: the organization bound to the workspace and the caller's membership. A Slack user not yet
   * linked is matched by the email of their Slack profile, on first use, and linked (recorded as `member.linked`).
   * @param lookupEmail fetches the caller's Slack profile email (called only when needed)
   */
  async resolveActor(
    slackTeamId: string,
    slackUserId: string,
    lookupEmail: () => Promise<string | null>,
  ): Promise<Actor> {
    // The usual case, a linked member, in one joined query; the organization alone only for everyone else.
    let member = await this.em.findOne(
      Member,
      { slackUserId, organization: { slackTeamId } },
      { populate: ['organization'], strategy: 'joined' },
    );
    if (member) return { slackTeamId, slackUserId, organization: member.organization, member };
    const organization = await this.em.findOne(Organization, { slackTeamId });
    if (!organization) return { slackTeamId, slackUserId, organization: null, member: null };
    const found = await lookupEmail();
    const email = found ? normalizeEmail(found) : undefined;
    if (email) member = await this.linkOnFirstUse(organization, slackUserId, email);
    return { slackTeamId, slackUserId, organization, member };
  }

  /** Links the unlinked member with `email` to `slackUserId`, once, even when two payloads race. */
  private async linkOnFirstUse(
    organization: Organization,
    slackUserId: string,
    email: string,
  ): Promise<Member | null> {
    return this.em.transactional(async (em) => {
      const linked = await em.findOne(Member, { organization, slackUserId }, { refresh: true });
      if (linked) return linked;
      const unlinked = await em.findOne(
        Member,
        { organization, email, slackUserId: null },
        { refresh: true },
      );
      if (!unlinked) return null;
      const now = this.clock.now();
      unlinked.linkSlackUser(slackUserId, now);
      recordAudit(em, {
        organization,
        actor: { member: unlinked, slackUserId },
        action: 'member.linked',
        targetType: 'member',
        targetId: unlinked.id,
        details: { email: unlinked.email, slackUserId },
        at: now,
      });
      return unlinked;
    });
  }

  /**
   * One page of the team, admins first, then by email.
   * @param page 1-based; clamped into range
   * @throws NoOrganizationError / NotAMemberError
   */
  async list(actor: Actor, page = 1, pageSize = MEMBERS_PAGE_SIZE): Promise<Page<Member>> {
    const { organization } = requireMember(actor);
    const { offset, ...bounds } = pageBounds(await this.em.count(Member, { organization }), page, pageSize);
    const items = await this.em.find(
      Member,
      { organization },
      { orderBy: MEMBERS_ORDER, limit: pageSize, offset },
    );
    return { ...bounds, items };
  }

  /**
   * Finds a member of the caller's team (for an Admin's confirm step).
   * @param lookupEmail for a Slack user not linked yet: their profile email, matched against unlinked members
   * @throws NotAuthorizedError for a Member; MemberNotFoundError when no one on the team matches
   */
  async find(
    actor: Actor,
    ref: MemberReference,
    lookupEmail?: () => Promise<string | null>,
  ): Promise<MemberSummary> {
    const admin = requireAdmin(actor, 'manage the team');
    return summary(await this.findIn(this.em, admin.organization, ref, lookupEmail));
  }

  /**
   * Gives a member the role `role` (`/org role`, the role select).
   * @param role raw input: `admin` or `member`
   * @returns the change; `changed: false` when they already had the role (nothing written, nothing recorded)
   * @throws NotAuthorizedError unless the caller is an Admin at the moment of the write; InvalidInputError (field
   *   `role`) for another role; MemberNotFoundError; LastAdminError when it would demote the last Admin
   */
  async changeRole(
    actor: Actor,
    ref: MemberReference,
    role: string,
    lookupEmail?: () => Promise<string | null>,
  ): Promise<RoleChange> {
    const admin = requireAdmin(actor, 'change roles');
    const wanted = parseRole(role);
    const { organization } = admin;
    const targetId = (await this.findIn(this.em, organization, ref, lookupEmail)).id;
    return this.em.transactional(async (em) => {
      await lockAdmin(em, actor, 'change roles');
      const target = await this.findIn(em, organization, { memberId: targetId });
      const previous = target.role;
      if (previous === wanted) return { member: summary(target), previous, role: wanted, changed: false };
      const now = this.clock.now();
      if (wanted === 'member') {
        await this.assertNotLastAdmin(
          em,
          organization,
          `${nameOf(target)} is the last Admin of ${quote(organization.name)}: make someone else an Admin first. Nothing was changed.`,
        );
        target.demoteToMember(now);
      } else {
        target.promoteToAdmin(now);
      }
      recordAudit(em, {
        organization,
        actor,
        action: 'member.role_changed',
        targetType: 'member',
        targetId: target.id,
        details: { email: target.email, slackUserId: target.slackUserId, from: previous, to: wanted },
        at: now,
      });
      return { member: summary(target), previous, role: wanted, changed: true };
    });
  }

  /**
   * Removes a member from the team (`/org remove` after its confirm step, the Remove button). The caller cannot
   * remove themself this way: leaving is {@link leave}.
   * @throws NotAuthorizedError unless the caller is an Admin at the moment of the write; MemberNotFoundError (also
   *   when already removed: a second click changes nothing); InvalidInputError (field `member`) for the caller
   *   themself; LastAdminError when it would take the last Admin
   */
  async remove(
    actor: Actor,
    ref: MemberReference,
    lookupEmail?: () => Promise<string | null>,
  ): Promise<Departure> {
    const admin = requireAdmin(actor, 'remove members');
    const { organization } = admin;
    const targetId = (await this.findIn(this.em, organization, ref, lookupEmail)).id;
    return this.em.transactional(async (em) => {
      const { member: me } = await lockAdmin(em, actor, 'remove members');
      const target = await this.findIn(em, organization, { memberId: targetId });
      if (target.id === me.id) {
        throw new InvalidInputError('To leave the organization yourself, use `/org leave`.', 'member');
      }
      if (target.isAdmin) {
        await this.assertNotLastAdmin(
          em,
          organization,
          `${nameOf(target)} is the last Admin of ${quote(organization.name)} and cannot be removed. Nothing was changed.`,
        );
      }
      const gone = summary(target);
      em.remove(target);
      recordAudit(em, {
        organization,
        actor,
        action: 'member.removed',
        targetType: 'member',
        targetId: gone.id,
        details: { email: gone.email, slackUserId: gone.slackUserId, role: gone.role },
        at: this.clock.now(),
      });
      return { member: gone, organizationName: organization.name };
    });
  }

  /**
   * Checks, without changing anything, that the caller could leave now (the confirm step of `/org leave`). The
   * authoritative check is the one inside {@link leave}.
   * @throws NoOrganizationError / NotAMemberError; LastAdminError for the last Admin
   */
  async checkCanLeave(actor: Actor): Promise<void> {
    const { organization, member } = requireMember(actor);
    if (member.isAdmin) await this.assertNotLastAdmin(this.em, organization, lastAdminLeaving(organization));
  }

  /**
   * The caller leaves the organization (`/org leave` after its confirm step).
   * @throws NotAMemberError (also when already gone: a second click changes nothing); LastAdminError for the last
   *   Admin
   */
  async leave(actor: Actor): Promise<Departure> {
    const current = requireMember(actor);
    const { organization } = current;
    return this.em.transactional(async (em) => {
      const { member: me } = await lockMember(em, current);
      if (me.isAdmin) await this.assertNotLastAdmin(em, organization, lastAdminLeaving(organization));
      const gone = summary(me);
      em.remove(me);
      recordAudit(em, {
        organization,
        actor,
        action: 'member.left',
        targetType: 'member',
        targetId: gone.id,
        details: { email: gone.email, slackUserId: gone.slackUserId, role: gone.role },
        at: this.clock.now(),
      });
      return { member: gone, organizationName: organization.name };
    });
  }

  /** Throws LastAdminError with `message` unless `organization` has at least two Admins (counted in `em`). */
  private async assertNotLastAdmin(
    em: EntityManager,
    organization: Organization,
    message: string,
  ): Promise<void> {
    const admins = await em.count(Member, { organization, role: 'admin' });
    if (admins <= 1) throw new LastAdminError(message);
  }

  /** Finds the member `ref` names in `organization`, read fresh through `em`. */
  private async findIn(
    em: EntityManager,
    organization: Organization,
    ref: MemberReference,
    lookupEmail?: () => Promise<string | null>,
  ): Promise<Member> {
    const team = organization.name;
    if ('memberId' in ref) {
      const found = await em.findOne(Member, { id: ref.memberId, organization }, { refresh: true });
      if (!found)
        throw new MemberNotFoundError(
          `That member is no longer on the team of ${team}. Nothing was changed.`,
        );
      return found;
    }
    if ('email' in ref) {
      const email = normalizeEmail(ref.email);
      const found = await em.findOne(Member, { organization, email }, { refresh: true });
      if (!found)
        throw new MemberNotFoundError(
          `No one with the email ${quote(email)} is on the team of ${quote(team)}.`,
        );
      return found;
    }
    const linked = await em.findOne(
      Member,
      { organization, slackUserId: ref.slackUserId },
      { refresh: true },
    );
    if (linked) return linked;
    const profile = lookupEmail ? await lookupEmail() : null;
    const email = profile ? normalizeEmail(profile) : undefined;
    if (email) {
      const unlinked = await em.findOne(
        Member,
        { organization, email, slackUserId: null },
        { refresh: true },
      );
      if (unlinked) return unlinked;
    }
    throw new MemberNotFoundError(
      `${ref.display ?? 'That Slack user'} is not on the team of ${quote(team)}.`,
    );
  }
}

function lastAdminLeaving(organization: Organization): string {
  return (
    `You are the last Admin of ${quote(organization.name)}, so you cannot leave: make someone else an Admin first ` +
    '(`/org role @someone admin`). Nothing was changed.'
  );
}

/**
 * Reads a role typed by a user (`admin`, `member`, any case, also `Admins`).
 * @throws InvalidInputError (field `role`) for anything else
 */
export function parseRole(raw: string): Role {
  const word = raw.trim().toLowerCase().replace(/s$/, '');
  const role = ROLES.find((r) => r === word);
  if (!role) {
    const shown = /^[\w-]{1,20}$/.test(raw.trim()) ? `\`${raw.trim()}\`` : 'That';
    throw new InvalidInputError(`${quote(shown)} is not a role: use \`admin\` or \`member\`.`, 'role');
  }
  return role;
}
