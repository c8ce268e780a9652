import type { ButtonArgs } from '../shared/listener-types.js';
import { slackProfile } from '../shared/slack-profile.js';

/**
 * Accept / Decline in the invitee's DM. Only the invitee may answer (the Slack user it was sent to, or one whose
 * profile email is the invited email) — never a user of another Slack workspace; accepting makes them a member
 * once, linked to their Slack user. Their DM
 * then shows the outcome; a second click is told the invitation was already answered.
 */
export async function invitationRespond(args: ButtonArgs): Promise<void> {
  await args.ack();
  const { action, body, client, context } = args;
  const decision = action.action_id === 'invitation_accept' ? 'accept' : 'decline';
  const userId = body.user.id;
  const teamId = body.team?.id ?? body.user.team_id ?? '';
  const inv = await context.services.invitations.respondBySlack(action.value ?? '', decision, {
    slackTeamId: teamId,
    slackUserId: userId,
    ...(body.user.team_id ? { userTeamId: body.user.team_id } : {}),
    profile: await slackProfile(client, userId),
  });
  context.log.info({ invitationId: inv.id, decision }, 'invitation answered in Slack');
  await context.deliver();
}
