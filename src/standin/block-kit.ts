/**
 * Block Kit as Slack enforces and renders it: the limits Slack checks on messages and views it receives
 * (docs.slack.dev/reference/block-kit/blocks, …/views), the ids Slack fills in, and the list of interactive elements
 * a user could click, in display order.
 */
import type { IdFactory } from './ids.js';
import { isJsonObject, objectsOf, stringAt, textOf } from './json.js';
import type { InteractiveElement, JsonObject, ViewStateValue } from './types.js';

/** Slack's documented limits. */
export const BLOCK_LIMITS = {
  messageBlocks: 50,
  viewBlocks: 100,
  sectionText: 3000,
  sectionFields: 10,
  sectionFieldText: 2000,
  headerText: 150,
  actionsElements: 25,
  contextElements: 10,
  blockId: 255,
  actionId: 255,
  buttonText: 75,
  buttonValue: 2000,
  optionText: 75,
  optionValue: 150,
  selectOptions: 100,
  viewTitle: 24,
  privateMetadata: 3000,
  callbackId: 255,
  externalId: 255,
  messageText: 40000,
} as const;

/** Element types that carry a list of options a user picks from. */
const OPTION_ELEMENTS = new Set([
  'static_select',
  'overflow',
  'radio_buttons',
  'checkboxes',
  'multi_static_select',
]);

function tooLong(pointer: string, limit: number): string {
  return `[ERROR] must be less than ${limit + 1} characters [json-pointer:${pointer}]`;
}

function tooMany(pointer: string, limit: number): string {
  return `[ERROR] no more than ${limit} items allowed [json-pointer:${pointer}]`;
}

/** Elements of a block that a user can interact with (actions elements, a section's accessory, an input's element). */
export function elementsOf(block: JsonObject): JsonObject[] {
  const type = block.type;
  if (type === 'actions') return objectsOf(block.elements);
  if (type === 'section' && isJsonObject(block.accessory)) return [block.accessory];
  if (type === 'input' && isJsonObject(block.element)) return [block.element];
  return [];
}

/** The options of a select, overflow, radio or checkbox element (option groups flattened). */
export function optionsOf(element: JsonObject): JsonObject[] {
  const groups = objectsOf(element.option_groups).flatMap((group) => objectsOf(group.options));
  return [...objectsOf(element.options), ...groups];
}

function checkElement(element: JsonObject, pointer: string, problems: string[]): void {
  const actionId = stringAt(element, 'action_id');
  if (actionId !== undefined && actionId.length > BLOCK_LIMITS.actionId) {
    problems.push(tooLong(`${pointer}/action_id`, BLOCK_LIMITS.actionId));
  }
  if (element.type === 'button') {
    if (textOf(element.text).length > BLOCK_LIMITS.buttonText) {
      problems.push(tooLong(`${pointer}/text/text`, BLOCK_LIMITS.buttonText));
    }
    const value = stringAt(element, 'value');
    if (value !== undefined && value.length > BLOCK_LIMITS.buttonValue) {
      problems.push(tooLong(`${pointer}/value`, BLOCK_LIMITS.buttonValue));
    }
  }
  if (OPTION_ELEMENTS.has(String(element.type))) {
    const options = optionsOf(element);
    if (options.length > BLOCK_LIMITS.selectOptions)
      problems.push(tooMany(`${pointer}/options`, BLOCK_LIMITS.selectOptions));
    options.forEach((option, i) => {
      if (textOf(option.text).length > BLOCK_LIMITS.optionText) {
        problems.push(tooLong(`${pointer}/options/${i}/text/text`, BLOCK_LIMITS.optionText));
      }
      const value = stringAt(option, 'value');
      if (value !== undefined && value.length > BLOCK_LIMITS.optionValue) {
        problems.push(tooLong(`${pointer}/options/${i}/value`, BLOCK_LIMITS.optionValue));
      }
    });
  }
}

function checkBlock(block: unknown, pointer: string, seenIds: Set<string>, problems: string[]): void {
  if (!isJsonObject(block) || typeof block.type !== 'string') {
    problems.push(`[ERROR] missing required field: type [json-pointer:${pointer}]`);
    return;
  }
  const blockId = stringAt(block, 'block_id');
  if (blockId !== undefined) {
    if (blockId.length > BLOCK_LIMITS.blockId)
      problems.push(tooLong(`${pointer}/block_id`, BLOCK_LIMITS.blockId));
    if (seenIds.has(blockId))
      problems.push(`[ERROR] duplicate block_id '${blockId}' [json-pointer:${pointer}/block_id]`);
    seenIds.add(blockId);
  }
  switch (block.type) {
    case 'section': {
      const fields = Array.isArray(block.fields) ? block.fields : [];
      if (!isJsonObject(block.text) && fields.length === 0) {
        problems.push(`[ERROR] must provide text or fields [json-pointer:${pointer}]`);
      }
      if (textOf(block.text).length > BLOCK_LIMITS.sectionText) {
        problems.push(tooLong(`${pointer}/text/text`, BLOCK_LIMITS.sectionText));
      }
      if (fields.length > BLOCK_LIMITS.sectionFields)
        problems.push(tooMany(`${pointer}/fields`, BLOCK_LIMITS.sectionFields));
      fields.forEach((field, i) => {
        if (textOf(field).length > BLOCK_LIMITS.sectionFieldText) {
          problems.push(tooLong(`${pointer}/fields/${i}/text`, BLOCK_LIMITS.sectionFieldText));
        }
      });
      break;
    }
    case 'header':
      if (textOf(block.text).length > BLOCK_LIMITS.headerText) {
        problems.push(tooLong(`${pointer}/text/text`, BLOCK_LIMITS.headerText));
      }
      break;
    case 'actions': {
      const elements = Array.isArray(block.elements) ? block.elements : [];
      if (elements.length === 0)
        problems.push(`[ERROR] missing required field: elements [json-pointer:${pointer}]`);
      if (elements.length > BLOCK_LIMITS.actionsElements) {
        problems.push(tooMany(`${pointer}/elements`, BLOCK_LIMITS.actionsElements));
      }
      break;
    }
    case 'context': {
      const elements = Array.isArray(block.elements) ? block.elements : [];
      if (elements.length > BLOCK_LIMITS.contextElements) {
        problems.push(tooMany(`${pointer}/elements`, BLOCK_LIMITS.contextElements));
      }
      break;
    }
    case 'input':
      if (!isJsonObject(block.element))
        problems.push(`[ERROR] missing required field: element [json-pointer:${pointer}]`);
      if (!isJsonObject(block.label))
        problems.push(`[ERROR] missing required field: label [json-pointer:${pointer}]`);
      break;
    default:
      break;
  }
  const elementPointer =
    block.type === 'section' ? '/accessory' : block.type === 'input' ? '/element' : '/elements';
  elementsOf(block).forEach((element, i) => {
    const where =
      block.type === 'actions' ? `${pointer}${elementPointer}/${i}` : `${pointer}${elementPointer}`;
    checkElement(element, where, problems);
  });
}

/**
 * Checks blocks against Slack's limits.
 *
 * @param blocks the `blocks` argument as decoded (should be an array of block objects).
 * @param maxBlocks 50 for messages, 100 for modals and Home tabs.
 * @param pointer JSON pointer of the array in the request (`/blocks` or `/view/blocks`), used in the messages.
 * @returns Slack-style `[ERROR] …` messages; empty when the blocks are acceptable.
 */
export function checkBlocks(blocks: unknown, maxBlocks: number, pointer: string): string[] {
  if (!Array.isArray(blocks)) return [`[ERROR] must be an array [json-pointer:${pointer}]`];
  const problems: string[] = [];
  if (blocks.length > maxBlocks) problems.push(tooMany(pointer, maxBlocks));
  const seenIds = new Set<string>();
  blocks.forEach((block, i) => {
    checkBlock(block, `${pointer}/${i}`, seenIds, problems);
  });
  return problems;
}

/**
 * Checks a view (modal or Home tab) as `views.open` / `update` / `push` / `publish` do.
 *
 * @returns Slack-style messages, empty when acceptable. Slack answers `invalid_arguments` for any of them.
 */
export function checkView(view: unknown, expectedType?: 'modal' | 'home'): string[] {
  if (!isJsonObject(view)) return ['[ERROR] missing required field: view [json-pointer:/view]'];
  const problems: string[] = [];
  const type = view.type;
  if (type !== 'modal' && type !== 'home')
    problems.push('[ERROR] must be one of: modal, home [json-pointer:/view/type]');
  if (expectedType !== undefined && type !== expectedType) {
    problems.push(`[ERROR] view type must be ${expectedType} for this method [json-pointer:/view/type]`);
  }
  if (type === 'modal') {
    if (!isJsonObject(view.title) || view.title.type !== 'plain_text') {
      problems.push('[ERROR] missing required field: title (plain_text) [json-pointer:/view/title]');
    }
    for (const key of ['title', 'submit', 'close'] as const) {
      if (textOf(view[key]).length > BLOCK_LIMITS.viewTitle)
        problems.push(tooLong(`/view/${key}/text`, BLOCK_LIMITS.viewTitle));
    }
    const hasInput = objectsOf(view.blocks).some((block) => block.type === 'input');
    if (hasInput && !isJsonObject(view.submit)) {
      problems.push(
        '[ERROR] submit is required when an input block is within the blocks array [json-pointer:/view/submit]',
      );
    }
  }
  problems.push(...checkBlocks(view.blocks, BLOCK_LIMITS.viewBlocks, '/view/blocks'));
  const limits = [
    ['private_metadata', BLOCK_LIMITS.privateMetadata],
    ['callback_id', BLOCK_LIMITS.callbackId],
    ['external_id', BLOCK_LIMITS.externalId],
  ] as const;
  for (const [key, limit] of limits) {
    const value = stringAt(view, key);
    if (value !== undefined && value.length > limit) problems.push(tooLong(`/view/${key}`, limit));
  }
  return problems;
}

/**
 * A copy of the blocks with the ids Slack fills in: a `block_id` on every block and an `action_id` on every
 * interactive element that lacks one (Slack stores and returns these, and interaction payloads carry them).
 */
export function withGeneratedIds(blocks: readonly JsonObject[], ids: IdFactory): JsonObject[] {
  return blocks.map((original) => {
    const block = structuredClone(original);
    if (typeof block.block_id !== 'string') block.block_id = ids.shortId();
    for (const element of elementsOf(block)) {
      if (typeof element.action_id !== 'string' && typeof element.type === 'string')
        element.action_id = ids.shortId();
    }
    return block;
  });
}

/**
 * Every interactive element in the blocks, in display order, one entry per clickable choice: a button, each option
 * of a static select, overflow menu, radio group or checkbox group, and one entry for other menus and pickers.
 * Input blocks count only with `dispatch_action: true` (otherwise their values arrive with the view submission).
 *
 * Each entry can be passed to `SlackStandIn.blockAction()` as the action ("click button number N").
 */
export function buttonsOf(blocks: readonly unknown[]): InteractiveElement[] {
  const found: InteractiveElement[] = [];
  for (const block of blocks) {
    if (!isJsonObject(block)) continue;
    if (block.type === 'input' && block.dispatch_action !== true) continue;
    const blockId = stringAt(block, 'block_id') ?? '';
    for (const element of elementsOf(block)) {
      const type = stringAt(element, 'type') ?? '';
      const actionId = stringAt(element, 'action_id') ?? '';
      const confirm = isJsonObject(element.confirm) ? element.confirm : undefined;
      const base = { actionId, blockId, type, ...(confirm ? { confirm } : {}) };
      if (type === 'button') {
        const value = stringAt(element, 'value');
        const style = stringAt(element, 'style');
        const url = stringAt(element, 'url');
        found.push({
          ...base,
          index: found.length + 1,
          text: textOf(element.text),
          ...(value !== undefined ? { value } : {}),
          ...(style !== undefined ? { style } : {}),
          ...(url !== undefined ? { url } : {}),
        });
      } else if (OPTION_ELEMENTS.has(type)) {
        for (const option of optionsOf(element)) {
          const text = textOf(option.text);
          found.push({
            ...base,
            index: found.length + 1,
            text,
            selectedOption: { value: stringAt(option, 'value') ?? '', text },
          });
        }
      } else {
        found.push({ ...base, index: found.length + 1, text: textOf(element.placeholder) || type });
      }
    }
  }
  return found;
}

/** An input block of a view: where a value can be entered, and what Slack submits when it is left alone. */
export interface ViewInput {
  blockId: string;
  actionId: string;
  elementType: string;
  optional: boolean;
  /** The state value Slack sends when the user did not touch the element (its initial value, or empty). */
  untouched: ViewStateValue;
}

function untouchedValue(element: JsonObject): ViewStateValue {
  const type = stringAt(element, 'type') ?? 'unknown';
  switch (type) {
    case 'plain_text_input':
    case 'email_text_input':
    case 'url_text_input':
    case 'number_input':
      return { type, value: stringAt(element, 'initial_value') ?? null };
    case 'static_select':
    case 'external_select':
    case 'radio_buttons':
      return { type, selected_option: isJsonObject(element.initial_option) ? element.initial_option : null };
    case 'multi_static_select':
    case 'multi_external_select':
    case 'checkboxes':
      return {
        type,
        selected_options: Array.isArray(element.initial_options) ? element.initial_options : [],
      };
    case 'users_select':
      return { type, selected_user: stringAt(element, 'initial_user') ?? null };
    case 'multi_users_select':
      return { type, selected_users: Array.isArray(element.initial_users) ? element.initial_users : [] };
    case 'conversations_select':
      return { type, selected_conversation: stringAt(element, 'initial_conversation') ?? null };
    case 'channels_select':
      return { type, selected_channel: stringAt(element, 'initial_channel') ?? null };
    case 'datepicker':
      return { type, selected_date: stringAt(element, 'initial_date') ?? null };
    case 'timepicker':
      return { type, selected_time: stringAt(element, 'initial_time') ?? null };
    default:
      return { type };
  }
}

/** The input blocks of a view's blocks, in order. */
export function inputsOf(blocks: readonly unknown[]): ViewInput[] {
  const inputs: ViewInput[] = [];
  for (const block of blocks) {
    if (!isJsonObject(block) || block.type !== 'input' || !isJsonObject(block.element)) continue;
    const element = block.element;
    inputs.push({
      blockId: stringAt(block, 'block_id') ?? '',
      actionId: stringAt(element, 'action_id') ?? '',
      elementType: stringAt(element, 'type') ?? '',
      optional: block.optional === true,
      untouched: untouchedValue(element),
    });
  }
  return inputs;
}

/** True when a state value holds nothing (what a required input may not be submitted with). */
export function isEmptyStateValue(value: ViewStateValue): boolean {
  const keys = Object.keys(value).filter((key) => key !== 'type');
  if (keys.length === 0) return true;
  return keys.every((key) => {
    const v = value[key];
    return v === null || v === undefined || v === '' || (Array.isArray(v) && v.length === 0);
  });
}
