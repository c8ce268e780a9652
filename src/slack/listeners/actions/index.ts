import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import { MEMBERS_PAGE_ACTION } from '../../blocks/members.js';
import type { OrgContext } from '../../context.js';
import { membersPage } from './members-page.js';

/** The action ids this app handles (checked against the blocks it builds). */
export const ACTION_IDS = [`${MEMBERS_PAGE_ACTION}_prev`, `${MEMBERS_PAGE_ACTION}_next`];

export function register(app: App<OrgContext>): void {
  for (const id of ACTION_IDS) app.action<BlockAction<ButtonAction>>(id, membersPage);
}
