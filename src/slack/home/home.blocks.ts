import type { KnownBlock, View } from '@slack/types';
import type { Invitation } from '../../domain/invitations/invitation.entity.js';
import type { Overview } from '../../domain/organizations/organizations.service.js';
import { FOREIGN_WORKSPACE_TEXT } from '../error-texts.js';
import { approvalButtons, requestLine } from '../invitations/approval.blocks.js';
import { button, LIMITS, section, truncate } from '../shared/common.blocks.js';
import { escapeMrkdwn } from '../shared/text.js';

/** action_ids of the Home tab's quick actions. */
export const HOME_ACTIONS = { invite: 'home_invite', rename: 'home_rename' } as const;

/** What the Home tab shows, by who is looking. */
export type HomeContent =
  | { kind: 'no_organization' }
  | { kind: 'foreign_workspace' }
  | { kind: 'non_member'; organizationName: string }
  | { kind: 'member'; overview: Overview }
  | { kind: 'admin'; overview: Overview; requests: Invitation[]; requestTotal: number };

function overviewBlocks(overview: Overview): KnownBlock[] {
  const { organization: org, metrics } = overview;
  return [
    {
      type: 'header',
      text: { type: 'plain_text', text: truncate(org.name, LIMITS.headerText), emoji: false },
    },
    {
      type: 'section',
      fields: [
        { type: 'mrkdwn', text: `*Organization ID*\n\`${org.id}\`` },
        {
          type: 'mrkdwn',
          text: `*Team members*\n${metrics.members} (${metrics.admins} admin${metrics.admins === 1 ? '' : 's'})`,
        },
        { type: 'mrkdwn', text: `*Data layers*\n${metrics.dataLayers}` },
        { type: 'mrkdwn', text: `*Data sources*\n${metrics.dataSources}` },
      ],
    },
  ];
}

/**
 * The App Home tab: the overview for everyone; for Admins also the requests waiting (each with Approve / Deny) and
 * buttons that open the invite and rename modals; Members get a button to request an invitation; non-members learn
 * how to get invited; a user of another Slack workspace is told the app serves only its own, and sees nothing of
 * the organization. Stays within 100 blocks (at most 10 requests, two blocks each).
 */
export function homeView(content: HomeContent): View {
  const blocks: KnownBlock[] = [];
  switch (content.kind) {
    case 'no_organization':
      blocks.push(
        section(
          '*AstroBee Org* manages your AstroBee organization from Slack. No organization is set up for this workspace yet: a Slack workspace admin or owner can create one with `/org setup <name>`.',
        ),
      );
      break;
    case 'foreign_workspace':
      blocks.push(section(`*AstroBee Org* — ${FOREIGN_WORKSPACE_TEXT}`));
      break;
    case 'non_member':
      blocks.push(
        section(
          `*AstroBee Org* — this workspace is *${escapeMrkdwn(content.organizationName)}* on AstroBee. ` +
            'You are not a member yet. Ask one of its admins to invite you (`/org invite <your email>`), or a member ' +
            'to request an invitation for you. The invitation arrives by email and here in Slack.',
        ),
      );
      break;
    case 'member':
      blocks.push(...overviewBlocks(content.overview));
      blocks.push({
        type: 'actions',
        block_id: 'home_actions',
        elements: [button(HOME_ACTIONS.invite, 'Request an invitation')],
      });
      blocks.push({
        type: 'context',
        elements: [{ type: 'mrkdwn', text: 'You are a Member. See `/org help`.' }],
      });
      break;
    case 'admin': {
      blocks.push(...overviewBlocks(content.overview));
      blocks.push({
        type: 'actions',
        block_id: 'home_actions',
        elements: [
          button(HOME_ACTIONS.invite, 'Invite someone', undefined, { style: 'primary' }),
          button(HOME_ACTIONS.rename, 'Rename'),
        ],
      });
      blocks.push({ type: 'divider' });
      if (content.requests.length === 0) {
        blocks.push(section('*Invitation requests*\nNone waiting.'));
      } else {
        blocks.push(section(`*Invitation requests* — ${content.requestTotal} waiting`));
        for (const inv of content.requests) blocks.push(section(requestLine(inv)), approvalButtons(inv));
        if (content.requestTotal > content.requests.length) {
          blocks.push(
            section(`…and ${content.requestTotal - content.requests.length} more in \`/org invites\`.`),
          );
        }
      }
      break;
    }
  }
  return { type: 'home', blocks };
}
