import type { Overview } from '../../domain/organizations/organizations.service.js';
import type { SlackMessage } from '../shared/common.blocks.js';
import { truncate } from '../shared/common.blocks.js';
import { escapeMrkdwn } from '../shared/text.js';

const plural = (n: number) => (n === 1 ? '' : 's');

/** `/org overview`: name, organization ID and the three metrics. */
export function overviewMessage(overview: Overview): SlackMessage {
  const { organization: org, metrics } = overview;
  const name = escapeMrkdwn(org.name);
  return {
    text: `${name}: ${metrics.members} team member${plural(metrics.members)}, ${metrics.dataLayers} data layer${plural(metrics.dataLayers)}, ${metrics.dataSources} data source${plural(metrics.dataSources)}`,
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: truncate(org.name, 150), emoji: false } },
      {
        type: 'section',
        fields: [
          { type: 'mrkdwn', text: `*Name*\n${name}` },
          { type: 'mrkdwn', text: `*Organization ID*\n\`${org.id}\`` },
          {
            type: 'mrkdwn',
            text: `*Team members*\n${metrics.members} (${metrics.admins} admin${metrics.admins === 1 ? '' : 's'})`,
          },
          { type: 'mrkdwn', text: `*Data layers*\n${metrics.dataLayers}` },
          { type: 'mrkdwn', text: `*Data sources*\n${metrics.dataSources}` },
        ],
      },
      {
        type: 'context',
        elements: [{ type: 'mrkdwn', text: 'The organization ID never changes; integrations use it.' }],
      },
    ],
  };
}
