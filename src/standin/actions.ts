/**
 * The `actions` entry of a block_actions payload for a click on an element of the source's blocks, shaped per
 * element type as Slack sends it (docs.slack.dev/reference/interaction-payloads/block_actions-payload).
 */
import { elementsOf, optionsOf } from './block-kit.js';
import { isJsonObject, stringAt, textOf } from './json.js';
import type { BlockActionInput, JsonObject } from './types.js';

/** For elements whose choice is a plain value, the payload field that carries it. */
const VALUE_FIELDS: Readonly<Record<string, string>> = {
  users_select: 'selected_user',
  conversations_select: 'selected_conversation',
  channels_select: 'selected_channel',
  datepicker: 'selected_date',
  timepicker: 'selected_time',
  plain_text_input: 'value',
  email_text_input: 'value',
  url_text_input: 'value',
  number_input: 'value',
};

const MULTI_OPTION_ELEMENTS = new Set(['checkboxes', 'multi_static_select']);
const SINGLE_OPTION_ELEMENTS = new Set(['static_select', 'overflow', 'radio_buttons']);

function findElement(
  blocks: readonly JsonObject[],
  input: BlockActionInput,
): { blockId: string; element: JsonObject } {
  for (const block of blocks) {
    const blockId = stringAt(block, 'block_id') ?? '';
    if (input.blockId !== undefined && input.blockId !== blockId) continue;
    // An input block's element sends block_actions only with dispatch_action; otherwise its value waits for submit.
    if (block.type === 'input' && block.dispatch_action !== true) continue;
    for (const element of elementsOf(block)) {
      if (element.action_id === input.actionId) return { blockId, element };
    }
  }
  const where = input.blockId === undefined ? '' : ` in block "${input.blockId}"`;
  throw new Error(
    `blockAction: no interactive element with action_id "${input.actionId}"${where} in the source's blocks`,
  );
}

function plainText(text: string): JsonObject {
  return { type: 'plain_text', text, emoji: true };
}

/**
 * Builds the action object for a click, after checking it is one a user could make on these blocks.
 *
 * @param blocks the blocks of the message or view clicked in.
 * @param input what was clicked; missing `blockId`, `type` and a button's `value` are taken from the blocks.
 * @param actionTs the click's time, as a Slack ts string.
 * @throws Error when no element has that action_id (and block_id), the type differs, a button's value differs
 *   from the element's, or the chosen option is not one of the element's options.
 */
export function buildAction(
  blocks: readonly JsonObject[],
  input: BlockActionInput,
  actionTs: string,
): JsonObject {
  const { blockId, element } = findElement(blocks, input);
  const type = stringAt(element, 'type') ?? '';
  if (input.type !== undefined && input.type !== type) {
    throw new Error(`blockAction: element "${input.actionId}" is a ${type}, not a ${input.type}`);
  }
  const action: JsonObject = { type, action_id: input.actionId, block_id: blockId, action_ts: actionTs };
  if (isJsonObject(element.placeholder)) action.placeholder = element.placeholder;
  if (type === 'button') {
    const value = stringAt(element, 'value');
    if (input.value !== undefined && input.value !== value) {
      throw new Error(
        `blockAction: button "${input.actionId}" has value ${JSON.stringify(value)}, not ${JSON.stringify(input.value)}`,
      );
    }
    action.text = plainText(textOf(element.text));
    if (value !== undefined) action.value = value;
    if (typeof element.style === 'string') action.style = element.style;
    return action;
  }
  if (SINGLE_OPTION_ELEMENTS.has(type) || MULTI_OPTION_ELEMENTS.has(type)) {
    const wanted = input.selectedOption?.value ?? input.value;
    const option = optionsOf(element).find((o) => o.value === wanted);
    if (wanted === undefined || !option) {
      throw new Error(
        `blockAction: ${type} "${input.actionId}" has no option with value ${JSON.stringify(wanted)}`,
      );
    }
    if (MULTI_OPTION_ELEMENTS.has(type)) action.selected_options = [option];
    else action.selected_option = option;
    return action;
  }
  if (type === 'external_select' || type === 'multi_external_select') {
    const chosen = input.selectedOption ?? (input.value !== undefined ? { value: input.value } : undefined);
    if (!chosen) throw new Error(`blockAction: ${type} "${input.actionId}" needs a selectedOption`);
    const option = { text: plainText(chosen.text ?? chosen.value), value: chosen.value };
    if (type === 'multi_external_select') action.selected_options = [option];
    else action.selected_option = option;
    return action;
  }
  const field = VALUE_FIELDS[type];
  if (field !== undefined) action[field] = input.value ?? null;
  else if (input.value !== undefined) action.value = input.value;
  return action;
}
