import { requireAdmin } from '../../domain/access.js';
import type { ButtonArgs } from '../shared/listener-types.js';
import { escapeMrkdwn } from '../shared/text.js';
import { applyVerb, parseClientsPage } from './client-verbs.js';
import {
  CLIENT_ACTIONS,
  clientsMessage,
  createClientModal,
  deleteCancelledMessage,
} from './clients.blocks.js';
import { deliverRotatedSecret, encodeClientModalMetadata } from './secret-delivery.js';

/** The verb of a row button, from its action_id. */
const VERB_OF: Record<string, 'enable' | 'disable' | 'delete'> = {
  [CLIENT_ACTIONS.enable]: 'enable',
  [CLIENT_ACTIONS.disable]: 'disable',
  [CLIENT_ACTIONS.delete]: 'delete',
};

/**
 * Enable / Disable / Delete on a client row (and Delete in the confirm step of `/org clients delete`). The clicker's role is checked again on the server (a forged or stale
 * button grants nothing); the list is then replaced with its new state and a notice.
 */
export async function clientLifecycleButton({ ack, action, context, respond }: ButtonArgs): Promise<void> {
  await ack();
  const verb = VERB_OF[action.action_id];
  if (!verb) throw new Error(`unexpected action ${action.action_id}`);
  const actor = await context.actor();
  const notice = await applyVerb(context.services, actor, verb, action.value ?? '');
  const page = await context.services.clients.list(actor);
  await respond({ replace_original: true, ...clientsMessage(page, actor.organization?.name ?? '', notice) });
}

/** Cancel in the confirm step of `/org clients delete <client id>`: replaces the question; nothing changes. */
export async function clientCancelButton({ ack, respond }: ButtonArgs): Promise<void> {
  await ack();
  await respond({ replace_original: true, ...deleteCancelledMessage() });
}

/**
 * Rotate on a client row: the new secret goes to the clicker alone as a new ephemeral (the clicked message's
 * `response_url`), then the list is refreshed. If the secret cannot be delivered, the rotation is undone.
 */
export async function clientRotateButton({
  ack,
  action,
  body,
  client,
  context,
  respond,
}: ButtonArgs): Promise<void> {
  await ack();
  const actor = await context.actor();
  const issued = await context.services.clients.rotate(actor, action.value ?? '');
  const kept = await deliverRotatedSecret(
    { client, clients: context.services.clients, log: context.log },
    actor,
    { userId: body.user.id, responseUrl: body.response_url, channelId: body.channel?.id },
    issued,
  );
  if (!kept) return;
  const page = await context.services.clients.list(actor);
  await respond({
    replace_original: true,
    ...clientsMessage(
      page,
      actor.organization?.name ?? '',
      `:key: The secret of *${escapeMrkdwn(issued.client.name)}* was rotated; the new one is in the message below.`,
    ),
  });
}

/** "New client" under the list: opens the create-client modal (admins only). */
export async function clientCreateButton({ ack, body, client, context }: ButtonArgs): Promise<void> {
  await ack();
  requireAdmin(await context.actor(), 'create API clients');
  await client.views.open({
    trigger_id: body.trigger_id,
    view: createClientModal(
      encodeClientModalMetadata({
        ...(body.response_url ? { responseUrl: body.response_url } : {}),
        ...(body.channel?.id ? { channelId: body.channel.id } : {}),
      }),
    ),
  });
}

/** Previous / Next under the list. */
export async function clientPageButton({ ack, action, context, respond }: ButtonArgs): Promise<void> {
  await ack();
  const actor = await context.actor();
  const page = await context.services.clients.list(
    actor,
    parseClientsPage({ kind: 'word', text: action.value ?? '1' }),
  );
  await respond({ replace_original: true, ...clientsMessage(page, actor.organization?.name ?? '') });
}
