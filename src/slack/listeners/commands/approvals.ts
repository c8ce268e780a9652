import { requireAdmin } from '../../../domain/access.js';
import { InvalidInputError } from '../../../domain/errors.js';
import { plainMessage } from '../../blocks/common.js';
import { argText } from '../../text.js';
import type { SubcommandHandler } from '../types.js';

const USAGE =
  'Usage: `/org approvals #channel`, or `/org approvals dm` to send requests to each admin by DM.';

/**
 * `/org approvals [#channel|dm]` (admins): where Members' invitation requests go. Without an argument, shows the
 * current setting. The bot must be in the channel to post there; until it is, requests fall back to DMs.
 */
export const approvals: SubcommandHandler = async ({ args, command, actor, reply }) => {
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
  if (extra) throw new InvalidInputError(`Give one channel. ${USAGE}`, 'channel');
  let channelId: string | null;
  if (arg.kind === 'channel') channelId = arg.id;
  else if (arg.kind === 'word' && ['dm', 'dms', 'off', 'none'].includes(arg.text.toLowerCase()))
    channelId = null;
  else if (arg.kind === 'word' && arg.text.startsWith('#')) {
    throw new InvalidInputError(
      `\`${arg.text}\` arrived as plain text. Pick the channel from Slack's autocomplete so it becomes a link. ${USAGE}`,
      'channel',
    );
  } else throw new InvalidInputError(`\`${argText(arg)}\` is not a channel. ${USAGE}`, 'channel');
  await args.context.services.invitations.setApprovalsChannel(actor, channelId);
  await reply(
    plainMessage(
      channelId
        ? `Invitation requests will go to <#${channelId}>. Make sure the bot is in that channel (\`/invite @AstroBee\`).`
        : 'Invitation requests will go to each admin by DM.',
    ),
  );
};
