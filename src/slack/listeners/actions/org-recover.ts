import type { WebClient } from '@slack/web-api';
import type { Recovery } from '../../../domain/members/members.service.js';
import type { Logger } from '../../../logger.js';
import { recoveredMessage, recoveryNotice } from '../../blocks/recovery.js';
import { slackProfile } from '../../slack-profile.js';
import type { ButtonArgs } from '../types.js';

/**
 * The button of `/org recover`'s confirm step (after Slack's confirm dialog). Every check is made again: the
 * clicker's own `users.info` (a workspace owner or admin of the organization's workspace) and, in the write's
 * transaction, that no active Admin exists — so a second click, or a second workspace admin, is refused and
 * changes nothing. Then every other member with an active, linked Slack account is told by DM.
 */
export async function orgRecover({ ack, body, client, context, respond }: ButtonArgs): Promise<void> {
  await ack();
  const actor = await context.actor();
  const profile = await slackProfile(client, body.user.id);
  const recovery = await context.services.members.recover(actor, profile, context.profiles);
  context.log.info({ memberId: recovery.member.id }, 'organization recovered');
  await respond({ replace_original: true, ...recoveredMessage(recovery) });
  await tellRecovery(client, context.log, recovery);
}

/**
 * Tells each member of `recovery.notify` by DM that the organization was recovered. The one place that sends these
 * messages; a failed DM is logged and the others still go.
 */
export async function tellRecovery(client: WebClient, log: Logger, recovery: Recovery): Promise<void> {
  const message = recoveryNotice(recovery.organizationName, recovery.member.slackUserId ?? '');
  for (const channel of recovery.notify) {
    try {
      await client.chat.postMessage({ channel, ...message });
    } catch (err) {
      log.warn({ err, slackUserId: channel }, 'could not tell a member about the recovery');
    }
  }
}
