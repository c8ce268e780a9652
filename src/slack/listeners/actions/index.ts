import type { AllMiddlewareArgs, App, BlockAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { APPROVAL_ACTIONS } from '../../invitations/approval.blocks.js';
import { AUDIT_PAGE_ACTION } from '../../organization/audit.blocks.js';
import { CLIENT_ACTIONS } from '../../clients/clients.blocks.js';
import { HOME_ACTIONS } from '../../home/home.blocks.js';
import { INVITATION_ACTIONS } from '../../invitations/invitation.blocks.js';
import { MEMBER_ACTIONS, MEMBERS_PAGE_ACTION } from '../../members/members.blocks.js';
import { RECOVER_ACTION } from '../../members/recovery.blocks.js';
import type { OrgContext } from '../../context.js';
import { auditPage } from '../../organization/audit.command.js';
import { exactIdPattern, handlerFor } from '../../shared/dispatch.js';
import type { ButtonArgs } from '../../shared/listener-types.js';
import { approvalApprove, approvalDeny } from '../../invitations/approval-decide.action.js';
import {
  clientCreateButton,
  clientLifecycleButton,
  clientPageButton,
  clientRotateButton,
} from '../../clients/client-buttons.action.js';
import { homeOpenModal } from '../../home/home-open-modal.action.js';
import { invitationManage } from '../../invitations/invitation-manage.action.js';
import { invitationRespond } from '../../invitations/invitation-respond.action.js';
import { memberCancel } from '../../members/member-cancel.action.js';
import { memberLeave } from '../../members/member-leave.action.js';
import { memberRemove } from '../../members/member-remove.action.js';
import { memberRole, type StaticSelectArgs } from '../../members/member-role.action.js';
import { membersPage } from '../../members/members-page.action.js';
import { orgRecover } from '../../members/recover.action.js';

/** Bolt's arguments to an action listener of any element type, with our context. */
type ActionArgs = SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs<OrgContext>;

/** Adapts a button's listener to the table's type (the action_id says the element is a button). */
function onButton(listener: (args: ButtonArgs) => Promise<void>): (args: ActionArgs) => Promise<void> {
  return (args) => listener(args as ButtonArgs);
}

/** Adapts a static select's listener to the table's type. */
function onSelect(listener: (args: StaticSelectArgs) => Promise<void>): (args: ActionArgs) => Promise<void> {
  return (args) => listener(args as StaticSelectArgs);
}

/** The listener of each action id this app handles (checked against the blocks it builds). */
export const ACTION_LISTENERS: Readonly<Record<string, (args: ActionArgs) => Promise<void>>> = {
  [`${MEMBERS_PAGE_ACTION}_prev`]: onButton(membersPage),
  [`${MEMBERS_PAGE_ACTION}_next`]: onButton(membersPage),
  [MEMBER_ACTIONS.role]: onSelect(memberRole),
  [MEMBER_ACTIONS.remove]: onButton(memberRemove),
  [MEMBER_ACTIONS.leave]: onButton(memberLeave),
  [MEMBER_ACTIONS.cancel]: onButton(memberCancel),
  [RECOVER_ACTION]: onButton(orgRecover),
  [`${AUDIT_PAGE_ACTION}_prev`]: onButton(auditPage),
  [`${AUDIT_PAGE_ACTION}_next`]: onButton(auditPage),
  [CLIENT_ACTIONS.enable]: onButton(clientLifecycleButton),
  [CLIENT_ACTIONS.disable]: onButton(clientLifecycleButton),
  [CLIENT_ACTIONS.delete]: onButton(clientLifecycleButton),
  [CLIENT_ACTIONS.rotate]: onButton(clientRotateButton),
  [CLIENT_ACTIONS.create]: onButton(clientCreateButton),
  [`${CLIENT_ACTIONS.page}_prev`]: onButton(clientPageButton),
  [`${CLIENT_ACTIONS.page}_next`]: onButton(clientPageButton),
  [APPROVAL_ACTIONS.approve]: onButton(approvalApprove),
  [APPROVAL_ACTIONS.deny]: onButton(approvalDeny),
  [INVITATION_ACTIONS.accept]: onButton(invitationRespond),
  [INVITATION_ACTIONS.decline]: onButton(invitationRespond),
  [INVITATION_ACTIONS.resend]: onButton(invitationManage),
  [INVITATION_ACTIONS.revoke]: onButton(invitationManage),
  [HOME_ACTIONS.invite]: onButton(homeOpenModal),
  [HOME_ACTIONS.rename]: onButton(homeOpenModal),
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
