import { requireAdmin } from '../../../domain/access.js';
import type { Actor } from '../../../domain/actor.js';
import { InvalidInputError } from '../../../domain/errors.js';
import type { Services } from '../../../domain/services.js';
import { clientsMessage, createClientModal } from '../../blocks/clients.js';
import { plainMessage } from '../../blocks/common.js';
import { withPageNotice } from '../../blocks/paging.js';
import {
  deliverNewClient,
  deliverRotatedSecret,
  encodeClientModalMetadata,
} from '../../shared/clients-delivery.js';
import { argText, type SlackArg } from '../../text.js';
import type { SubcommandHandler } from '../types.js';

/** The lifecycle verbs of `/org clients <verb> <client id>` and of the row buttons. */
export type ClientVerb = 'enable' | 'disable' | 'rotate' | 'delete';
const VERBS: readonly ClientVerb[] = ['enable', 'disable', 'rotate', 'delete'];

/**
 * Reads an optional page number of `/org clients [page]` or of the pager buttons.
 * @throws InvalidInputError for anything but a positive whole number
 */
export function parseClientsPage(arg: SlackArg | undefined): number {
  if (!arg) return 1;
  if (arg.kind === 'word' && /^[1-9]\d{0,5}$/.test(arg.text)) return Number(arg.text);
  throw new InvalidInputError('The page must be a positive whole number, as in `/org clients 2`.', 'page');
}

const USAGE =
  '`/org clients` lists the API clients; `/org clients create [name]` creates one; ' +
  '`/org clients enable|disable|rotate|delete <client id>` changes one.';

/**
 * Runs enable, disable or delete and says what happened (rotation is separate: it has a secret to deliver).
 * @returns the notice to show above the list
 */
export async function applyVerb(
  services: Services,
  actor: Actor,
  verb: Exclude<ClientVerb, 'rotate'>,
  clientId: string,
): Promise<string> {
  switch (verb) {
    case 'enable': {
      const r = await services.clients.enable(actor, clientId);
      return r.changed
        ? `:white_check_mark: *${r.client.name}* is enabled. It can get new tokens; tokens issued before it was disabled stay revoked.`
        : `*${r.client.name}* is already enabled.`;
    }
    case 'disable': {
      const r = await services.clients.disable(actor, clientId);
      return r.changed
        ? `:no_entry: *${r.client.name}* is disabled: its tokens stopped working and it cannot get new ones until enabled.`
        : `*${r.client.name}* is already disabled.`;
    }
    case 'delete': {
      const r = await services.clients.delete(actor, clientId);
      return `:wastebasket: *${r.name}* (\`${r.id}\`) is deleted. Its secrets and tokens stopped working for good.`;
    }
  }
}

/**
 * `/org clients …` (admins): list, create (a modal when no name is given), enable, disable, rotate, delete. A new
 * secret is shown once, ephemerally, through the command's `response_url` — which works in DMs between people and
 * in private channels the bot is not in — and never anywhere else.
 */
export const clients: SubcommandHandler = async ({ args, command, actor, reply, acknowledge }) => {
  const { context, client, body } = args;
  const services = context.services;
  const first = command.args[0];
  const word = first?.kind === 'word' ? first.text.toLowerCase() : undefined;

  if (!first || (word && /^\d+$/.test(word))) {
    const requested = parseClientsPage(first);
    const page = await services.clients.list(actor, requested);
    await reply(withPageNotice(clientsMessage(page, actor.organization?.name ?? ''), requested, page));
    return;
  }

  if (word === 'create') {
    const name = command.rest.replace(/^create\b/i, '').trim();
    if (!name) {
      requireAdmin(actor, 'create API clients');
      await acknowledge();
      await client.views.open({
        trigger_id: body.trigger_id,
        view: createClientModal(
          encodeClientModalMetadata({ responseUrl: body.response_url, channelId: body.channel_id }),
        ),
      });
      return;
    }
    const issued = await services.clients.create(actor, name);
    // The secret goes through the response_url, not the acknowledgement: a failed post is seen and undone.
    await acknowledge();
    await deliverNewClient(
      { client, clients: services.clients, log: context.log },
      actor,
      { userId: body.user_id, responseUrl: body.response_url, channelId: body.channel_id },
      issued,
    );
    return;
  }

  const verb = VERBS.find((v) => v === word);
  if (!verb) {
    requireAdmin(actor, 'manage API clients');
    throw new InvalidInputError(
      `\`${first ? argText(first) : ''}\` is not a clients command. ${USAGE}`,
      'verb',
    );
  }
  const id = command.args[1];
  if (id?.kind !== 'word' || command.args.length > 2) {
    requireAdmin(actor, 'manage API clients');
    throw new InvalidInputError(
      `Name one client by its ID: \`/org clients ${verb} <client id>\`.`,
      'client_id',
    );
  }
  if (verb === 'rotate') {
    const issued = await services.clients.rotate(actor, id.text);
    await acknowledge();
    await deliverRotatedSecret(
      { client, clients: services.clients, log: context.log },
      actor,
      { userId: body.user_id, responseUrl: body.response_url, channelId: body.channel_id },
      issued,
    );
    return;
  }
  const notice = await applyVerb(services, actor, verb, id.text);
  await reply(plainMessage(notice));
};
