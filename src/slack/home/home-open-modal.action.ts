import { requireAdmin, requireMember } from '../../domain/access.js';
import { inviteModal } from '../invitations/invite-modal.blocks.js';
import { renameModal } from '../organization/rename.blocks.js';
import type { ButtonArgs } from '../shared/listener-types.js';
import { encodeViewMetadata } from '../shared/view-metadata.js';

/**
 * The Home tab's quick actions: "Invite someone" / "Request an invitation" opens the invite modal, "Rename" (admins)
 * the rename modal, each with `views.open` and the click's `trigger_id`. Roles are re-checked here.
 */
export async function homeOpenModal(args: ButtonArgs): Promise<void> {
  await args.ack();
  const { action, body, client, context } = args;
  const actor = await context.actor();
  if (action.action_id === 'home_rename') {
    const { organization } = requireAdmin(actor, 'rename the organization');
    await client.views.open({
      trigger_id: body.trigger_id,
      view: renameModal(organization.name, encodeViewMetadata({})),
    });
    return;
  }
  const me = requireMember(actor);
  await client.views.open({
    trigger_id: body.trigger_id,
    view: inviteModal(me.member.role === 'admin', encodeViewMetadata({})),
  });
}
