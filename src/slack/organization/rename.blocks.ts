import type { View } from '@slack/types';
import { MAX_ORGANIZATION_NAME_LENGTH } from '../../domain/validation.js';
import { modal, textInputBlock } from '../shared/common.blocks.js';

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
