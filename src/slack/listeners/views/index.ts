import type { App } from '@slack/bolt';
import { DENY_VIEW } from '../../blocks/approval.js';
import { CREATE_CLIENT_VIEW } from '../../blocks/clients.js';
import { INVITE_VIEW } from '../../blocks/invite-modal.js';
import { RENAME_VIEW } from '../../blocks/rename-modal.js';
import type { OrgContext } from '../../context.js';
import { clientCreateSubmission } from './client-create-submission.js';
import { denySubmission } from './deny-submission.js';
import { inviteSubmission } from './invite-submission.js';
import { renameSubmission } from './rename-submission.js';

/** The modal callback ids this app handles. */
export const VIEW_CALLBACK_IDS = [
  RENAME_VIEW.callbackId,
  CREATE_CLIENT_VIEW.callbackId,
  INVITE_VIEW.callbackId,
  DENY_VIEW.callbackId,
];

export function register(app: App<OrgContext>): void {
  app.view({ callback_id: RENAME_VIEW.callbackId, type: 'view_submission' }, renameSubmission);
  app.view({ callback_id: CREATE_CLIENT_VIEW.callbackId, type: 'view_submission' }, clientCreateSubmission);
  app.view({ callback_id: INVITE_VIEW.callbackId, type: 'view_submission' }, inviteSubmission);
  app.view({ callback_id: DENY_VIEW.callbackId, type: 'view_submission' }, denySubmission);
}
