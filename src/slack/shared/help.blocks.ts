import type { KnownBlock } from '@slack/types';
import type { Actor } from '../../domain/actor.js';
import type { Role } from '../../domain/members/member.entity.js';
import { FOREIGN_WORKSPACE_TEXT } from '../error-texts.js';
import { type SlackMessage, section } from './common.blocks.js';
import { escapeMrkdwn } from './text.js';

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

/** The router's own line: `/org` and `/org help` are answered by the `/org` router (shared/org-command.ts). */
export const HELP_COMMAND: CommandHelp = {
  usage: '/org help',
  summary: 'Show this help',
  audience: 'anyone',
};

/** Whom help is written for, from the caller's standing (a user of another workspace is told only that). */
export function audienceOf(actor: Actor): HelpAudience {
  if (!actor.organization) return 'no_organization';
  if (actor.foreignWorkspace) return 'foreign_workspace';
  if (!actor.member) return 'non_member';
  return actor.member.role;
}

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
 * @param commands every help line, in the order help lists them (the features' registrations, src/slack/register.ts)
 * @param organizationName shown to members and non-members (never to a user of another workspace); absent before
 *   setup
 * @param intro a line above the list (an "unknown command" notice, say)
 */
export function helpMessage(
  commands: readonly CommandHelp[],
  audience: HelpAudience,
  organizationName?: string,
  intro?: string,
): SlackMessage {
  const lines = commands.filter((c) => visible(audience, c)).map((c) => `\`${c.usage}\` — ${c.summary}`);
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
