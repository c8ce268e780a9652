import type { Organization } from '../organizations/organization.entity.js';

/**
 * A Slack user as Slack's `users.info` describes them (docs.slack.dev/reference/methods/users.info), reduced to what
 * the rules need. A Slack identity is (workspace or enterprise, user): `teamId` is the user's own workspace
 * (`user.team_id`, which under Enterprise Grid may be the enterprise's `E…` id) and `enterpriseId` their enterprise
 * (`user.enterprise_user.enterprise_id`), when they belong to one.
 */
export interface SlackProfile {
  userId: string;
  /** The user's own workspace (`team_id`); null when Slack did not say. */
  teamId: string | null;
  /** The user's enterprise under Grid (`enterprise_user.enterprise_id`); null outside Grid. */
  enterpriseId: string | null;
  /** The profile email, trimmed and lower-cased; null when the profile shows none. */
  email: string | null;
  /** True for a deactivated account (`deleted: true`). */
  deleted: boolean;
  /** True for a workspace admin or owner (`is_admin`, `is_owner` or `is_primary_owner`). */
  workspaceAdmin: boolean;
  isBot: boolean;
}

/**
 * Looks up a Slack user by id (`users.info`).
 * @returns the profile, or null when Slack does not know the user (`user_not_found`, `user_not_visible`)
 * @throws the Web API error for any other failure
 */
export type ProfileLookup = (slackUserId: string) => Promise<SlackProfile | null>;

/**
 * True when a workspace id or enterprise id names the organization's own Slack home: its workspace, or its
 * enterprise under Grid.
 */
export function isHomeTeam(
  organization: Pick<Organization, 'slackTeamId' | 'slackEnterpriseId'>,
  teamOrEnterpriseId: string | null | undefined,
): boolean {
  if (!teamOrEnterpriseId) return false;
  return (
    teamOrEnterpriseId === organization.slackTeamId ||
    (organization.slackEnterpriseId !== null && teamOrEnterpriseId === organization.slackEnterpriseId)
  );
}

/**
 * True when the Slack user is a user of the organization's own workspace (or of its enterprise under Grid). A
 * profile that names no workspace at all is not taken as one: members are linked only on proof.
 */
export function isHomeUser(
  organization: Pick<Organization, 'slackTeamId' | 'slackEnterpriseId'>,
  profile: Pick<SlackProfile, 'teamId' | 'enterpriseId'>,
): boolean {
  return isHomeTeam(organization, profile.teamId) || isHomeTeam(organization, profile.enterpriseId);
}
