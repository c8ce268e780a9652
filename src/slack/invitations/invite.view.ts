import { requireMember } from '../../domain/access.js';
import type { Role } from '../../domain/members/member.entity.js';
import type { ViewSubmissionArgs } from '../shared/listener-types.js';
import { replyPrivately } from '../shared/reply.js';
import { decodeViewMetadata } from '../shared/view-metadata.js';
import { inputValue, submitOrShowErrors } from '../shared/view-submission.js';
import { INVITE_VIEW } from './invite-modal.blocks.js';
import { afterInvite } from './invite-reply.js';

/** The input block an error belongs under: the one its `field` names, else the email. */
function blockFor(field: string | undefined): string {
  if (field === 'role') return INVITE_VIEW.role.blockId;
  if (field === 'reason') return INVITE_VIEW.reason.blockId;
  if (field === 'note') return INVITE_VIEW.note.blockId;
  return INVITE_VIEW.email.blockId;
}

/**
 * Submission of the invite modal. A refusal (bad email, already a member, already pending, over the daily cap)
 * shows under its field and changes nothing; on success the modal closes and the person who invited is told where
 * the command was typed (its `response_url`), or by DM.
 */
export async function inviteSubmission(args: ViewSubmissionArgs): Promise<void> {
  const { ack, body, view, context, client } = args;
  const values = view.state.values;
  const email = inputValue(view, INVITE_VIEW.email);
  const roleValue = values[INVITE_VIEW.role.blockId]?.[INVITE_VIEW.role.actionId]?.selected_option?.value;
  const role: Role | undefined = roleValue === 'admin' || roleValue === 'member' ? roleValue : undefined;
  const reason = inputValue(view, INVITE_VIEW.reason);
  const note = inputValue(view, INVITE_VIEW.note);
  const actor = await context.actor();
  const outcome = await submitOrShowErrors(
    ack,
    () => context.services.invitations.invite(actor, { email, ...(role ? { role } : {}), reason, note }),
    (refused) => {
      const block = blockFor(refused.field);
      return view.blocks.some((b) => b.block_id === block) ? block : INVITE_VIEW.email.blockId;
    },
  );
  if (!('done' in outcome)) return;
  const result = outcome.done;
  context.log.info({ invitationId: result.invitation.id, outcome: result.outcome }, 'invitation created');
  await context.deliver();
  const reply = afterInvite(result.outcome, result.invitation, requireMember(actor).organization);
  const { responseUrl } = decodeViewMetadata(view.private_metadata);
  await replyPrivately(client, { userId: body.user.id, responseUrl }, reply);
}
