import { requireAdmin } from '../../domain/access.js';
import { plainMessage } from '../shared/common.blocks.js';
import type { SubcommandHandler } from '../shared/listener-types.js';
import { withPageNotice } from '../shared/paging.blocks.js';
import { SlackInputError } from '../shared/slack-input-error.js';
import { argText } from '../shared/text.js';
import { commandScopes, takeScopesOption } from './client-scopes.js';
import { applyVerb, type ClientVerb, parseClientsPage } from './client-verbs.js';
import { clientsMessage, createClientModal, deleteConfirmMessage } from './clients.blocks.js';
import { deliverNewClient, deliverRotatedSecret, encodeClientModalMetadata } from './secret-delivery.js';

const VERBS: readonly ClientVerb[] = ['enable', 'disable', 'rotate', 'delete'];

const USAGE =
  '`/org clients` lists the API clients; `/org clients create [name] [--scopes a,b]` creates one; ' +
  '`/org clients enable|disable|rotate|delete <client id>` changes one.';

/**
 * `/org clients …` (admins): list, create (a modal when no name is given; `--scopes a,b` chooses the scopes, by
 * default the read scopes, and an unknown name is refused by name with nothing created), enable, disable, rotate,
 * delete (after a confirm step: the row's Delete button with its confirm dialog, and Cancel). A new
 * secret is shown once, ephemerally, through the command's `response_url` — which works in DMs between people and
 * in private channels the bot is not in — and never anywhere else.
 */
export const clients: SubcommandHandler = async ({ args, command, actor, reply, acknowledge }) => {
  const { context, client, body } = args;
  const services = context.services;
  // Where a new secret goes: to the caller alone, through the command's response_url (else the channel, else a DM).
  const delivery = { client, clients: services.clients, log: context.log };
  const target = { userId: body.user_id, responseUrl: body.response_url, channelId: body.channel_id };
  const first = command.args[0];
  const word = first?.kind === 'word' ? first.text.toLowerCase() : undefined;

  if (!first || (word && /^\d+$/.test(word))) {
    const requested = parseClientsPage(first);
    const page = await services.clients.list(actor, requested);
    await reply(withPageNotice(clientsMessage(page, actor.organization?.name ?? ''), requested, page));
    return;
  }

  if (word === 'create') {
    const option = takeScopesOption(command.rest.replace(/^create\b/i, ''));
    const name = option.rest.trim();
    if (!name) {
      requireAdmin(actor, 'create API clients');
      const scopes = commandScopes(option.scopes);
      await acknowledge();
      await client.views.open({
        trigger_id: body.trigger_id,
        view: createClientModal(
          encodeClientModalMetadata({ responseUrl: body.response_url, channelId: body.channel_id }),
          scopes,
        ),
      });
      return;
    }
    requireAdmin(actor, 'create API clients');
    const issued = await services.clients.create(actor, name, commandScopes(option.scopes));
    // The secret goes through the response_url, not the acknowledgement: a failed post is seen and undone.
    await acknowledge();
    await deliverNewClient(delivery, actor, target, issued);
    return;
  }

  const verb = VERBS.find((v) => v === word);
  if (!verb) {
    requireAdmin(actor, 'manage API clients');
    throw new SlackInputError(
      `\`${first ? argText(first) : ''}\` is not a clients command. ${USAGE}`,
      'verb',
    );
  }
  const id = command.args[1];
  if (id?.kind !== 'word' || command.args.length > 2) {
    requireAdmin(actor, 'manage API clients');
    throw new SlackInputError(
      `Name one client by its ID: \`/org clients ${verb} <client id>\`.`,
      'client_id',
    );
  }
  if (verb === 'rotate') {
    const issued = await services.clients.rotate(actor, id.text);
    await acknowledge();
    await deliverRotatedSecret(delivery, actor, target, issued);
    return;
  }
  if (verb === 'delete') {
    // As the row's Delete button: nothing is deleted until the confirm step's Delete is clicked (a typo in the ID
    // names another client at worst, and the question shows its name).
    await reply(deleteConfirmMessage(await services.clients.get(actor, id.text)));
    return;
  }
  const notice = await applyVerb(services, actor, verb, id.text);
  await reply(plainMessage(notice));
};
