/**
 * A client's scopes from Slack: the checkbox group of the create and edit modals, `--scopes a,b` of
 * `/org clients create`, and the "Edit scopes" button of a client's row with its modal.
 */
import type { ViewOutput } from '@slack/bolt';
import { z } from 'zod';
import { requireAdmin } from '../../domain/access.js';
import { DEFAULT_SCOPES, parseScopeNames, type Scope } from '../../domain/clients/scopes.js';
import type { ButtonArgs, ViewSubmissionArgs } from '../shared/listener-types.js';
import { postToResponseUrl } from '../shared/reply.js';
import { SlackInputError } from '../shared/slack-input-error.js';
import { escapeMrkdwn } from '../shared/text.js';
import { decodePrivateMetadata, encodePrivateMetadata } from '../shared/view-metadata.js';
import { submitOrShowErrors } from '../shared/view-submission.js';
import { clientsMessage, editScopesModal, SCOPES_INPUT, scopesText } from './clients.blocks.js';

/** The scope names ticked in the checkbox group of a submitted view (`[]` when none or the block is missing). */
export function checkedScopes(view: ViewOutput): string[] {
  const state = view.state.values[SCOPES_INPUT.blockId]?.[SCOPES_INPUT.actionId];
  return (state?.selected_options ?? []).map((o) => o.value ?? '');
}

/**
 * Takes `--scopes a,b` (or `--scopes=a,b`, or `—scopes` as a phone or a Mac's smart punctuation types it) out of
 * the text of `/org clients create …`: names separated by commas, spaces after a comma allowed (`a, b`).
 * @returns the text without it, and the names given (null when the option is absent)
 * @throws SlackInputError (field `scopes`) when another option-like word is left (`--scope`, `-scopes`): a typo
 *   must not create a client, named after it, with the default scopes
 */
export function takeScopesOption(text: string): { rest: string; scopes: string[] | null } {
  const normalized = text.replace(/(^|\s)[\u2013\u2014]/g, '$1--');
  // Names are separated by commas; a space is taken as a separator too when the next word has a colon (the
  // space-separated list of OAuth's `scope` parameter: `--scopes organization:read members:read`).
  const match = /(?:^|\s)--scopes(?:=|\s+|$)([^\s,]*(?:(?:\s*,\s*|\s+(?=[\w-]+:[\w*-]))[^\s,]+)*,?)/i.exec(
    normalized,
  );
  const rest = match
    ? `${normalized.slice(0, match.index).trimEnd()} ${normalized.slice(match.index + match[0].length).trimStart()}`.trim()
    : normalized;
  const stray = /(?:^|\s)(-{1,2}[a-z][\w-]*)/i.exec(rest);
  if (stray && /^--scopes$/i.test(stray[1] ?? '')) {
    throw new SlackInputError(
      'Give `--scopes` once, with every scope name after it (`--scopes a,b`). Nothing was created.',
      'scopes',
    );
  }
  if (stray) {
    throw new SlackInputError(
      `Unknown option \`${stray[1]}\`: the option is \`--scopes a,b\` (scope names separated by commas). Nothing was created.`,
      'scopes',
    );
  }
  return {
    rest,
    scopes: match
      ? (match[1] ?? '')
          .split(',')
          .flatMap((name) => (/\S\s+\S/.test(name) ? name.trim().split(/\s+/) : [name]))
      : null,
  };
}

/**
 * The scopes of `/org clients create` before anything is created: those of `--scopes`, checked (unknown names
 * refused by name), else the read scopes.
 * @throws InvalidInputError `scopes_unknown` / `scopes_empty` (nothing is created)
 */
export function commandScopes(names: string[] | null): Scope[] {
  return names === null ? [...DEFAULT_SCOPES] : parseScopeNames(names);
}

/** What the edit-scopes modal carries in private_metadata: the client, and the list message to refresh. */
const EditMetadata = z.object({
  clientId: z.string().max(64),
  responseUrl: z.string().url().optional(),
});

/**
 * "Edit scopes" on a client's row (admins): opens the modal with the client's current scopes ticked. The
 * clicker's role is checked on the server (a forged or stale button grants nothing).
 */
export async function clientScopesButton({ ack, action, body, client, context }: ButtonArgs): Promise<void> {
  await ack();
  const actor = await context.actor();
  requireAdmin(actor, 'change the scopes of API clients');
  const summary = await context.services.clients.get(actor, action.value ?? '');
  await client.views.open({
    trigger_id: body.trigger_id,
    view: editScopesModal(
      summary,
      encodePrivateMetadata(
        EditMetadata.parse({
          clientId: summary.id,
          ...(body.response_url ? { responseUrl: body.response_url } : {}),
        }),
      ),
    ),
  });
}

/**
 * Submission of the edit-scopes modal: saves the ticked scopes (an audit event records before and after) and
 * refreshes the list the button was on, with a notice. No scope ticked, or a name that is not a scope, shows an
 * inline error under the checkboxes and changes nothing.
 */
export async function clientScopesSubmission({ ack, view, context }: ViewSubmissionArgs): Promise<void> {
  const meta = decodePrivateMetadata(EditMetadata, view.private_metadata);
  const actor = await context.actor();
  const outcome = await submitOrShowErrors(
    ack,
    () => context.services.clients.setScopes(actor, meta?.clientId ?? '', checkedScopes(view)),
    (refused) => (refused.field === 'scopes' ? SCOPES_INPUT.blockId : undefined),
  );
  if (!('done' in outcome) || !meta?.responseUrl) return;
  const { client, changed, before } = outcome.done;
  const name = escapeMrkdwn(client.name);
  const removed = before.filter((scope) => !client.scopes.includes(scope));
  const cut = removed.length > 0 ? ` Its live tokens lost ${scopesText(removed)} at once.` : '';
  const notice = changed
    ? `:lock: The scopes of *${name}* are now ${scopesText(client.scopes)}.${cut}`
    : `The scopes of *${name}* were already ${scopesText(client.scopes)}.`;
  const page = await context.services.clients.list(actor);
  await postToResponseUrl(meta.responseUrl, clientsMessage(page, actor.organization?.name ?? '', notice), {
    replaceOriginal: true,
  });
}
