import type { View } from '@slack/types';
import { MAX_ORGANIZATION_NAME_LENGTH } from '../../domain/validation.js';
import { modal, plainMessage, type SlackMessage, textInputBlock } from '../shared/common.blocks.js';
import { escapeMrkdwn } from '../shared/text.js';

/** callback_id of the rename modal; its input block and action ids. */
export const RENAME_VIEW = {
  callbackId: 'rename_organization',
  blockId: 'name',
  actionId: 'name_input',
} as const;

/**
 * The rename modal, prefilled with the current name.
 * @param privateMetadata opaque string carried back on submission (at most 3000 characters)
 */
export function renameModal(currentName: string, privateMetadata: string): View {
  return modal({
    callbackId: RENAME_VIEW.callbackId,
    title: 'Rename organization',
    submit: 'Rename',
    privateMetadata,
    blocks: [
      textInputBlock(RENAME_VIEW, 'Display name', {
        hint: 'The organization ID does not change.',
        initialValue: currentName,
        maxLength: MAX_ORGANIZATION_NAME_LENGTH,
      }),
    ],
  });
}

/** The confirmation after a rename (by `/org rename <name>` or the rename modal). */
export function renamedMessage(result: { previous: string; name: string }): SlackMessage {
  return plainMessage(
    result.previous === result.name
      ? `The organization is already called *${escapeMrkdwn(result.name)}*.`
      : `Renamed *${escapeMrkdwn(result.previous)}* to *${escapeMrkdwn(result.name)}*. The organization ID is unchanged.`,
  );
}
