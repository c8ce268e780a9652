/**
 * Filling a modal from the console: finding an input by what the user calls it, turning typed text into the value
 * the element holds, and into the `view.state.values` entry Slack's client would submit
 * (docs.slack.dev/reference/interaction-payloads/view-interactions-payload#view_submission).
 */
import { optionsOf } from '../standin/block-kit.js';
import { isJsonObject, objectsOf, stringAt, textOf } from '../standin/json.js';
import type { JsonObject, ViewStateValue } from '../standin/types.js';
import type { SlashDirectory } from './commands.js';
import type { DraftValue } from './render.js';

/** An input block of a modal, as the console addresses it. */
export interface ModalInput {
  /** 1-based position among the modal's inputs. */
  number: number;
  blockId: string;
  actionId: string;
  label: string;
  optional: boolean;
  element: JsonObject;
}

const TEXT_ELEMENTS = new Set(['plain_text_input', 'email_text_input', 'url_text_input', 'number_input']);
const SINGLE_CHOICE = new Set(['static_select', 'radio_buttons']);
const MULTI_CHOICE = new Set(['multi_static_select', 'checkboxes']);

/** The input blocks of a view, in order. */
export function modalInputs(view: JsonObject): ModalInput[] {
  return objectsOf(view.blocks)
    .filter((b) => b.type === 'input' && isJsonObject(b.element))
    .map((block, i) => {
      const element = isJsonObject(block.element) ? block.element : {};
      return {
        number: i + 1,
        blockId: stringAt(block, 'block_id') ?? '',
        actionId: stringAt(element, 'action_id') ?? '',
        label: textOf(block.label),
        optional: block.optional === true,
        element,
      };
    });
}

/**
 * The input a user means by `field`: its block_id, its action_id, its label (case-insensitive) or its number.
 * @returns undefined when nothing matches
 */
export function findInput(view: JsonObject, field: string): ModalInput | undefined {
  const inputs = modalInputs(view);
  const lower = field.toLowerCase();
  return (
    inputs.find((i) => i.blockId === field) ??
    inputs.find((i) => i.actionId === field) ??
    inputs.find((i) => i.label.toLowerCase() === lower || i.blockId.toLowerCase() === lower) ??
    (/^\d+$/.test(field) ? inputs[Number(field) - 1] : undefined)
  );
}

function chooseOption(element: JsonObject, typed: string): JsonObject | undefined {
  const options = optionsOf(element);
  const lower = typed.trim().toLowerCase();
  return (
    options.find((o) => textOf(o.text).toLowerCase() === lower) ??
    options.find((o) => stringAt(o, 'value') === typed.trim()) ??
    (/^\d+$/.test(lower) ? options[Number(lower) - 1] : undefined)
  );
}

/**
 * Turns what the user typed into the draft value of an input.
 * Text inputs take the text as is; selects and radio buttons an option's label, value or number; multi-selects
 * and checkboxes a comma-separated list of those; user pickers a user name; channel pickers `#name`; date pickers
 * `YYYY-MM-DD`; time pickers `HH:mm`. Empty text clears the input.
 * @returns the draft, or an error message naming what would be accepted
 */
export function draftFor(
  input: ModalInput,
  typed: string,
  directory: SlashDirectory,
): { draft: DraftValue } | { error: string } {
  const type = stringAt(input.element, 'type') ?? '';
  const choices = () =>
    optionsOf(input.element)
      .map((o) => textOf(o.text))
      .join(', ');
  if (typed.trim() === '') {
    return { draft: TEXT_ELEMENTS.has(type) ? { kind: 'text', value: '' } : { kind: 'options', values: [] } };
  }
  if (TEXT_ELEMENTS.has(type)) {
    if (type === 'number_input' && !Number.isFinite(Number(typed)))
      return { error: `"${input.label}" takes a number.` };
    // Slack's client stops typing at max_length and will not submit under min_length: so does the console.
    const length = [...typed].length;
    const max = input.element.max_length;
    const min = input.element.min_length;
    if (typeof max === 'number' && length > max) {
      return { error: `"${input.label}" takes at most ${max} characters (Slack's client stops you there).` };
    }
    if (typeof min === 'number' && length < min) {
      return { error: `"${input.label}" takes at least ${min} characters.` };
    }
    return { draft: { kind: 'text', value: typed } };
  }
  if (SINGLE_CHOICE.has(type) || MULTI_CHOICE.has(type)) {
    const wanted = MULTI_CHOICE.has(type) ? typed.split(',').filter((p) => p.trim() !== '') : [typed];
    const chosen: string[] = [];
    for (const w of wanted) {
      const option = chooseOption(input.element, w);
      if (!option)
        return { error: `"${w.trim()}" is not a choice of "${input.label}". Choices: ${choices()}.` };
      chosen.push(textOf(option.text));
    }
    return { draft: { kind: 'options', values: chosen } };
  }
  if (type === 'users_select' || type === 'multi_users_select') {
    const names = type === 'users_select' ? [typed] : typed.split(',');
    const unknown = names.map((n) => n.trim().replace(/^@/, '')).find((n) => !directory.userId(n));
    if (unknown !== undefined) return { error: `No user named "${unknown}" (see \`users\`).` };
    return { draft: { kind: 'options', values: names.map((n) => n.trim().replace(/^@/, '')) } };
  }
  if (type === 'conversations_select' || type === 'channels_select') {
    const name = typed.trim().replace(/^#/, '');
    if (!directory.channelId(name)) return { error: `No channel named "#${name}".` };
    return { draft: { kind: 'text', value: name } };
  }
  if (type === 'datepicker') {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(typed.trim()))
      return { error: `"${input.label}" takes a date, YYYY-MM-DD.` };
    return { draft: { kind: 'text', value: typed.trim() } };
  }
  if (type === 'timepicker') {
    if (!/^\d{2}:\d{2}$/.test(typed.trim())) return { error: `"${input.label}" takes a time, HH:mm.` };
    return { draft: { kind: 'text', value: typed.trim() } };
  }
  return { error: `The console cannot fill a ${type || 'this kind of'} element.` };
}

/** The `view.state.values` entry of an input holding `draft`. */
export function stateValueOf(
  input: ModalInput,
  draft: DraftValue,
  directory: SlashDirectory,
): ViewStateValue {
  const type = stringAt(input.element, 'type') ?? '';
  const values = draft.kind === 'text' ? [draft.value] : draft.values;
  const first = values[0] === '' ? undefined : values[0];
  const options = () => values.map((v) => chooseOption(input.element, v)).filter((o) => o !== undefined);
  switch (type) {
    case 'static_select':
    case 'radio_buttons':
      return { type, selected_option: options()[0] ?? null };
    case 'multi_static_select':
    case 'checkboxes':
      return { type, selected_options: options() };
    case 'users_select':
      return { type, selected_user: first === undefined ? null : (directory.userId(first) ?? null) };
    case 'multi_users_select':
      return {
        type,
        selected_users: values.map((v) => directory.userId(v)).filter((id) => id !== undefined),
      };
    case 'conversations_select':
      return {
        type,
        selected_conversation: first === undefined ? null : (directory.channelId(first) ?? null),
      };
    case 'channels_select':
      return { type, selected_channel: first === undefined ? null : (directory.channelId(first) ?? null) };
    case 'datepicker':
      return { type, selected_date: first ?? null };
    case 'timepicker':
      return { type, selected_time: first ?? null };
    default:
      return { type, value: first ?? null };
  }
}

/** True when the input would be submitted empty: no draft (or an empty one) and no initial value. */
export function isEmptyInput(input: ModalInput, draft: DraftValue | undefined): boolean {
  if (draft) return draft.kind === 'text' ? draft.value.trim() === '' : draft.values.length === 0;
  const e = input.element;
  const initial =
    stringAt(e, 'initial_value') ??
    stringAt(e, 'initial_user') ??
    stringAt(e, 'initial_conversation') ??
    stringAt(e, 'initial_channel') ??
    stringAt(e, 'initial_date') ??
    stringAt(e, 'initial_time');
  if (initial !== undefined && initial !== '') return false;
  if (isJsonObject(e.initial_option)) return false;
  return (
    objectsOf(e.initial_options).length === 0 &&
    !(Array.isArray(e.initial_users) && e.initial_users.length > 0)
  );
}
