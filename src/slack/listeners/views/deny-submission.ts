import { z } from 'zod';
import { DENY_VIEW } from '../../blocks/approval.js';
import { LIMITS } from '../../blocks/common.js';
import { slackRefusal } from '../../error-texts.js';
import { postToResponseUrl } from '../../reply.js';
import { afterDecision } from '../actions/approval-decide.js';
import type { ViewSubmissionArgs } from '../types.js';

/** What the Deny modal carries in private_metadata: the request and where the click came from. Never a secret. */
const DenyMetadata = z.object({
  invitationId: z.string().min(1),
  source: z.enum(['message', 'ephemeral', 'home']),
  responseUrl: z.string().url().optional(),
});
export type DenyMetadata = z.infer<typeof DenyMetadata>;

/**
 * Encodes the Deny modal's metadata.
 * @throws Error past Slack's 3000-character limit
 */
export function encodeDenyMetadata(meta: DenyMetadata): string {
  const text = JSON.stringify(meta);
  if (text.length > LIMITS.privateMetadata) throw new Error('private_metadata over 3000 characters');
  return text;
}

/** Decodes the Deny modal's metadata; null when malformed. */
export function decodeDenyMetadata(text: string | undefined): DenyMetadata | null {
  try {
    const parsed = DenyMetadata.safeParse(JSON.parse(text ?? ''));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

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
