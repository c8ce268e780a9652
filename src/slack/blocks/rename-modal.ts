import type { View } from '@slack/types';
import { MAX_ORGANIZATION_NAME_LENGTH } from '../../domain/validation.js';

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
  return {
    type: 'modal',
    callback_id: RENAME_VIEW.callbackId,
    title: { type: 'plain_text', text: 'Rename organization' },
    submit: { type: 'plain_text', text: 'Rename' },
    close: { type: 'plain_text', text: 'Cancel' },
    private_metadata: privateMetadata,
    blocks: [
      {
        type: 'input',
        block_id: RENAME_VIEW.blockId,
        label: { type: 'plain_text', text: 'Display name' },
        hint: { type: 'plain_text', text: 'The organization ID does not change.' },
        element: {
          type: 'plain_text_input',
          action_id: RENAME_VIEW.actionId,
          initial_value: currentName,
          max_length: MAX_ORGANIZATION_NAME_LENGTH,
        },
      },
    ],
  };
}
