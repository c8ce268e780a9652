import type { App, BlockAction, ButtonAction, StaticSelectAction } from '@slack/bolt';
import { APPROVAL_ACTIONS } from '../../blocks/approval.js';
import { AUDIT_PAGE_ACTION } from '../../blocks/audit.js';
import { CLIENT_ACTIONS } from '../../blocks/clients.js';
import { HOME_ACTIONS } from '../../blocks/home.js';
import { INVITATION_ACTIONS } from '../../blocks/invitation.js';
import { MEMBER_ACTIONS, MEMBERS_PAGE_ACTION } from '../../blocks/members.js';
import type { OrgContext } from '../../context.js';
import { auditPage } from '../commands/audit.js';
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

/** The action ids this app handles (checked against the blocks it builds). */
export const ACTION_IDS = [
  `${MEMBERS_PAGE_ACTION}_prev`,
  `${MEMBERS_PAGE_ACTION}_next`,
  ...Object.values(MEMBER_ACTIONS),
  `${AUDIT_PAGE_ACTION}_prev`,
  `${AUDIT_PAGE_ACTION}_next`,
  CLIENT_ACTIONS.enable,
  CLIENT_ACTIONS.disable,
  CLIENT_ACTIONS.rotate,
  CLIENT_ACTIONS.delete,
  CLIENT_ACTIONS.create,
  `${CLIENT_ACTIONS.page}_prev`,
  `${CLIENT_ACTIONS.page}_next`,
  ...Object.values(APPROVAL_ACTIONS),
  ...Object.values(INVITATION_ACTIONS),
  ...Object.values(HOME_ACTIONS),
];

export function register(app: App<OrgContext>): void {
  for (const id of [`${MEMBERS_PAGE_ACTION}_prev`, `${MEMBERS_PAGE_ACTION}_next`]) {
    app.action<BlockAction<ButtonAction>>(id, membersPage);
  }
  app.action<BlockAction<StaticSelectAction>>(MEMBER_ACTIONS.role, memberRole);
  app.action<BlockAction<ButtonAction>>(MEMBER_ACTIONS.remove, memberRemove);
  app.action<BlockAction<ButtonAction>>(MEMBER_ACTIONS.leave, memberLeave);
  app.action<BlockAction<ButtonAction>>(MEMBER_ACTIONS.cancel, memberCancel);
  for (const id of [`${AUDIT_PAGE_ACTION}_prev`, `${AUDIT_PAGE_ACTION}_next`]) {
    app.action<BlockAction<ButtonAction>>(id, auditPage);
  }
  for (const id of [CLIENT_ACTIONS.enable, CLIENT_ACTIONS.disable, CLIENT_ACTIONS.delete]) {
    app.action<BlockAction<ButtonAction>>(id, clientLifecycleButton);
  }
  app.action<BlockAction<ButtonAction>>(CLIENT_ACTIONS.rotate, clientRotateButton);
  app.action<BlockAction<ButtonAction>>(CLIENT_ACTIONS.create, clientCreateButton);
  for (const id of [`${CLIENT_ACTIONS.page}_prev`, `${CLIENT_ACTIONS.page}_next`]) {
    app.action<BlockAction<ButtonAction>>(id, clientPageButton);
  }
  app.action<BlockAction<ButtonAction>>(APPROVAL_ACTIONS.approve, approvalApprove);
  app.action<BlockAction<ButtonAction>>(APPROVAL_ACTIONS.deny, approvalDeny);
  app.action<BlockAction<ButtonAction>>(INVITATION_ACTIONS.accept, invitationRespond);
  app.action<BlockAction<ButtonAction>>(INVITATION_ACTIONS.decline, invitationRespond);
  app.action<BlockAction<ButtonAction>>(INVITATION_ACTIONS.resend, invitationManage);
  app.action<BlockAction<ButtonAction>>(INVITATION_ACTIONS.revoke, invitationManage);
  app.action<BlockAction<ButtonAction>>(HOME_ACTIONS.invite, homeOpenModal);
  app.action<BlockAction<ButtonAction>>(HOME_ACTIONS.rename, homeOpenModal);
}
