import { requireAdmin } from '../../domain/access.js';
import type { SubcommandHandler } from '../shared/listener-types.js';
import { encodeViewMetadata } from '../shared/view-metadata.js';
import { renamedMessage, renameModal } from './rename.blocks.js';

/**
 * `/org rename [name]` (admins): with a name, renames; without one, opens a modal prefilled with the current name.
 * The command's `response_url` rides in the modal's private_metadata so the result reaches the same conversation.
 */
export const rename: SubcommandHandler = async ({ args, command, actor, reply, acknowledge }) => {
  const { organization } = requireAdmin(actor, 'rename the organization');
  if (!command.rest) {
    await acknowledge();
    await args.client.views.open({
      trigger_id: args.body.trigger_id,
      view: renameModal(organization.name, encodeViewMetadata({ responseUrl: args.body.response_url })),
    });
    return;
  }
  const result = await args.context.services.organizations.rename(actor, command.rest);
  await reply(renamedMessage(result));
};
