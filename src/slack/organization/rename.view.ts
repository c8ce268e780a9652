import type { ViewSubmissionArgs } from '../shared/listener-types.js';
import { replyPrivately } from '../shared/reply.js';
import { decodeViewMetadata } from '../shared/view-metadata.js';
import { inputValue, submitOrShowErrors } from '../shared/view-submission.js';
import { RENAME_VIEW, renamedMessage } from './rename.blocks.js';

/**
 * Submission of the rename modal. A refused name comes back as an inline error under the field
 * (`response_action: 'errors'`) and changes nothing; on success the modal closes and the admin is told where the
 * command was typed (its `response_url`), or by DM.
 */
export async function renameSubmission(args: ViewSubmissionArgs): Promise<void> {
  const { ack, body, view, context, client } = args;
  const value = inputValue(view, RENAME_VIEW);
  const outcome = await submitOrShowErrors(
    ack,
    async () => context.services.organizations.rename(await context.actor(), value),
    () => RENAME_VIEW.blockId,
  );
  if (!('done' in outcome)) return;
  const { responseUrl } = decodeViewMetadata(view.private_metadata);
  await replyPrivately(client, { userId: body.user.id, responseUrl }, renamedMessage(outcome.done));
}
