import { requireAdmin } from '../../domain/access.js';
import { plainMessage } from '../shared/common.blocks.js';
import type { ButtonArgs } from '../shared/listener-types.js';
import { dismissedText } from './nudges.blocks.js';

/**
 * "Nothing to do" / "Keep" on a nudge DM: changes nothing, and replaces the DM with a short "OK" (the fact is not
 * nudged again: its `nudges` row stays). The clicker must still be an Admin (a forged or stale button is refused
 * like any other Admin button).
 */
export async function nudgeDismiss({ ack, action, context, respond }: ButtonArgs): Promise<void> {
  await ack();
  requireAdmin(await context.actor(), 'manage API clients');
  await respond({ replace_original: true, ...plainMessage(dismissedText(action.value)) });
}
