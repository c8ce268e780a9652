import type { ButtonArgs } from '../shared/listener-types.js';
import { slackProfile } from '../shared/slack-profile.js';
import { recoveredMessage } from './recovery.blocks.js';

/**
 * The button of `/org recover`'s confirm step (after Slack's confirm dialog). Every check is made again: the
 * clicker's own `users.info` (a workspace owner or admin of the organization's workspace) and, in the write's
 * transaction, that no active Admin exists — so a second click, or a second workspace admin, is refused and
 * changes nothing. Then every other member with an active, linked Slack account is told by DM (queued with the
 * recovery, in its transaction, and sent by the delivery worker).
 */
export async function orgRecover({ ack, body, client, context, respond }: ButtonArgs): Promise<void> {
  await ack();
  const actor = await context.actor();
  const profile = await slackProfile(client, body.user.id);
  const recovery = await context.services.members.recover(actor, profile, context.profiles);
  context.log.info({ memberId: recovery.member.id }, 'organization recovered');
  await respond({ replace_original: true, ...recoveredMessage(recovery) });
  await context.deliver();
}
