import type { EntityManager } from '@mikro-orm/core';
import { requireAdmin, requireMember } from '../access.js';
import type { Actor, Clock } from '../actor.js';
import type { Organization } from '../organizations/organization.entity.js';
import { type Page, pageBounds } from '../paging.js';
import { type Departure, Departures } from './departures.js';
import { Member } from './member.entity.js';
import { MemberRoles, type RoleChange } from './member-roles.js';
import { findMember, type MemberReference, type MemberSummary, summary } from './member-rules.js';
import type { MemberNotifier } from './ports.js';
import { OrganizationRecovery, type Recovery } from './recovery.js';
import type { ProfileLookup, SlackProfile } from './slack-account.js';
import { SlackAccounts } from './slack-accounts.js';

export type { Page } from '../paging.js';
export { pageBounds } from '../paging.js';
export type { Departure } from './departures.js';
export { parseRole, type RoleChange } from './member-roles.js';
export type { MemberReference, MemberSummary } from './member-rules.js';
export type { Recovery } from './recovery.js';

/**
 * Members shown per page of `/org members`. An Admin's page spends two blocks per row (a section with the role
 * select, an actions block with Remove) plus a header and a pager: 20 × 2 + 2 = 42 of Slack's 50 message blocks.
 */
export const MEMBERS_PAGE_SIZE = 20;

/** The order of the members list: Admins first (`admin` sorts before `member`), then by email (unique per team). */
export const MEMBERS_ORDER = { role: 'asc', email: 'asc' } as const;

/**
 * The team: listing, linking Slack users to members, role changes, removal and leaving. Every change re-reads the
 * caller and the target inside its transaction (through the transaction's EntityManager, `refresh: true`) and checks
 * the last-Admin rule there, against a count read in the same transaction, so concurrent requests cannot take the
 * last Admin. On SQLite the pool's one connection serialises these transactions (src/db/orm.ts).
 *
 * The one entry point the front ends call: listing and finding are here; the Slack accounts are
 * {@link SlackAccounts}, roles {@link MemberRoles}, removal and leaving {@link Departures}, `/org recover`
 * {@link OrganizationRecovery}; the rules they share (the last Admin, finding a member) are in `member-rules.ts`.
 */
export class MembersService {
  private readonly accounts: SlackAccounts;
  private readonly roles: MemberRoles;
  private readonly departures: Departures;
  private readonly recovery: OrganizationRecovery;

  constructor(
    private readonly em: EntityManager,
    clock: Clock,
    notifier: MemberNotifier,
  ) {
    this.accounts = new SlackAccounts(em, clock);
    this.roles = new MemberRoles(em, clock, this.accounts);
    this.departures = new Departures(em, clock, this.accounts, notifier);
    this.recovery = new OrganizationRecovery(em, clock, this.accounts, notifier);
  }

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
  resolveActor(
    slackTeamId: string,
    slackUserId: string,
    lookupProfile: () => Promise<SlackProfile | null>,
    userTeamId?: string,
  ): Promise<Actor> {
    return this.accounts.resolveActor(slackTeamId, slackUserId, lookupProfile, userTeamId);
  }

  /**
   * Records what Slack says of linked accounts (the `user_change` event, or `users.info` checked when it mattered):
   * deactivated or active again, each change audited (`member.slack_deactivated` / `member.slack_reactivated`).
   * Repeating what is already known changes nothing, so an event delivered twice is harmless.
   * @returns how many members changed
   */
  recordAccounts(
    organization: Organization,
    accounts: ReadonlyArray<{ slackUserId: string; deleted: boolean }>,
  ): Promise<number> {
    return this.accounts.recordAccounts(organization, accounts);
  }

  /**
   * The `user_change` event: a Slack user was deactivated (`deleted: true`) or reactivated. Recorded on their
   * membership in each organization whose own workspace (or enterprise) the user belongs to; a user of another
   * workspace changes nothing.
   * @param teamId the user's own workspace or enterprise (`event.user.team_id`)
   * @returns how many members changed
   */
  slackAccountChanged(teamId: string, slackUserId: string, deleted: boolean): Promise<number> {
    return this.accounts.slackAccountChanged(teamId, slackUserId, deleted);
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
    return summary(await findMember(this.em, admin.organization, ref, lookup));
  }

  /**
   * Gives a member the role `role` (`/org role`, the role select).
   * With `lookup`, Slack is asked when it matters: the account of a member about to be promoted (a deactivated
   * account is never promoted), and the other Admins' accounts before an Admin steps down.
   * @param role raw input: `admin` or `member`
   * @param lookup `users.info` (see {@link MembersService.find})
   * @returns the change; `changed: false` when they already had the role (nothing written, nothing recorded)
   * @throws NotAuthorizedError unless the caller is an Admin at the moment of the write; InvalidInputError (field
   *   `role`) for another role; MemberNotFoundError; SlackAccountDeactivatedError when promoting a deactivated
   *   account; LastAdminError when it would demote the last active Admin
   */
  changeRole(actor: Actor, ref: MemberReference, role: string, lookup?: ProfileLookup): Promise<RoleChange> {
    return this.roles.changeRole(actor, ref, role, lookup);
  }

  /**
   * Removes a member from the team (`/org remove` after its confirm step, the Remove button). The caller cannot
   * remove themself this way: leaving is {@link leave}.
   * The caller is an active Admin (a payload from them proves it), so the rule that an active Admin remains holds
   * whenever they remove someone else; it is still checked in the write's transaction.
   * @param lookup `users.info` for a mention (see {@link MembersService.find})
   * @throws NotAuthorizedError unless the caller is an Admin at the moment of the write; MemberNotFoundError (also
   *   when already removed: a second click changes nothing); InvalidInputError (field `member`) for the caller
   *   themself; LastAdminError when it would take the last active Admin
   */
  remove(actor: Actor, ref: MemberReference, lookup?: ProfileLookup): Promise<Departure> {
    return this.departures.remove(actor, ref, lookup);
  }

  /**
   * Checks, without changing anything, that the caller could leave now (the confirm step of `/org leave`). The
   * authoritative check is the one inside {@link leave}.
   * @param lookup `users.info`: with it, the other Admins' accounts are checked first
   * @throws NoOrganizationError / NotAMemberError; LastAdminError for the last active Admin
   */
  checkCanLeave(actor: Actor, lookup?: ProfileLookup): Promise<void> {
    return this.departures.checkCanLeave(actor, lookup);
  }

  /**
   * The caller leaves the organization (`/org leave` after its confirm step).
   * @param lookup `users.info`: with it, the other Admins' accounts are checked first
   * @throws NotAMemberError (also when already gone: a second click changes nothing); LastAdminError for the last
   *   active Admin
   */
  leave(actor: Actor, lookup?: ProfileLookup): Promise<Departure> {
    return this.departures.leave(actor, lookup);
  }

  /**
   * Checks, without changing anything, that the caller may recover the organization now (the confirm step of
   * `/org recover`). The authoritative check is the one inside {@link recover}.
   * @param profile the caller's own Slack profile (`users.info`), null when Slack does not know them
   * @param lookup `users.info`, to bring the Admins' stored state up to date first
   * @throws as {@link recover}
   */
  checkRecover(actor: Actor, profile: SlackProfile | null, lookup?: ProfileLookup): Promise<void> {
    return this.recovery.checkRecover(actor, profile, lookup);
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
  recover(actor: Actor, profile: SlackProfile | null, lookup?: ProfileLookup): Promise<Recovery> {
    return this.recovery.recover(actor, profile, lookup);
  }
}
