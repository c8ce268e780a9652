import type { App } from '@slack/bolt';
import { RENAME_VIEW } from '../../blocks/rename-modal.js';
import type { OrgContext } from '../../context.js';
import { renameSubmission } from './rename-submission.js';

/** The modal callback ids this app handles. */
export const VIEW_CALLBACK_IDS = [RENAME_VIEW.callbackId];

export function register(app: App<OrgContext>): void {
  app.view({ callback_id: RENAME_VIEW.callbackId, type: 'view_submission' }, renameSubmission);
}
