/**
 * Slack users as `users.info` describes them (docs.slack.dev/reference/methods/users.info, scopes `users:read` and
 * `users:read.email`), in the shape the domain's rules read ({@link SlackProfile}).
 */
import type { WebClient } from '@slack/web-api';
import type { ProfileLookup, SlackProfile } from '../../domain/members/slack-account.js';
import type { Logger } from '../../logger.js';
import { slackErrorCode } from '../deliveries/slack-errors.js';

/** `users.info` errors that mean Slack does not know the user (or will not show them to this app). */
const UNKNOWN_USER_ERRORS = new Set(['user_not_found', 'user_not_visible', 'users_not_found']);

/**
 * The Slack user `userId` as `users.info` describes them: their own workspace (`team_id`; under Enterprise Grid
 * possibly the enterprise's id), their enterprise (`enterprise_user.enterprise_id`), profile email, whether the
 * account is deactivated (`deleted`) and whether they are a workspace owner or admin. A user of another
 * organization seen through Slack Connect (`is_stranger`, or another `team_id`) is never taken as one of ours: the
 * domain compares `teamId` / `enterpriseId` with the organization's own.
 * @returns null when Slack does not know the user (`user_not_found`, `user_not_visible`)
 * @throws the Web API error for any other failure
 */
export async function slackProfile(client: WebClient, userId: string): Promise<SlackProfile | null> {
  try {
    const { user } = await client.users.info({ user: userId });
    if (!user) return null;
    return {
      userId,
      teamId: user.team_id ?? user.profile?.team ?? null,
      enterpriseId: user.enterprise_user?.enterprise_id ?? null,
      email: user.profile?.email?.trim().toLowerCase() || null,
      deleted: user.deleted === true,
      workspaceAdmin: Boolean(user.is_admin || user.is_owner || user.is_primary_owner),
      isBot: user.is_bot === true,
    };
  } catch (err) {
    if (UNKNOWN_USER_ERRORS.has(slackErrorCode(err) ?? '')) return null;
    throw err;
  }
}

/** A {@link ProfileLookup} over `client` (one `users.info` per call). */
export function profileLookup(client: WebClient): ProfileLookup {
  return (userId) => slackProfile(client, userId);
}

/**
 * Whether a member's Slack account is deactivated, before messaging them: true when `users.info` says
 * `deleted: true` or no longer knows the user. When Slack cannot be asked, false (logged at warn): the message is
 * tried and its own failure logged.
 */
export async function accountDeactivated(
  profiles: ProfileLookup,
  log: Logger,
  slackUserId: string,
): Promise<boolean> {
  try {
    const profile = await profiles(slackUserId);
    return profile === null || profile.deleted;
  } catch (err) {
    log.warn({ err, slackUserId }, "could not check a member's Slack account");
    return false;
  }
}
