import type { SubcommandHandler } from '../shared/listener-types.js';
import { SlackInputError } from '../shared/slack-input-error.js';
import { slackProfile } from '../shared/slack-profile.js';
import { recoverConfirmMessage } from './recovery.blocks.js';

/**
 * `/org recover` (a Slack workspace owner or admin of the organization's own workspace, while the organization has
 * no active Admin): the confirm step. The caller's `users.info` and the Admins' accounts are checked; nothing changes
 * here. The reply carries a button (with a Slack confirm dialog) whose click does it (recover.action.ts).
 */
export const recover: SubcommandHandler = async ({ args, command, actor, reply, acknowledge }) => {
  if (command.args.length > 0) {
    throw new SlackInputError('`/org recover` takes no arguments.', 'member');
  }
  const { client, body, context } = args;
  // users.info goes to Slack: acknowledge first, answer through the response_url.
  await acknowledge();
  const profile = await slackProfile(client, body.user_id);
  await context.services.members.checkRecover(actor, profile, context.profiles);
  await reply(recoverConfirmMessage(actor.organization?.name ?? ''));
};
