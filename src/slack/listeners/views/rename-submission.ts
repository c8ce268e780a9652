import { RENAME_VIEW } from '../../blocks/rename-modal.js';
import { slackRefusal } from '../../error-texts.js';
import { replyPrivately } from '../../reply.js';
import { renamedMessage } from '../../shared/rename.js';
import { decodeViewMetadata } from '../../shared/view-metadata.js';
import type { ViewSubmissionArgs } from '../types.js';

/**
 * Submission of the rename modal. A refused name comes back as an inline error under the field
 * (`response_action: 'errors'`) and changes nothing; on success the modal closes and the admin is told where the
 * command was typed (its `response_url`), or by DM.
 */
export async function renameSubmission({
  ack,
  body,
  view,
  context,
  client,
}: ViewSubmissionArgs): Promise<void> {
  const value = view.state.values[RENAME_VIEW.blockId]?.[RENAME_VIEW.actionId]?.value ?? '';
  let result: { previous: string; name: string };
  try {
    result = await context.services.organizations.rename(await context.actor(), value);
  } catch (err) {
    const refused = slackRefusal(err);
    if (refused) {
      await ack({ response_action: 'errors', errors: { [RENAME_VIEW.blockId]: refused.text } });
      return;
    }
    throw err;
  }
  await ack();
  const { responseUrl } = decodeViewMetadata(view.private_metadata);
  await replyPrivately(client, { userId: body.user.id, responseUrl }, renamedMessage(result));
}
