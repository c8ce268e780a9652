import type { KnownBlock } from '@slack/types';
import type { NudgeSetting } from '../../domain/nudges/mutes.js';
import { button, type SlackMessage, section } from '../shared/common.blocks.js';

/** action_ids of the buttons under `/org nudges`; each button's `value` is the kind of nudge it is about. */
export const NUDGE_MUTE_ACTIONS = {
  mute: 'nudges_mute',
  unmute: 'nudges_unmute',
} as const;

/**
 * The `/org nudges` message: every kind of nudge with its label, on or muted for the reader, and a Mute / Unmute
 * button each (Block Kit sections with a button accessory, one block per kind).
 * @param notice a line shown first (what the last change did), if any
 */
export function nudgeSettingsMessage(settings: readonly NudgeSetting[], notice?: string): SlackMessage {
  const blocks: KnownBlock[] = [];
  if (notice) blocks.push(section(notice));
  blocks.push(
    section(
      '*Your nudges.* The bot sends Admins a DM when something calls for an action. A kind you mute is muted for ' +
        'you alone: the other Admins still get it.',
    ),
  );
  for (const s of settings) {
    blocks.push({
      ...section(`*${s.label}* (\`${s.kind}\`)\n${s.muted ? ':no_bell: Muted' : ':bell: On'}`),
      block_id: `nudge_${s.kind}`,
      accessory: s.muted
        ? button(NUDGE_MUTE_ACTIONS.unmute, 'Unmute', s.kind)
        : button(NUDGE_MUTE_ACTIONS.mute, 'Mute', s.kind),
    });
  }
  blocks.push({
    type: 'context',
    elements: [{ type: 'mrkdwn', text: 'Or type `/org nudges mute <kind>` or `/org nudges unmute <kind>`.' }],
  });
  const summary = settings.map((s) => `${s.kind}: ${s.muted ? 'muted' : 'on'}`).join(', ');
  return { text: `${notice ? `${notice} ` : ''}Your nudges: ${summary}.`, blocks };
}

/** The line that says what a mute or unmute did (or that the kind already was so). */
export function muteNotice(change: { kind: string; muted: boolean; changed: boolean }): string {
  const state = change.muted ? 'muted' : 'on';
  if (!change.changed) return `\`${change.kind}\` nudges were already ${state} for you. Nothing was changed.`;
  return change.muted
    ? `:no_bell: \`${change.kind}\` nudges are now muted for you.`
    : `:bell: \`${change.kind}\` nudges are on again for you.`;
}
