/**
 * What the members need from the rings around the domain (DESIGN.md §6): a signal that the team may have changed
 * (`src/db/table-writes.ts` implements it by watching the SQL the ORM sends) and who is told of a departure or a
 * recovery (the Slack side implements it: `src/slack/deliveries/slack-notifier.ts`).
 */
import type { EntityManager } from '@mikro-orm/core';
import type { Organization } from '../organizations/organization.entity.js';
import type { MemberSummary } from './member-rules.js';

/** A committed write of one member, as a shared signal (PostgreSQL's notifications) can tell it. */
export interface TeamChange {
  organizationId: string;
  /** The member written (inserted, updated or deleted). */
  memberId: string;
}

/**
 * Tells its listener when the members or organizations tables may have been written. A false alarm is allowed (it
 * costs a reload); a missed write is not.
 *
 * - In one process (SQLite, `src/db/table-writes.ts`): when a statement that writes them is about to run, and again
 *   when the transaction that ran it ends (commit or rollback); always without a {@link TeamChange}.
 * - Across instances (PostgreSQL, `src/db/change-notifications.ts`): when a transaction that wrote them commits,
 *   in any instance; with a {@link TeamChange} when one member row was written, without one when anything may have
 *   changed. Such a signal has {@link settled}.
 */
export interface TeamChangeSignal {
  /**
   * Registers `onChange`. Without an argument: anything may have changed (drop everything); with one: that one
   * member was written.
   */
  subscribe(onChange: (change?: TeamChange) => void): void;
  /**
   * Present when the signal comes from elsewhere (another connection): resolves once every change committed before
   * the call has been signalled.
   * @returns false when the signal is not live now (changes may be missed): nothing may be served from memory
   */
  settled?(): Promise<boolean>;
}

/** A member row as the team directory reads it: 4 columns and its organization, no entity hydration. */
export interface TeamMemberRow {
  id: string;
  email: string;
  slackUserId: string | null;
  role: string;
  organizationId: string;
}

/**
 * The reads of the team directory, kept apart from the ORM's unit of work: a team of 10,000 members loads as plain
 * rows (about 4× cheaper than hydrating entities). Implemented in src/db (`teamRowsOn`).
 */
export interface TeamRows {
  /** The organization bound to Slack team `slackTeamId`, or null. */
  organizationOf(slackTeamId: string): Promise<{ id: string; name: string; slackTeamId: string } | null>;
  /** Every member of `organizationId`, ordered as `MembersService.list`: role ascending, then email (byte order). */
  membersOf(organizationId: string): Promise<TeamMemberRow[]>;
  /** Member `memberId` as it is now, or null when it is gone. */
  member(memberId: string): Promise<TeamMemberRow | null>;
}

/** A member removed by an Admin, as the notifier gets it. */
export interface MemberRemoved {
  organization: Organization;
  member: MemberSummary;
  /** True when their Slack account is known to be deactivated (no message can reach them). */
  slackDeactivated: boolean;
  /** The Admin who removed them. */
  removedBySlackUserId: string;
  now: Date;
}

/** An organization recovered (`/org recover`), as the notifier gets it. */
export interface OrganizationRecovered {
  organization: Organization;
  recoveredBySlackUserId: string;
  /** The Slack users to tell: every other member with a role whose account is active. */
  tell: readonly string[];
  now: Date;
}

/**
 * Who is told what about members, one method per thing that happened. Each method works inside the change's own
 * transaction (`em`): what it promises to deliver is written there, so a committed change always has its
 * notifications and a rolled-back one has none.
 */
export interface MemberNotifier {
  /**
   * An Admin removed `member` (`removedBySlackUserId`): they are told, when linked to a Slack account not known to
   * be deactivated (`slackDeactivated`).
   * @returns the id of the notice queued (to withdraw it with the implementation's own means, should the account
   *   turn out deactivated), or null when nobody is told
   */
  memberRemoved(em: EntityManager, event: MemberRemoved): Promise<string | null>;
  /** The organization was recovered by `recoveredBySlackUserId` (`/org recover`): each Slack user of `tell` is told. */
  organizationRecovered(em: EntityManager, event: OrganizationRecovered): Promise<void>;
}
