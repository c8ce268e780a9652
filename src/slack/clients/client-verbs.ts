/** Shared by the API clients' listeners (`/org clients` and the row buttons): the page argument and verbs. */
import type { Actor } from '../../domain/actor.js';
import type { Services } from '../../domain/services.js';
import { SlackInputError } from '../shared/slack-input-error.js';
import type { SlackArg } from '../shared/text.js';

/** The lifecycle verbs of `/org clients <verb> <client id>` and of the row buttons. */
export type ClientVerb = 'enable' | 'disable' | 'rotate' | 'delete';

/**
 * Reads an optional page number of `/org clients [page]` or of the pager buttons.
 * @throws SlackInputError for anything but a positive whole number
 */
export function parseClientsPage(arg: SlackArg | undefined): number {
  if (!arg) return 1;
  if (arg.kind === 'word' && /^[1-9]\d{0,5}$/.test(arg.text)) return Number(arg.text);
  throw new SlackInputError('The page must be a positive whole number, as in `/org clients 2`.', 'page');
}

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
