import { requireMember } from '../../domain/access.js';
import type { SubcommandHandler } from '../shared/listener-types.js';
import { SlackInputError } from '../shared/slack-input-error.js';
import { whoamiMessage } from './member-messages.blocks.js';

/**
 * `/org whoami` (anyone): tells the caller privately their role (Admin or Member) in the workspace's organization,
 * and the organization's name and ID. A non-member is told so and how to get in, and a workspace with no
 * organization that `/org setup` is needed: `requireMember`'s refusals, worded by SLACK_ERROR_TEXTS.
 */
export const whoami: SubcommandHandler = async ({ command, actor, reply }) => {
  const { organization, member } = requireMember(actor);
  if (command.args.length > 0) {
    throw new SlackInputError(
      '`/org whoami` takes no arguments: it tells you who you are. To see the team and each role, use `/org members`.',
    );
  }
  await reply(whoamiMessage(organization, member.role));
};
