import type { KnownBlock } from '@slack/types';
import type { Role } from '../../domain/members/member.entity.js';
import { FOREIGN_WORKSPACE_TEXT } from '../error-texts.js';
import { escapeMrkdwn } from './text.js';
import { type SlackMessage, section } from './common.blocks.js';

/**
 * Who is reading the help: a member's role, a non-member of a bound workspace, a workspace with no organization,
 * or a user of another Slack workspace (a Slack Connect partner), who is shown nothing of the organization.
 */
export type HelpAudience = Role | 'non_member' | 'no_organization' | 'foreign_workspace';

/** One line of help: the command and what it does. */
export interface CommandHelp {
  usage: string;
  summary: string;
  /** `recovery`: shown to everyone in a bound workspace (any workspace owner or admin may need it). */
  audience: 'anyone' | 'member' | 'admin' | 'setup' | 'recovery';
}

/** The commands this build serves, in the order help lists them. */
export const COMMANDS: CommandHelp[] = [
  { usage: '/org help', summary: 'Show this help', audience: 'anyone' },
  { usage: '/org setup [name]', summary: 'Create the organization for this workspace', audience: 'setup' },
  {
    usage: '/org overview',
    summary: 'Name, organization ID, team members, data layers, data sources',
    audience: 'member',
  },
  {
    usage: '/org members [page]',
    summary: 'The team, with each role (admins can change roles and remove members there)',
    audience: 'member',
  },
  {
    usage: '/org rename [name]',
    summary: 'Change the display name (a form opens without a name)',
    audience: 'admin',
  },
  { usage: '/org leave', summary: 'Leave the organization (asks to confirm)', audience: 'member' },
  {
    usage: '/org role <@user or email> <admin|member>',
    summary: "Change a member's role",
    audience: 'admin',
  },
  {
    usage: '/org remove <@user or email>',
    summary: 'Remove a member (asks to confirm; they are told by DM)',
    audience: 'admin',
  },
  { usage: '/org audit [page]', summary: 'The audit log, newest first', audience: 'admin' },
  {
    usage: '/org invite [email or @user] [admin|member] [note or reason]',
    summary:
      "Invite someone (an admin's invitation is sent, with the text after the role as a note for the invitee; a member's goes to the admins for approval, the text as its reason; a form opens without arguments)",
    audience: 'member',
  },
  {
    usage: '/org invites',
    summary: 'Open invitations and requests, with their mail delivery: approve, deny, resend, revoke',
    audience: 'admin',
  },
  {
    usage: '/org approvals [#channel|dm]',
    summary: 'Where invitation requests go (default: a DM to each admin)',
    audience: 'admin',
  },
  {
    usage: '/org clients [page]',
    summary: 'The OAuth API clients: status, created, last used; enable, disable, rotate, delete',
    audience: 'admin',
  },
  {
    usage: '/org clients create [name]',
    summary: 'New API client; its secret is shown to you alone, once (a form opens without a name)',
    audience: 'admin',
  },
  {
    usage: '/org clients <enable|disable|rotate|delete> <client id>',
    summary: 'Change a client, as the buttons do',
    audience: 'admin',
  },
  {
    usage: '/org recover',
    summary:
      "Take the Admin role back when every Admin's Slack account is deactivated (Slack workspace owners and admins; asks to confirm, every member is told)",
    audience: 'recovery',
  },
];

/** Names of the subcommands, for "did you mean". */
export const SUBCOMMANDS = [
  'help',
  'setup',
  'overview',
  'members',
  'rename',
  'role',
  'remove',
  'leave',
  'audit',
  'invite',
  'invites',
  'approvals',
  'clients',
  'recover',
];

function visible(audience: HelpAudience, c: CommandHelp): boolean {
  switch (audience) {
    case 'admin':
      return c.audience !== 'setup';
    case 'non_member':
      return c.audience === 'anyone' || c.audience === 'recovery';
    case 'member':
      return c.audience === 'anyone' || c.audience === 'member' || c.audience === 'recovery';
    case 'no_organization':
      return c.audience === 'anyone' || c.audience === 'setup';
    case 'foreign_workspace':
      return false;
  }
}

/**
 * Help for the caller's role. A user of another workspace gets one line saying the app serves only its own
 * workspace, and no commands.
 * @param organizationName shown to members and non-members (never to a user of another workspace); absent before
 *   setup
 * @param intro a line above the list (an "unknown command" notice, say)
 */
export function helpMessage(audience: HelpAudience, organizationName?: string, intro?: string): SlackMessage {
  const lines = COMMANDS.filter((c) => visible(audience, c)).map((c) => `\`${c.usage}\` — ${c.summary}`);
  const blocks: KnownBlock[] = [];
  if (intro) blocks.push(section(intro));
  if (audience === 'foreign_workspace') {
    blocks.push(section(`*AstroBee Org* — ${FOREIGN_WORKSPACE_TEXT}`));
    return { text: intro ?? 'AstroBee Org help', blocks };
  }
  const heading =
    audience === 'no_organization'
      ? '*AstroBee Org* manages your AstroBee organization from Slack. No organization is set up for this workspace yet: a Slack workspace admin or owner can create one with `/org setup <name>`.'
      : audience === 'non_member'
        ? `*AstroBee Org* — this workspace is *${escapeMrkdwn(organizationName ?? '')}* on AstroBee. You are not a member yet: ask an admin to invite you.`
        : `*AstroBee Org* — *${escapeMrkdwn(organizationName ?? '')}* (${audience === 'admin' ? 'you are an Admin' : 'you are a Member'})`;
  blocks.push(section(heading));
  blocks.push(section(lines.join('\n')));
  return { text: intro ?? 'AstroBee Org help', blocks };
}
