import type { EntityManager } from '@mikro-orm/core';
import { lockAdmin, lockMember, requireAdmin, requireMember } from '../access.js';
import type { Actor, Clock } from '../actor.js';
import { recordAudit } from '../audit/audit.js';
import { queueDelivery } from '../deliveries/slack-deliveries.js';
import { normalizeEmail } from '../email.js';
import {
  ActiveAdminExistsError,
  ForeignWorkspaceError,
  InvalidInputError,
  LastAdminError,
  MemberNotFoundError,
  NoOrganizationError,
  NotAuthorizedError,
  type PersonRef,
  SlackAccountDeactivatedError,
  UnknownSlackUserError,
} from '../errors.js';
import { Organization } from '../organizations/organization.entity.js';
import { Member, ROLES, type Role } from './member.entity.js';
import { isHomeTeam, isHomeUser, type ProfileLookup, type SlackProfile } from './slack-account.js';

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
 * Names a member: by Slack user, by email (compared lower-cased), or by member id (from a button or select built by
 * us).
 */
export type MemberReference = { slackUserId: string } | { email: string } | { memberId: string };

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
  /** True when their Slack account is known to be deactivated (no message can reach them). */
  slackDeactivated: boolean;
  /** The queued DM telling them (see src/domain/deliveries); null when none was queued. */
  noticeDeliveryId: string | null;
}

function summary(m: Member): MemberSummary {
  return { id: m.id, email: m.email, slackUserId: m.slackUserId, role: m.role };
}

/** How a message names a member: their mention when linked, else their email. */
function nameOf(m: Pick<Member, 'email' | 'slackUserId'>): PersonRef {
  return { slackUserId: m.slackUserId ?? null, email: m.email };
}

/** The outcome of `/org recover`: who took the Admin role back, and whom to tell. */
export interface Recovery {
  member: MemberSummary;
  organizationName: string;
  /** The Slack users of every other member with a role whose account is active: each is told by a queued DM. */
  notify: string[];
}

/** What a `users.info` answer says of an account: deactivated also when Slack no longer knows the user. */
function deactivated(profile: SlackProfile | null): boolean {
  return profile === null || profile.deleted;
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
   * linked is matched by the email of their Slack profile, on first use, and linked (recorded as `member.linked`) —
   * only when that profile is a user of the organization's own workspace (or its enterprise under Grid). A user of
   * another workspace gets an actor with `foreignWorkspace: true` and no membership, whatever the payload's team.
   * A linked member whose account was recorded deactivated is recorded active again: Slack sends nothing on behalf
   * of a deactivated account, so a payload from them proves it active.
   * @param slackTeamId the workspace the payload came from (which organization)
   * @param lookupProfile fetches the caller's Slack profile (`users.info`; called only for a caller not linked yet)
   * @param userTeamId the caller's own workspace or enterprise when the payload says it (`user.team_id` of
   *   interaction payloads); absent for slash commands, where `users.info` tells
   */
  async resolveActor(
    slackTeamId: string,
    slackUserId: string,
    lookupProfile: () => Promise<SlackProfile | null>,
    userTeamId?: string,
  ): Promise<Actor> {
    // The usual case, a linked member, in one joined query; the organization alone only for everyone else.
    let member = await this.em.findOne(
      Member,
      { slackUserId, organization: { slackTeamId } },
      { populate: ['organization'], strategy: 'joined' },
    );
    if (member) {
      const { organization } = member;
      if (userTeamId && !isHomeTeam(organization, userTeamId)) {
        return { slackTeamId, slackUserId, organization, member: null, foreignWorkspace: true };
      }
      if (!member.isActive) await this.recordAccounts(organization, [{ slackUserId, deleted: false }]);
      return { slackTeamId, slackUserId, organization, member };
    }
    const organization = await this.em.findOne(Organization, { slackTeamId });
    if (!organization) return { slackTeamId, slackUserId, organization: null, member: null };
    const foreign = { slackTeamId, slackUserId, organization, member: null, foreignWorkspace: true };
    if (userTeamId && !isHomeTeam(organization, userTeamId)) return foreign;
    const profile = await lookupProfile();
    if (!profile) return { slackTeamId, slackUserId, organization, member: null };
    if (!isHomeUser(organization, profile)) return foreign;
    if (profile.email) {
      member = await this.linkOnFirstUse(organization, slackUserId, normalizeEmail(profile.email));
    }
    return { slackTeamId, slackUserId, organization, member };
  }

  /**
   * Records what Slack says of linked accounts (the `user_change` event, or `users.info` checked when it mattered):
   * deactivated or active again, each change audited (`member.slack_deactivated` / `member.slack_reactivated`).
   * Repeating what is already known changes nothing, so an event delivered twice is harmless.
   * @returns how many members changed
   */
  async recordAccounts(
    organization: Organization,
    accounts: ReadonlyArray<{ slackUserId: string; deleted: boolean }>,
  ): Promise<number> {
    if (accounts.length === 0) return 0;
    return this.em.transactional(async (em) => {
      const now = this.clock.now();
      let changed = 0;
      for (const account of accounts) {
        const member = await em.findOne(
          Member,
          { organization, slackUserId: account.slackUserId },
          { refresh: true },
        );
        if (!member?.recordSlackAccount(account.deleted, now)) continue;
        changed += 1;
        recordAudit(em, {
          organization,
          actor: null,
          action: account.deleted ? 'member.slack_deactivated' : 'member.slack_reactivated',
          targetType: 'member',
          targetId: member.id,
          details: { email: member.email, slackUserId: account.slackUserId },
          at: now,
        });
      }
      return changed;
    });
  }

  /**
   * The `user_change` event: a Slack user was deactivated (`deleted: true`) or reactivated. Recorded on their
   * membership in each organization whose own workspace (or enterprise) the user belongs to; a user of another
   * workspace changes nothing.
   * @param teamId the user's own workspace or enterprise (`event.user.team_id`)
   * @returns how many members changed
   */
  async slackAccountChanged(teamId: string, slackUserId: string, deleted: boolean): Promise<number> {
    const members = await this.em.find(
      Member,
      {
        slackUserId,
        organization: { $or: [{ slackTeamId: teamId }, { slackEnterpriseId: teamId }] },
      },
      { populate: ['organization'] },
    );
    let changed = 0;
    for (const m of members) changed += await this.recordAccounts(m.organization, [{ slackUserId, deleted }]);
    return changed;
  }

  /**
   * Brings the stored state of the organization's linked Admins (but `exceptId`) up to date with Slack
   * (`users.info`), before a check that counts active Admins: a `user_change` event may have been missed. A lookup
   * that fails leaves the stored state as it is.
   */
  private async refreshAdmins(
    organization: Organization,
    lookup: ProfileLookup | undefined,
    exceptId?: string,
  ): Promise<void> {
    if (!lookup) return;
    const admins = await this.em.find(
      Member,
      {
        organization,
        role: 'admin',
        slackUserId: { $ne: null },
        ...(exceptId ? { id: { $ne: exceptId } } : {}),
      },
      { refresh: true },
    );
    const seen = await Promise.all(
      admins.map(async (admin) => {
        const slackUserId = admin.slackUserId ?? '';
        try {
          return { slackUserId, deleted: deactivated(await lookup(slackUserId)), known: !admin.isActive };
        } catch {
          return null;
        }
      }),
    );
    await this.recordAccounts(
      organization,
      seen.filter((s): s is NonNullable<typeof s> => s !== null && s.deleted !== s.known),
    );
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
   * @param lookup for a Slack user not linked yet: their profile (`users.info`), whose email is matched against
   *   unlinked members when they are a user of the organization's own workspace
   * @throws NotAuthorizedError for a Member; MemberNotFoundError when no one on the team matches;
   *   UnknownSlackUserError / ForeignWorkspaceError for a mention of a user Slack does not know or of another
   *   workspace
   */
  async find(actor: Actor, ref: MemberReference, lookup?: ProfileLookup): Promise<MemberSummary> {
    const admin = requireAdmin(actor, 'manage the team');
    return summary(await this.findIn(this.em, admin.organization, ref, lookup));
  }

  /**
   * Gives a member the role `role` (`/org role`, the role select).
   * With `lookup`, Slack is asked when it matters: the account of a member about to be promoted (a deactivated
   * account is never promoted), and the other Admins' accounts before an Admin steps down.
   * @param role raw input: `admin` or `member`
   * @param lookup `users.info` (see {@link find})
   * @returns the change; `changed: false` when they already had the role (nothing written, nothing recorded)
   * @throws NotAuthorizedError unless the caller is an Admin at the moment of the write; InvalidInputError (field
   *   `role`) for another role; MemberNotFoundError; SlackAccountDeactivatedError when promoting a deactivated
   *   account; LastAdminError when it would demote the last active Admin
   */
  async changeRole(
    actor: Actor,
    ref: MemberReference,
    role: string,
    lookup?: ProfileLookup,
  ): Promise<RoleChange> {
    const admin = requireAdmin(actor, 'change roles');
    const wanted = parseRole(role);
    const { organization } = admin;
    const found = await this.findIn(this.em, organization, ref, lookup);
    const targetId = found.id;
    // The Slack account of the one to promote: theirs when linked, else the one the mention named.
    const account = found.slackUserId ?? ('slackUserId' in ref ? ref.slackUserId : null);
    if (wanted === 'admin' && !found.isAdmin && account && lookup) {
      const profile = await lookup(account);
      if (deactivated(profile)) {
        if (found.slackUserId)
          await this.recordAccounts(organization, [{ slackUserId: account, deleted: true }]);
        throw new SlackAccountDeactivatedError({ slackUserId: account, email: found.email });
      }
      if (found.slackUserId && !found.isActive) {
        await this.recordAccounts(organization, [{ slackUserId: account, deleted: false }]);
      }
    }
    // An Admin acting is active (Slack sends nothing for a deactivated account), so demoting someone else always
    // leaves one; stepping down oneself may not, and the other Admins' state may be stale.
    if (wanted === 'member' && found.isAdmin && found.id === admin.member.id) {
      await this.refreshAdmins(organization, lookup, targetId);
    }
    return this.em.transactional(async (em) => {
      await lockAdmin(em, actor, 'change roles');
      const target = await this.findIn(em, organization, { memberId: targetId });
      const previous = target.role;
      if (previous === wanted) return { member: summary(target), previous, role: wanted, changed: false };
      const now = this.clock.now();
      if (wanted === 'member') {
        await this.assertNotLastAdmin(em, organization, target, 'demote');
        target.demoteToMember(now);
      } else {
        if (!target.isActive) {
          throw new SlackAccountDeactivatedError(nameOf(target));
        }
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
   * The caller is an active Admin (a payload from them proves it), so the rule that an active Admin remains holds
   * whenever they remove someone else; it is still checked in the write's transaction.
   * @param lookup `users.info` for a mention (see {@link find})
   * @throws NotAuthorizedError unless the caller is an Admin at the moment of the write; MemberNotFoundError (also
   *   when already removed: a second click changes nothing); InvalidInputError (field `member`) for the caller
   *   themself; LastAdminError when it would take the last active Admin
   */
  async remove(actor: Actor, ref: MemberReference, lookup?: ProfileLookup): Promise<Departure> {
    const admin = requireAdmin(actor, 'remove members');
    const { organization } = admin;
    const targetId = (await this.findIn(this.em, organization, ref, lookup)).id;
    return this.em.transactional(async (em) => {
      const { member: me } = await lockAdmin(em, actor, 'remove members');
      const target = await this.findIn(em, organization, { memberId: targetId });
      if (target.id === me.id) {
        throw new InvalidInputError('remove_self', {}, 'member');
      }
      if (target.isAdmin) {
        await this.assertNotLastAdmin(em, organization, target, 'remove');
      }
      const gone = summary(target);
      em.remove(target);
      const notice =
        gone.slackUserId && target.isActive
          ? queueDelivery(em, {
              organization,
              kind: 'removal_dm',
              target: gone.slackUserId,
              payload: { organizationName: organization.name, removedBy: actor.slackUserId },
              now: this.clock.now(),
            })
          : null;
      recordAudit(em, {
        organization,
        actor,
        action: 'member.removed',
        targetType: 'member',
        targetId: gone.id,
        details: { email: gone.email, slackUserId: gone.slackUserId, role: gone.role },
        at: this.clock.now(),
      });
      return {
        member: gone,
        organizationName: organization.name,
        slackDeactivated: !target.isActive,
        noticeDeliveryId: notice?.id ?? null,
      };
    });
  }

  /**
   * Checks, without changing anything, that the caller could leave now (the confirm step of `/org leave`). The
   * authoritative check is the one inside {@link leave}.
   * @param lookup `users.info`: with it, the other Admins' accounts are checked first
   * @throws NoOrganizationError / NotAMemberError; LastAdminError for the last active Admin
   */
  async checkCanLeave(actor: Actor, lookup?: ProfileLookup): Promise<void> {
    const { organization, member } = requireMember(actor);
    if (!member.isAdmin) return;
    await this.refreshAdmins(organization, lookup, member.id);
    await this.assertNotLastAdmin(this.em, organization, member, 'leave');
  }

  /**
   * The caller leaves the organization (`/org leave` after its confirm step).
   * @param lookup `users.info`: with it, the other Admins' accounts are checked first
   * @throws NotAMemberError (also when already gone: a second click changes nothing); LastAdminError for the last
   *   active Admin
   */
  async leave(actor: Actor, lookup?: ProfileLookup): Promise<Departure> {
    const current = requireMember(actor);
    const { organization } = current;
    if (current.member.isAdmin) await this.refreshAdmins(organization, lookup, current.member.id);
    return this.em.transactional(async (em) => {
      const { member: me } = await lockMember(em, current);
      if (me.isAdmin) {
        await this.assertNotLastAdmin(em, organization, me, 'leave');
      }
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
      return {
        member: gone,
        organizationName: organization.name,
        slackDeactivated: !me.isActive,
        noticeDeliveryId: null,
      };
    });
  }

  /**
   * Checks, without changing anything, that the caller may recover the organization now (the confirm step of
   * `/org recover`). The authoritative check is the one inside {@link recover}.
   * @param profile the caller's own Slack profile (`users.info`), null when Slack does not know them
   * @param lookup `users.info`, to bring the Admins' stored state up to date first
   * @throws as {@link recover}
   */
  async checkRecover(actor: Actor, profile: SlackProfile | null, lookup?: ProfileLookup): Promise<void> {
    const organization = this.recoverer(actor, profile);
    await this.refreshAdmins(organization, lookup);
    await this.assertNoActiveAdmin(this.em, organization);
  }

  /**
   * `/org recover`, confirmed: an organization left with no active Admin (every Admin's Slack account deactivated)
   * is taken back by a Slack workspace owner or admin of its own workspace, who becomes an Admin — their member row
   * linked (by Slack user, else by profile email) or created. Recorded as `organization.recovered`.
   * @param profile the caller's own Slack profile (`users.info`), null when Slack does not know them
   * @param lookup `users.info`, to bring the Admins' stored state up to date first
   * @returns who recovered it and the Slack users to tell
   * @throws NoOrganizationError before setup; ForeignWorkspaceError for a user of another workspace;
   *   NotAuthorizedError for someone who is not a workspace owner or admin; InvalidInputError when their profile
   *   has no email and they are not a member; ActiveAdminExistsError while an active Admin remains (also when
   *   another recovery won the race)
   */
  async recover(actor: Actor, profile: SlackProfile | null, lookup?: ProfileLookup): Promise<Recovery> {
    const organization = this.recoverer(actor, profile);
    const email = profile?.email ?? null;
    await this.refreshAdmins(organization, lookup);
    return this.em.transactional(async (em) => {
      await this.assertNoActiveAdmin(em, organization);
      const now = this.clock.now();
      let member =
        (await em.findOne(Member, { organization, slackUserId: actor.slackUserId }, { refresh: true })) ??
        (email ? await em.findOne(Member, { organization, email }, { refresh: true }) : null);
      if (member?.slackUserId && member.slackUserId !== actor.slackUserId) {
        throw new InvalidInputError('recovery_email_linked', { email: member.email }, 'member');
      }
      const previous = member?.role ?? null;
      if (!member) {
        if (!email) {
          throw new InvalidInputError('recovery_requires_email', {}, 'email');
        }
        member = new Member({ organization, email, role: 'admin', slackUserId: actor.slackUserId, now });
        em.persist(member);
      } else {
        if (!member.slackUserId) member.linkSlackUser(actor.slackUserId, now);
        member.recordSlackAccount(false, now);
        member.promoteToAdmin(now);
      }
      recordAudit(em, {
        organization,
        actor: { member, slackUserId: actor.slackUserId },
        action: 'organization.recovered',
        targetType: 'member',
        targetId: member.id,
        details: { email: member.email, slackUserId: actor.slackUserId, from: previous, to: 'admin' },
        at: now,
      });
      const others = await em.find(Member, {
        organization,
        id: { $ne: member.id },
        slackUserId: { $ne: null },
        slackDeactivatedAt: null,
      });
      const notify = others.flatMap((m) => (m.slackUserId ? [m.slackUserId] : []));
      for (const target of notify) {
        queueDelivery(em, {
          organization,
          kind: 'recovery_notice',
          target,
          payload: { organizationName: organization.name, recoveredBy: actor.slackUserId },
          now,
        });
      }
      return { member: summary(member), organizationName: organization.name, notify };
    });
  }

  /** The organization the caller may recover, if they are a workspace owner or admin of its own workspace. */
  private recoverer(actor: Actor, profile: SlackProfile | null): Organization {
    const { organization } = actor;
    if (!organization) throw new NoOrganizationError();
    if (actor.foreignWorkspace || !profile || !isHomeUser(organization, profile)) {
      throw ForeignWorkspaceError.acting();
    }
    if (!profile.workspaceAdmin) {
      throw new NotAuthorizedError('recovery_requires_workspace_admin', {
        organizationName: organization.name,
      });
    }
    return organization;
  }

  /** Throws ActiveAdminExistsError while `organization` has an Admin whose Slack account is active (read in `em`). */
  private async assertNoActiveAdmin(em: EntityManager, organization: Organization): Promise<void> {
    const active = await em.find(
      Member,
      { organization, role: 'admin', slackDeactivatedAt: null },
      { orderBy: { email: 'asc' }, limit: 3, refresh: true },
    );
    if (active.length === 0) return;
    throw new ActiveAdminExistsError({ organizationName: organization.name, admins: active.map(nameOf) });
  }

  /**
   * Throws LastAdminError unless `organization` keeps an active Admin once `leaving` (an Admin) steps down: at least
   * one other Admin whose Slack account is not known to be deactivated (counted in `em`).
   * @param change what is refused: demoting, removing or the leaving of `leaving`
   */
  private async assertNotLastAdmin(
    em: EntityManager,
    organization: Organization,
    leaving: Pick<Member, 'id' | 'email' | 'slackUserId'>,
    change: 'demote' | 'remove' | 'leave',
  ): Promise<void> {
    const others = { organization, role: 'admin' as const, id: { $ne: leaving.id } };
    const active = await em.count(Member, { ...others, slackDeactivatedAt: null });
    if (active > 0) return;
    const inactive = await em.count(Member, others);
    throw new LastAdminError({
      organizationName: organization.name,
      member: nameOf(leaving),
      change,
      othersDeactivated: inactive > 0,
    });
  }

  /** Finds the member `ref` names in `organization`, read fresh through `em`. */
  private async findIn(
    em: EntityManager,
    organization: Organization,
    ref: MemberReference,
    lookup?: ProfileLookup,
  ): Promise<Member> {
    const team = organization.name;
    if ('memberId' in ref) {
      const found = await em.findOne(Member, { id: ref.memberId, organization }, { refresh: true });
      if (!found) throw new MemberNotFoundError('member_gone', { organizationName: team });
      return found;
    }
    if ('email' in ref) {
      const email = normalizeEmail(ref.email);
      const found = await em.findOne(Member, { organization, email }, { refresh: true });
      if (!found) throw new MemberNotFoundError('member_email_not_found', { email, organizationName: team });
      return found;
    }
    const linked = await em.findOne(
      Member,
      { organization, slackUserId: ref.slackUserId },
      { refresh: true },
    );
    if (linked) return linked;
    const profile = lookup ? await lookup(ref.slackUserId) : undefined;
    if (profile === null) {
      throw new UnknownSlackUserError(ref.slackUserId);
    }
    if (profile && !isHomeUser(organization, profile)) {
      throw new ForeignWorkspaceError('slack_user_foreign', {
        slackUserId: ref.slackUserId,
        organizationName: team,
      });
    }
    const email = profile?.email ? normalizeEmail(profile.email) : undefined;
    if (email) {
      const unlinked = await em.findOne(
        Member,
        { organization, email, slackUserId: null },
        { refresh: true },
      );
      if (unlinked) return unlinked;
    }
    throw new MemberNotFoundError('slack_user_not_member', {
      slackUserId: ref.slackUserId,
      organizationName: team,
    });
  }
}

/**
 * Reads a role typed by a user (`admin`, `member`, any case, also `Admins`).
 * @throws InvalidInputError (field `role`) for anything else
 */
export function parseRole(raw: string): Role {
  const word = raw.trim().toLowerCase().replace(/s$/, '');
  const role = ROLES.find((r) => r === word);
  if (!role) {
    // Only a short plain word is echoed back: anything else could carry markup into a front end's message.
    const typed = /^[\w-]{1,20}$/.test(raw.trim()) ? raw.trim() : null;
    throw new InvalidInputError('role_invalid', { typed }, 'role');
  }
  return role;
}
