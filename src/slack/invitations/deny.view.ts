import { slackRefusal } from '../error-texts.js';
import type { ViewSubmissionArgs } from '../shared/listener-types.js';
import { postToResponseUrl } from '../shared/reply.js';
import { DENY_VIEW } from './approval.blocks.js';
import { afterDecision, decodeDenyMetadata } from './approval-decision.js';

/**
 * Submission of the Deny modal: denies the request (re-checking the clicker is an Admin and that it is still
 * open). A refusal ("already approved by …", a reason too long) shows under the reason field and changes nothing.
 */
export async function denySubmission({ ack, view, context }: ViewSubmissionArgs): Promise<void> {
  const meta = decodeDenyMetadata(view.private_metadata);
  if (!meta) {
    await ack({
      response_action: 'errors',
      errors: { [DENY_VIEW.reason.blockId]: 'This form is damaged; open it again.' },
    });
    return;
  }
  const reason = view.state.values[DENY_VIEW.reason.blockId]?.[DENY_VIEW.reason.actionId]?.value ?? '';
  const actor = await context.actor();
  let denied: Awaited<ReturnType<typeof context.services.invitations.deny>>;
  try {
    denied = await context.services.invitations.deny(actor, meta.invitationId, reason);
  } catch (err) {
    const refused = slackRefusal(err);
    if (refused) {
      await ack({ response_action: 'errors', errors: { [DENY_VIEW.reason.blockId]: refused.text } });
      return;
    }
    throw err;
  }
  await ack();
  context.log.info({ invitationId: denied.id }, 'invitation request denied');
  const { responseUrl } = meta;
  await afterDecision(context, {
    source: meta.source,
    actor,
    ...(responseUrl
      ? { replaceList: (m) => postToResponseUrl(responseUrl, m, { replaceOriginal: true }) }
      : {}),
  });
}
