import type { ButtonArgs } from '../shared/listener-types.js';
import { leftMessage } from './member-messages.blocks.js';

/**
 * The Leave button of `/org leave`'s confirm step (after Slack's confirm dialog). The last Admin is refused in the
 * write's transaction; a second click finds the caller already gone (not a member) and changes nothing.
 */
export async function memberLeave({ ack, context, respond }: ButtonArgs): Promise<void> {
  await ack();
  const departure = await context.services.members.leave(await context.actor(), context.profiles);
  context.log.info({ memberId: departure.member.id }, 'member left');
  await respond({ replace_original: true, ...leftMessage(departure.organizationName) });
}
