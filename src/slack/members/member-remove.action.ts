import { plainMessage } from '../shared/common.blocks.js';
import type { ButtonArgs } from '../shared/listener-types.js';
import { SlackInputError } from '../shared/slack-input-error.js';
import { accountDeactivated } from '../shared/slack-profile.js';
import { removedText } from './member-messages.blocks.js';
import { decodeMemberRef } from './members.blocks.js';
import { showMembersPage } from './members-list.js';

/**
 * The Remove button, on a member row of `/org members` or in the confirm step of `/org remove` (Slack has already
 * asked "are you sure" in its confirm dialog). The clicker's role is checked again on the server; a second click
 * finds the member gone and changes nothing. The removed member is told by DM when linked to a Slack user whose
 * account is active — the DM is queued with the removal (src/slack/deliveries/slack-notifier.ts) and sent by the delivery worker, so a
 * rate limit does not lose it. A deactivated account (recorded, or `users.info` → `deleted: true`) is never
 * messaged (its queued DM is skipped), and the Admin is told so.
 */
export async function memberRemove({ ack, action, context, respond }: ButtonArgs): Promise<void> {
  await ack();
  const ref = decodeMemberRef(action.value);
  if (!ref) throw new SlackInputError('This button is out of date. Run `/org members` again.');
  const actor = await context.actor();
  const departure = await context.services.members.remove(actor, { memberId: ref.memberId });
  context.log.info({ memberId: departure.member.id }, 'member removed');
  const gone = departure.member.slackUserId;
  const deactivated =
    gone !== null &&
    (departure.slackDeactivated || (await accountDeactivated(context.profiles, context.log, gone)));
  // The DM was queued with the removal, unless the account was known deactivated; found so only now, it is dropped.
  if (deactivated && departure.noticeId) {
    await context.services.deliveries.skip(departure.noticeId, 'skipped: the Slack account is deactivated');
  }
  await context.deliver();
  const notice = removedText(departure, deactivated);
  if (ref.page) await showMembersPage(context, respond, ref.page, notice);
  else await respond({ replace_original: true, ...plainMessage(notice) });
}
