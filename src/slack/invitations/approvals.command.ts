import type { WebClient } from '@slack/web-api';
import { requireAdmin } from '../../domain/access.js';
import { slackErrorCode } from '../deliveries/slack-errors.js';
import { plainMessage } from '../shared/common.blocks.js';
import type { SubcommandHandler } from '../shared/listener-types.js';
import { SlackInputError } from '../shared/slack-input-error.js';
import { argText } from '../shared/text.js';

/** How the app is named in Slack (slack-manifest.yml `display_information.name`), for `/invite @…` hints. */
const APP_NAME = 'AstroBee Org';

/**
 * Checks that the app can post to a channel chosen for requests (`conversations.info`, which needs
 * `channels:read` / `groups:read`): it exists, is not archived, is a channel (not a DM), and the app is a member.
 * @throws SlackInputError (field `channel`) saying what to do; nothing is changed. The Web API's own errors
 *   (a 429 included) pass through.
 */
export async function checkApprovalsChannel(client: WebClient, channelId: string): Promise<void> {
  const inviteFirst = `Invite @${APP_NAME} to <#${channelId}> first (type \`/invite @${APP_NAME}\` in that channel), then run this again. Nothing was changed.`;
  let info: Awaited<ReturnType<WebClient['conversations']['info']>>;
  try {
    info = await client.conversations.info({ channel: channelId });
  } catch (err) {
    if (slackErrorCode(err) === 'channel_not_found') {
      throw new SlackInputError(
        `${APP_NAME} cannot see <#${channelId}>: it is a private channel the app is not in, or it no longer exists. ${inviteFirst}`,
        'channel',
      );
    }
    throw err;
  }
  const channel = info.channel;
  if (!channel || channel.is_im || channel.is_mpim) {
    throw new SlackInputError(`<#${channelId}> is not a channel. ${USAGE}`, 'channel');
  }
  if (channel.is_archived) {
    throw new SlackInputError(
      `<#${channelId}> is archived, so requests cannot be posted there. Choose another channel. Nothing was changed.`,
      'channel',
    );
  }
  if (!channel.is_member) throw new SlackInputError(inviteFirst, 'channel');
}

const USAGE =
  'Usage: `/org approvals #channel`, or `/org approvals dm` to send requests to each admin by DM.';

/**
 * `/org approvals [#channel|dm]` (admins): where Members' invitation requests go. Without an argument, shows the
 * current setting. A channel is checked first ({@link checkApprovalsChannel}): one the app cannot post to is refused
 * with what to do. Should posting there fail later, requests fall back to the Admins' DMs and the Admins are told
 * once (src/slack/deliveries).
 */
export const approvals: SubcommandHandler = async ({ args, command, actor, reply, acknowledge }) => {
  const { organization } = requireAdmin(actor, 'choose where invitation requests go');
  const [arg, extra] = command.args;
  if (!arg) {
    const current = organization.approvalsChannelId;
    await reply(
      plainMessage(
        current
          ? `Invitation requests go to <#${current}>. ${USAGE}`
          : `Invitation requests go to each admin by DM. ${USAGE}`,
      ),
    );
    return;
  }
  if (extra) throw new SlackInputError(`Give one channel. ${USAGE}`, 'channel');
  let channelId: string | null;
  if (arg.kind === 'channel') channelId = arg.id;
  else if (arg.kind === 'word' && ['dm', 'dms', 'off', 'none'].includes(arg.text.toLowerCase()))
    channelId = null;
  else if (arg.kind === 'word' && arg.text.startsWith('#')) {
    throw new SlackInputError(
      `\`${arg.text}\` arrived as plain text. Pick the channel from Slack's autocomplete so it becomes a link. ${USAGE}`,
      'channel',
    );
  } else throw new SlackInputError(`\`${argText(arg)}\` is not a channel. ${USAGE}`, 'channel');
  if (channelId) {
    // A Web API call follows: acknowledge first.
    await acknowledge();
    await checkApprovalsChannel(args.client, channelId);
  }
  await args.context.services.invitations.setApprovalsChannel(actor, channelId);
  await reply(
    plainMessage(
      channelId
        ? `Invitation requests will go to <#${channelId}>.`
        : 'Invitation requests will go to each admin by DM.',
    ),
  );
};
