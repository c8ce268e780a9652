import type { Member } from './members/member.entity.js';
import type { Organization } from './organizations/organization.entity.js';

/**
 * Who is asking: every domain method takes one. `organization` is the one bound to the caller's Slack workspace
 * (null before setup); `member` is the caller's membership in it (null for a non-member).
 */
export interface Actor {
  slackTeamId: string;
  slackUserId: string;
  organization: Organization | null;
  member: Member | null;
  /**
   * True when the caller is a user of another Slack workspace than the organization's (a Slack Connect partner in a
   * shared channel, say): such a caller is never linked and may do nothing (`requireMember` refuses them).
   */
  foreignWorkspace?: boolean;
}

/** Source of the current time, injectable so tests can move it. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
