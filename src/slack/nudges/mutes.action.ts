import { parseNudgeKind, setNudgeMuted } from '../../domain/nudges/mutes.js';
import type { ButtonArgs } from '../shared/listener-types.js';
import { muteNotice, NUDGE_MUTE_ACTIONS, nudgeSettingsMessage } from './mutes.blocks.js';

/**
 * Mute / Unmute under `/org nudges`: sets the kind named by the button's value to the state the button named, for
 * the clicker alone, and replaces the message with the updated list. The clicker's role is checked again in the
 * write's transaction: a click by someone who is no longer an Admin is refused like every admin button, and changes
 * nothing. Setting (rather than flipping) makes a second click of a stale button harmless.
 */
export async function nudgeMuteClick({ ack, action, context, respond }: ButtonArgs): Promise<void> {
  await ack();
  const kind = parseNudgeKind(action.value);
  const actor = await context.actor();
  const muted = action.action_id === NUDGE_MUTE_ACTIONS.mute;
  const change = await setNudgeMuted(context.em, context.clock, actor, kind, muted);
  await respond({ replace_original: true, ...nudgeSettingsMessage(change.settings, muteNotice(change)) });
}
