import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import type { OrgContext } from '../context.js';

/**
 * `user_change` (docs.slack.dev/reference/events/user_change, scope `users:read`): a Slack user's account changed.
 * Its `deleted` flag is recorded on their membership — deactivated, or active again — in each organization whose
 * own workspace (or enterprise) they belong to (`user.team_id`). Recording what is already known changes nothing,
 * so an Events API retry or a duplicate delivery is harmless.
 */
export async function userChange({
  event,
  context,
}: SlackEventMiddlewareArgs<'user_change'> & AllMiddlewareArgs<OrgContext>): Promise<void> {
  const { user } = event;
  const teamId = user.team_id ?? user.profile?.team;
  if (!user.id || !teamId) return;
  const changed = await context.services.members.slackAccountChanged(teamId, user.id, user.deleted === true);
  if (changed > 0) {
    context.log.info(
      { slackUserId: user.id, deleted: user.deleted === true },
      'Slack account state recorded',
    );
  }
}
