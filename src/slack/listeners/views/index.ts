import type { App, ViewSubmitAction } from '@slack/bolt';
import { DENY_VIEW } from '../../invitations/approval.blocks.js';
import { CREATE_CLIENT_VIEW } from '../../clients/clients.blocks.js';
import { INVITE_VIEW } from '../../invitations/invite-modal.blocks.js';
import { RENAME_VIEW } from '../../organization/rename.blocks.js';
import type { OrgContext } from '../../context.js';
import { exactIdPattern, handlerFor } from '../../shared/dispatch.js';
import type { ViewSubmissionArgs } from '../../shared/listener-types.js';
import { clientCreateSubmission } from '../../clients/client-create.view.js';
import { denySubmission } from '../../invitations/deny.view.js';
import { inviteSubmission } from '../../invitations/invite.view.js';
import { renameSubmission } from '../../organization/rename.view.js';

/** The view_submission listener of each modal callback id this app handles. */
export const VIEW_LISTENERS: Readonly<Record<string, (args: ViewSubmissionArgs) => Promise<void>>> = {
  [RENAME_VIEW.callbackId]: renameSubmission,
  [CREATE_CLIENT_VIEW.callbackId]: clientCreateSubmission,
  [INVITE_VIEW.callbackId]: inviteSubmission,
  [DENY_VIEW.callbackId]: denySubmission,
};

/** The modal callback ids this app handles. */
export const VIEW_CALLBACK_IDS = Object.keys(VIEW_LISTENERS);

/** One `view_submission` listener for every callback id of {@link VIEW_LISTENERS} (see ../dispatch.ts). */
export function register(app: App<OrgContext>): void {
  app.view<ViewSubmitAction>(
    { type: 'view_submission', callback_id: exactIdPattern(VIEW_CALLBACK_IDS) },
    async (args) => {
      await handlerFor(VIEW_LISTENERS, args.view.callback_id)?.(args);
    },
  );
}
