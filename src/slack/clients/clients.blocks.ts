import type { ActionsBlock, Button, InputBlock, PlainTextOption, View } from '@slack/types';
import type { ClientSummary } from '../../domain/clients/clients.service.js';
import { MAX_CLIENT_NAME_LENGTH } from '../../domain/clients/clients.service.js';
import { DEFAULT_SCOPES, SCOPE_DESCRIPTIONS, SCOPES, type Scope } from '../../domain/clients/scopes.js';
import type { Page } from '../../domain/members/members.service.js';
import {
  button,
  listHead,
  modal,
  plainMessage,
  type SlackMessage,
  section,
  slackDate,
  textInputBlock,
  truncate,
} from '../shared/common.blocks.js';
import { escapeMrkdwn } from '../shared/text.js';

/** action_ids of the client list: row buttons carry the client ID as `value`, the pager a page number. */
export const CLIENT_ACTIONS = {
  enable: 'client_enable',
  disable: 'client_disable',
  rotate: 'client_rotate',
  delete: 'client_delete',
  scopes: 'client_scopes',
  create: 'client_create',
  page: 'client_page',
  /** Cancel in the confirm step of `/org clients delete <client id>`. */
  cancel: 'client_cancel',
} as const;

/** Prefix of the block_id of a client's row of buttons (`client_row:<client id>`). */
export const CLIENT_ROW_BLOCK = 'client_row';

/** callback_id of the create-client modal; its input block and action ids. */
export const CREATE_CLIENT_VIEW = {
  callbackId: 'client_create',
  blockId: 'client_name',
  actionId: 'client_name_input',
} as const;

/** The scopes checkbox group of the create and edit modals: its input block and action ids. */
export const SCOPES_INPUT = { blockId: 'client_scopes', actionId: 'client_scopes_input' } as const;

/** callback_id of the modal that edits a client's scopes (its private_metadata: the client ID and where to answer). */
export const EDIT_SCOPES_VIEW = { callbackId: 'client_scopes_edit' } as const;

/** The scopes as inline code, or a note when there is none. */
export function scopesText(scopes: readonly Scope[]): string {
  return scopes.length === 0 ? '_none_' : scopes.map((s) => `\`${s}\``).join(' ');
}

function scopeOption(scope: Scope): PlainTextOption {
  return {
    text: { type: 'plain_text', text: scope },
    description: { type: 'plain_text', text: SCOPE_DESCRIPTIONS[scope] },
    value: scope,
  };
}

/**
 * The input block with one checkbox per scope (7, within Slack's 10 options of a checkbox group), each with its
 * description; `initial` are ticked.
 */
export function scopesInputBlock(initial: readonly Scope[]): InputBlock {
  const ticked = SCOPES.filter((s) => initial.includes(s));
  return {
    type: 'input',
    block_id: SCOPES_INPUT.blockId,
    label: { type: 'plain_text', text: 'Scopes' },
    hint: { type: 'plain_text', text: 'What its tokens may do. A token can ask for fewer, never more.' },
    element: {
      type: 'checkboxes',
      action_id: SCOPES_INPUT.actionId,
      options: SCOPES.map(scopeOption),
      ...(ticked.length > 0 ? { initial_options: ticked.map(scopeOption) } : {}),
    },
  };
}

function clientLine(c: ClientSummary): string {
  const status = c.status === 'active' ? ':large_green_circle: Active' : ':red_circle: Disabled';
  const creator = c.createdBySlackUserId ? ` by <@${c.createdBySlackUserId}>` : '';
  const lastUsed = slackDate(c.lastUsedAt);
  const rotation = c.previousSecretValidUntil
    ? `\n:arrows_counterclockwise: The previous secret works until ${slackDate(c.previousSecretValidUntil)}`
    : '';
  return (
    `*${escapeMrkdwn(c.name)}* · ${status}\nClient ID \`${c.id}\`\n` +
    `Created${creator} ${slackDate(c.createdAt)} · Last used ${lastUsed}${rotation}\n` +
    `Scopes: ${scopesText(c.scopes)}`
  );
}

function rowActions(c: ClientSummary): ActionsBlock {
  const name = truncate(c.name, 60);
  return {
    type: 'actions',
    block_id: `${CLIENT_ROW_BLOCK}:${c.id}`,
    elements: [
      c.status === 'active'
        ? button(CLIENT_ACTIONS.disable, 'Disable', c.id)
        : button(CLIENT_ACTIONS.enable, 'Enable', c.id, { style: 'primary' }),
      button(CLIENT_ACTIONS.scopes, 'Edit scopes', c.id),
      button(CLIENT_ACTIONS.rotate, 'Rotate secret', c.id, {
        confirm: {
          title: { type: 'plain_text', text: 'Rotate the secret?' },
          text: {
            type: 'plain_text',
            text: truncate(
              `A new secret for ${name} is shown to you once. The current one keeps working for the grace period.`,
              300,
            ),
          },
          confirm: { type: 'plain_text', text: 'Rotate' },
          deny: { type: 'plain_text', text: 'Cancel' },
        },
      }),
      deleteButton(c),
    ],
  };
}

/** The Delete button of a client, with its Slack confirm dialog: on a row and in the confirm step of the command. */
function deleteButton(c: ClientSummary): Button {
  return button(CLIENT_ACTIONS.delete, 'Delete', c.id, {
    style: 'danger',
    confirm: {
      title: { type: 'plain_text', text: 'Delete this client?' },
      text: {
        type: 'plain_text',
        text: truncate(
          `${truncate(c.name, 60)} and its tokens stop working at once. This cannot be undone; its client ID is never reused.`,
          300,
        ),
      },
      confirm: { type: 'plain_text', text: 'Delete' },
      deny: { type: 'plain_text', text: 'Cancel' },
      style: 'danger',
    },
  });
}

/**
 * The confirm step of `/org clients delete <client id>`: what will happen, the row's Delete button (which asks once
 * more in the same Slack confirm dialog, then deletes as the row's button does) and Cancel. Nothing is deleted
 * until Delete is clicked.
 */
export function deleteConfirmMessage(c: ClientSummary): SlackMessage {
  const name = escapeMrkdwn(truncate(c.name, 60));
  return {
    text: truncate(`Delete the API client ${c.name} (${c.id})?`, 300),
    blocks: [
      section(
        `Delete the API client *${name}* (\`${c.id}\`)? Its secrets and tokens stop working at once. ` +
          'This cannot be undone; its client ID is never reused.',
      ),
      {
        type: 'actions',
        block_id: `client_delete_confirm:${c.id}`,
        elements: [deleteButton(c), button(CLIENT_ACTIONS.cancel, 'Cancel', c.id)],
      },
    ],
  };
}

/** The answer to Cancel in the confirm step of `/org clients delete`: it replaces the question. */
export function deleteCancelledMessage(): SlackMessage {
  return plainMessage('Cancelled. The client was not deleted; nothing was changed.');
}

/**
 * `/org clients`: one page of the organization's API clients. Per client a section (name, status, client ID,
 * creator, created, last used, rotation, scopes) and a row of buttons (Enable or Disable, Edit scopes, Rotate, Delete with a confirm
 * dialog): 2 blocks per client, at most 15 per page, plus 4 — well within Slack's 50 blocks.
 * @param notice a line above the list (the outcome of the last action)
 */
export function clientsMessage(
  page: Page<ClientSummary>,
  organizationName: string,
  notice?: string,
): SlackMessage {
  const blocks = listHead(
    notice,
    `*API clients of ${escapeMrkdwn(organizationName)}* — ${page.total}`,
    page,
    page.total === 0 ? '\nNo clients yet. Integrations use a client to get access tokens for the API.' : '',
  );
  for (const c of page.items) blocks.push(section(clientLine(c)), rowActions(c));
  const footer: Button[] = [button(CLIENT_ACTIONS.create, 'New client', 'new', { style: 'primary' })];
  if (page.page > 1) footer.push(button(`${CLIENT_ACTIONS.page}_prev`, '← Previous', String(page.page - 1)));
  if (page.page < page.pageCount)
    footer.push(button(`${CLIENT_ACTIONS.page}_next`, 'Next →', String(page.page + 1)));
  blocks.push({ type: 'actions', block_id: 'clients_footer', elements: footer });
  return { text: `${notice ? `${notice} — ` : ''}API clients of ${organizationName}: ${page.total}`, blocks };
}

/**
 * The one message that carries a client secret, shown to the requester alone (ephemeral); a new client's names its
 * scopes, so that the admin sees at once what the integration may do.
 * @param previousValidUntil after a rotation: when the previous secret stops working
 */
export function secretMessage(
  client: Pick<ClientSummary, 'id' | 'name'> & Partial<Pick<ClientSummary, 'scopes'>>,
  secret: string,
  previousValidUntil?: Date,
): SlackMessage {
  const intro = previousValidUntil
    ? `:key: New secret for *${escapeMrkdwn(client.name)}*. The previous secret keeps working until ${slackDate(previousValidUntil)}.`
    : `:key: API client *${escapeMrkdwn(client.name)}* is created${client.scopes ? `, with the scopes ${scopesText(client.scopes)}` : ''}.`;
  return {
    text: previousValidUntil
      ? `New secret for ${escapeMrkdwn(client.name)}`
      : `API client ${escapeMrkdwn(client.name)} created`,
    blocks: [
      section(intro),
      section(`*client_id*\n\`${client.id}\`\n*client_secret*\n\`\`\`${secret}\`\`\``),
      {
        type: 'context',
        elements: [
          {
            type: 'mrkdwn',
            text:
              'Only you can see this, and only now: copy the secret into your integration or secret store. ' +
              'AstroBee keeps only a hash of it. Get a token with `POST /oauth/token` (grant_type=client_credentials).',
          },
        ],
      },
    ],
  };
}

/**
 * The create-client modal: the name, and the scopes.
 * @param scopes those ticked at first (by default the read scopes)
 * @param privateMetadata where to deliver the secret (a response_url or channel; never a secret), ≤ 3000 characters
 */
export function createClientModal(privateMetadata: string, scopes: readonly Scope[] = DEFAULT_SCOPES): View {
  return modal({
    callbackId: CREATE_CLIENT_VIEW.callbackId,
    title: 'New API client',
    submit: 'Create',
    privateMetadata,
    blocks: [
      textInputBlock(CREATE_CLIENT_VIEW, 'Name', {
        hint: 'What the integration is, e.g. "Nightly export". Its secret is shown to you once.',
        maxLength: MAX_CLIENT_NAME_LENGTH,
      }),
      scopesInputBlock(scopes),
    ],
  });
}

/**
 * The modal that edits a client's scopes: its name and ID, and the scopes checkbox group with its current scopes
 * ticked.
 * @param privateMetadata the client ID and where to answer (never a secret), ≤ 3000 characters
 */
export function editScopesModal(
  client: Pick<ClientSummary, 'id' | 'name' | 'scopes'>,
  privateMetadata: string,
): View {
  return modal({
    callbackId: EDIT_SCOPES_VIEW.callbackId,
    title: 'Scopes of a client',
    submit: 'Save',
    privateMetadata,
    blocks: [
      section(
        truncate(
          `*${escapeMrkdwn(client.name)}* (\`${client.id}\`). Removing a scope cuts it from the client's live tokens at once.`,
          3000,
        ),
      ),
      scopesInputBlock(client.scopes),
    ],
  });
}
