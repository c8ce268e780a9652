import type { ButtonArgs } from '../shared/listener-types.js';
import { cancelledMessage } from './member-messages.blocks.js';

/** Cancel in the confirm step of `/org remove` or `/org leave`: replaces the question; nothing changes. */
export async function memberCancel({ ack, respond }: ButtonArgs): Promise<void> {
  await ack();
  await respond({ replace_original: true, ...cancelledMessage() });
}
