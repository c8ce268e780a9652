import type { IssuedSecret } from '../../domain/clients/clients.service.js';
import type { ViewSubmissionArgs } from '../shared/listener-types.js';
import { inputValue, submitOrShowErrors } from '../shared/view-submission.js';
import { checkedScopes } from './client-scopes.js';
import { CREATE_CLIENT_VIEW, SCOPES_INPUT } from './clients.blocks.js';
import { decodeClientModalMetadata, deliverNewClient } from './secret-delivery.js';

/**
 * Submission of the create-client modal (name and scopes). A refused name (empty, too long, taken) or no scope
 * ticked comes back as an inline error under the field and creates nothing. Otherwise the modal closes and the secret goes to the submitter alone: through the
 * `response_url` kept in private_metadata (the command's or the list's), else `chat.postEphemeral` in the channel it
 * came from, else ephemerally in the bot's DM; if none works the client is removed and the admin told.
 */
export async function clientCreateSubmission(args: ViewSubmissionArgs): Promise<void> {
  const { ack, body, view, context, client } = args;
  const value = inputValue(view, CREATE_CLIENT_VIEW);
  const actor = await context.actor();
  const outcome = await submitOrShowErrors(
    ack,
    () => context.services.clients.create(actor, value, checkedScopes(view)),
    (refused) =>
      refused.field === 'name'
        ? CREATE_CLIENT_VIEW.blockId
        : refused.field === 'scopes'
          ? SCOPES_INPUT.blockId
          : undefined,
  );
  if (!('done' in outcome)) return;
  const issued: IssuedSecret = outcome.done;
  const meta = decodeClientModalMetadata(view.private_metadata);
  await deliverNewClient(
    { client, clients: context.services.clients, log: context.log },
    actor,
    { userId: body.user.id, responseUrl: meta.responseUrl, channelId: meta.channelId },
    issued,
  );
}
