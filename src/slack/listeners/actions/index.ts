import type {
  AllMiddlewareArgs,
  App,
  BlockAction,
  BlockElementAction,
  ButtonAction,
  SlackActionMiddlewareArgs,
  StaticSelectAction,
} from '@slack/bolt';
import { APPROVAL_ACTIONS } from '../../blocks/approval.js';
import { AUDIT_PAGE_ACTION } from '../../blocks/audit.js';
import { CLIENT_ACTIONS } from '../../blocks/clients.js';
import { HOME_ACTIONS } from '../../blocks/home.js';
import { INVITATION_ACTIONS } from '../../blocks/invitation.js';
import { MEMBER_ACTIONS, MEMBERS_PAGE_ACTION } from '../../blocks/members.js';
import type { OrgContext } from '../../context.js';
import { auditPage } from '../commands/audit.js';
import { exactIdPattern, handlerFor } from '../dispatch.js';
import { approvalApprove, approvalDeny } from './approval-decide.js';
import {
  clientCreateButton,
  clientLifecycleButton,
  clientPageButton,
  clientRotateButton,
} from './client-buttons.js';
import { homeOpenModal } from './home-open-modal.js';
import { invitationManage } from './invitation-manage.js';
import { invitationRespond } from './invitation-respond.js';
import { memberCancel } from './member-cancel.js';
import { memberLeave } from './member-leave.js';
import { memberRemove } from './member-remove.js';
import { memberRole } from './member-role.js';
import { membersPage } from './members-page.js';

/** Bolt's arguments to an action listener of any element type, with our context. */
type ActionArgs = SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs<OrgContext>;

/** Narrows a listener of one element type to the table's type (the action_id decides the element type). */
function on<A extends BlockElementAction>(
  listener: (
    args: SlackActionMiddlewareArgs<BlockAction<A>> & AllMiddlewareArgs<OrgContext>,
  ) => Promise<void>,
): (args: ActionArgs) => Promise<void> {
  return listener as unknown as (args: ActionArgs) => Promise<void>;
}

/** The listener of each action id this app handles (checked against the blocks it builds). */
export const ACTION_LISTENERS: Readonly<Record<string, (args: ActionArgs) => Promise<void>>> = {
  [`${MEMBERS_PAGE_ACTION}_prev`]: on<ButtonAction>(membersPage),
  [`${MEMBERS_PAGE_ACTION}_next`]: on<ButtonAction>(membersPage),
  [MEMBER_ACTIONS.role]: on<StaticSelectAction>(memberRole),
  [MEMBER_ACTIONS.remove]: on<ButtonAction>(memberRemove),
  [MEMBER_ACTIONS.leave]: on<ButtonAction>(memberLeave),
  [MEMBER_ACTIONS.cancel]: on<ButtonAction>(memberCancel),
  [`${AUDIT_PAGE_ACTION}_prev`]: on<ButtonAction>(auditPage),
  [`${AUDIT_PAGE_ACTION}_next`]: on<ButtonAction>(auditPage),
  [CLIENT_ACTIONS.enable]: on<ButtonAction>(clientLifecycleButton),
  [CLIENT_ACTIONS.disable]: on<ButtonAction>(clientLifecycleButton),
  [CLIENT_ACTIONS.delete]: on<ButtonAction>(clientLifecycleButton),
  [CLIENT_ACTIONS.rotate]: on<ButtonAction>(clientRotateButton),
  [CLIENT_ACTIONS.create]: on<ButtonAction>(clientCreateButton),
  [`${CLIENT_ACTIONS.page}_prev`]: on<ButtonAction>(clientPageButton),
  [`${CLIENT_ACTIONS.page}_next`]: on<ButtonAction>(clientPageButton),
  [APPROVAL_ACTIONS.approve]: on<ButtonAction>(approvalApprove),
  [APPROVAL_ACTIONS.deny]: on<ButtonAction>(approvalDeny),
  [INVITATION_ACTIONS.accept]: on<ButtonAction>(invitationRespond),
  [INVITATION_ACTIONS.decline]: on<ButtonAction>(invitationRespond),
  [INVITATION_ACTIONS.resend]: on<ButtonAction>(invitationManage),
  [INVITATION_ACTIONS.revoke]: on<ButtonAction>(invitationManage),
  [HOME_ACTIONS.invite]: on<ButtonAction>(homeOpenModal),
  [HOME_ACTIONS.rename]: on<ButtonAction>(homeOpenModal),
};

/** The action ids this app handles. */
export const ACTION_IDS = Object.keys(ACTION_LISTENERS);

/**
 * One `block_actions` listener for every id of {@link ACTION_LISTENERS} (see ../dispatch.ts for why one).
 */
export function register(app: App<OrgContext>): void {
  app.action<BlockAction>({ type: 'block_actions', action_id: exactIdPattern(ACTION_IDS) }, async (args) => {
    await handlerFor(ACTION_LISTENERS, args.action.action_id)?.(args);
  });
}
