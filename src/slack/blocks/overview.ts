import type { Overview } from '../../domain/organizations/organizations.service.js';
import { escapeMrkdwn } from '../text.js';
import type { SlackMessage } from './common.js';

/** `/org overview`: name, organization ID and the three metrics. */
export function overviewMessage(overview: Overview): SlackMessage {
  const { organization: org, metrics } = overview;
  const name = escapeMrkdwn(org.name);
  return {
    text: `${org.name}: ${metrics.members} team members, ${metrics.dataLayers} data layers, ${metrics.dataSources} data sources`,
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: org.name.slice(0, 150), emoji: false } },
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
