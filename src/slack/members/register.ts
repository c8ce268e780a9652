import type { ListenerTables } from '../shared/dispatch.js';
import { leave } from './leave.command.js';
import { memberCancel } from './member-cancel.action.js';
import { memberLeave } from './member-leave.action.js';
import { memberRemove } from './member-remove.action.js';
import { memberRole } from './member-role.action.js';
import { MEMBER_ACTIONS, MEMBERS_PAGE_ACTION } from './members.blocks.js';
import { members, membersFromDirectory } from './members.command.js';
import { membersPage } from './members-page.action.js';
import { orgRecover } from './recover.action.js';
import { recover } from './recover.command.js';
import { RECOVER_ACTION } from './recovery.blocks.js';
import { remove } from './remove.command.js';
import { role } from './role.command.js';
import { userChange } from './user-change.event.js';
import { whoami } from './whoami.command.js';

/**
 * The team: `/org members` (from the team directory for linked members) and its pager and row controls, `/org role`,
 * `/org remove`, `/org leave` with their confirm steps, `/org recover`, `/org whoami`, and `user_change` (deactivated
 * accounts).
 */
export function register(tables: ListenerTables): void {
  tables.subcommand('members', {
    handler: members,
    fromDirectory: membersFromDirectory,
    help: [
      {
        usage: '/org members [page]',
        summary: 'The team, with each role (admins can change roles and remove members there)',
        audience: 'member',
      },
    ],
  });
  tables.button(`${MEMBERS_PAGE_ACTION}_prev`, membersPage);
  tables.button(`${MEMBERS_PAGE_ACTION}_next`, membersPage);
  tables.staticSelect(MEMBER_ACTIONS.role, memberRole);
  tables.button(MEMBER_ACTIONS.remove, memberRemove);
  tables.button(MEMBER_ACTIONS.leave, memberLeave);
  tables.button(MEMBER_ACTIONS.cancel, memberCancel);
  tables.subcommand('leave', {
    handler: leave,
    help: [{ usage: '/org leave', summary: 'Leave the organization (asks to confirm)', audience: 'member' }],
  });
  tables.subcommand('role', {
    handler: role,
    help: [
      {
        usage: '/org role <@user or email> <admin|member>',
        summary: "Change a member's role",
        audience: 'admin',
      },
    ],
  });
  tables.subcommand('remove', {
    handler: remove,
    help: [
      {
        usage: '/org remove <@user or email>',
        summary: 'Remove a member (asks to confirm; they are told by DM)',
        audience: 'admin',
      },
    ],
  });
  tables.subcommand('recover', {
    handler: recover,
    help: [
      {
        usage: '/org recover',
        summary:
          "Take the Admin role back when every Admin's Slack account is deactivated (Slack workspace owners and admins; asks to confirm, every member is told)",
        audience: 'recovery',
      },
    ],
  });
  tables.button(RECOVER_ACTION, orgRecover);
  tables.subcommand('whoami', {
    handler: whoami,
    help: [
      {
        usage: '/org whoami',
        summary: 'Your role in the organization, and its name and ID',
        audience: 'anyone',
      },
    ],
  });
  tables.event('user_change', userChange);
}
