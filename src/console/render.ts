/**
 * Pure functions that draw what Slack would show — messages, ephemerals, modals, Home tabs — as terminal text.
 * Every clickable element (a button, each option of a select or overflow menu) gets a number, `[n]`, counted on
 * from `firstNumber`, in the display order of the stand-in's `buttonsOf` (so `click n` can send exactly it).
 * Block Kit reference: docs.slack.dev/reference/block-kit/blocks.
 */
import { buttonsOf, elementsOf, optionsOf } from '../standin/block-kit.js';
import { isJsonObject, objectsOf, stringAt, textOf } from '../standin/json.js';
import type { InteractiveElement, JsonObject, StandInUser } from '../standin/types.js';
import { type MrkdwnContext, renderMrkdwn } from './mrkdwn.js';

/** Text to print plus the elements it numbered (`index` = the number shown). */
export interface Rendered {
  lines: string[];
  elements: InteractiveElement[];
}

/** A value typed into a modal input, or chosen there, as the console keeps it before submission. */
export type DraftValue = { kind: 'text'; value: string } | { kind: 'options'; values: string[] };

/** A modal as the console shows it: the view, values filled in so far, inline errors of the last submission. */
export interface ModalState {
  view: JsonObject;
  /** block_id → value filled with `fill` (absent: the element's initial value stands). */
  drafts?: ReadonlyMap<string, DraftValue>;
  /** block_id → message, from an ack with `response_action: 'errors'`. */
  errors?: Readonly<Record<string, string>>;
}

const RULE = '─'.repeat(40);

/** A text object (`plain_text` shown as is, `mrkdwn` rendered). */
export function renderTextObject(value: unknown, ctx: MrkdwnContext): string {
  if (!isJsonObject(value)) return '';
  const text = textOf(value);
  return value.type === 'mrkdwn' ? renderMrkdwn(text, ctx) : text;
}

/** A section field written `*Label*\nvalue` becomes `Label: value`; anything else is rendered as it is. */
function renderField(field: unknown, ctx: MrkdwnContext): string {
  const text = renderTextObject(field, ctx);
  const labelled = /^\*([^*\n]+)\*\n([\s\S]*)$/.exec(text);
  if (labelled) return `${labelled[1]}: ${labelled[2]?.replace(/\n/g, ' ')}`;
  return text;
}

function elementLabel(element: InteractiveElement): string {
  const marks = [element.style === 'danger' ? '!' : '', element.confirm ? '…' : ''].join('');
  const url = element.url ? ` <${element.url}>` : '';
  return `[${element.index}] ${element.text}${marks}${url}`;
}

/**
 * The interactive elements of one block, numbered from `next`, rendered on one line: buttons side by side, a
 * select as `Placeholder: [3] Admin (current)  [4] Member`.
 */
function renderControls(block: JsonObject, next: number): Rendered {
  const found = buttonsOf([block]).map((e) => ({ ...e, index: next + e.index - 1 }));
  if (found.length === 0) return { lines: [], elements: [] };
  const parts: string[] = [];
  for (const element of elementsOf(block)) {
    const ofElement = found.filter(
      (f) =>
        f.actionId === (stringAt(element, 'action_id') ?? '') && f.type === (stringAt(element, 'type') ?? ''),
    );
    if (ofElement.length === 0) continue;
    const type = stringAt(element, 'type') ?? '';
    if (type === 'button') {
      parts.push(...ofElement.map(elementLabel));
      continue;
    }
    const initial = isJsonObject(element.initial_option)
      ? stringAt(element.initial_option, 'value')
      : undefined;
    const initials = objectsOf(element.initial_options).map((o) => stringAt(o, 'value'));
    const options = ofElement.map((f) => {
      const current = f.selectedOption?.value === initial || initials.includes(f.selectedOption?.value);
      return `${elementLabel(f)}${current && f.selectedOption ? ' (current)' : ''}`;
    });
    const title = textOf(element.placeholder) || (type === 'overflow' ? '⋯' : type);
    parts.push(optionsOf(element).length > 0 ? `${title}: ${options.join('  ')}` : options.join('  '));
  }
  return { lines: [parts.join('   ')], elements: found };
}

function renderRichText(node: unknown, ctx: MrkdwnContext): string {
  if (!isJsonObject(node)) return '';
  switch (node.type) {
    case 'text':
      return stringAt(node, 'text') ?? '';
    case 'link':
      return stringAt(node, 'text') ?? stringAt(node, 'url') ?? '';
    case 'user': {
      const id = stringAt(node, 'user_id') ?? '';
      return `@${ctx.userName(id) ?? id}`;
    }
    case 'channel': {
      const id = stringAt(node, 'channel_id') ?? '';
      return `#${ctx.channelName(id) ?? id}`;
    }
    case 'emoji':
      return `:${stringAt(node, 'name') ?? ''}:`;
    case 'rich_text_list':
      return objectsOf(node.elements)
        .map((item) => `• ${renderRichText(item, ctx)}`)
        .join('\n');
    default:
      return objectsOf(node.elements)
        .map((child) => renderRichText(child, ctx))
        .join('');
  }
}

function renderDraft(draft: DraftValue | undefined, element: JsonObject): string {
  if (draft?.kind === 'text') return draft.value;
  if (draft?.kind === 'options') return draft.values.join(', ');
  const initial = stringAt(element, 'initial_value');
  if (initial !== undefined) return initial;
  if (isJsonObject(element.initial_option)) return textOf(element.initial_option.text);
  const many = objectsOf(element.initial_options).map((o) => textOf(o.text));
  if (many.length > 0) return many.join(', ');
  for (const key of [
    'initial_user',
    'initial_conversation',
    'initial_channel',
    'initial_date',
    'initial_time',
  ]) {
    const v = stringAt(element, key);
    if (v !== undefined) return v;
  }
  return '';
}

/** An input block of a modal: label, the `fill` name, the current value, its options, hint and inline error. */
function renderInput(block: JsonObject, modal: ModalState | undefined, ctx: MrkdwnContext): string[] {
  const element = isJsonObject(block.element) ? block.element : {};
  const blockId = stringAt(block, 'block_id') ?? '';
  const label = renderTextObject(block.label, ctx);
  const required = block.optional === true ? 'optional' : 'required';
  const lines = [`${label}  (field "${blockId}", ${required})`];
  const value = renderDraft(modal?.drafts?.get(blockId), element);
  lines.push(`  > ${value === '' ? '(empty)' : value}`);
  const options = optionsOf(element).map((o) => textOf(o.text));
  if (options.length > 0) lines.push(`  choices: ${options.join(' | ')}`);
  const hint = renderTextObject(block.hint, ctx);
  if (hint) lines.push(`  ${hint}`);
  const error = modal?.errors?.[blockId];
  if (error) lines.push(`  ✗ ${error}`);
  return lines;
}

/**
 * Renders blocks as lines, numbering clickable elements from `firstNumber`.
 * @param modal the modal's drafts and errors, when the blocks are a modal's (input blocks show them)
 */
export function renderBlocks(
  blocks: readonly unknown[],
  ctx: MrkdwnContext,
  firstNumber = 1,
  modal?: ModalState,
): Rendered {
  const lines: string[] = [];
  const elements: InteractiveElement[] = [];
  const next = () => firstNumber + elements.length;
  for (const block of blocks) {
    if (!isJsonObject(block)) continue;
    switch (block.type) {
      case 'header':
        lines.push(`== ${renderTextObject(block.text, ctx)} ==`);
        break;
      case 'section': {
        const text = renderTextObject(block.text, ctx);
        if (text) lines.push(...text.split('\n'));
        for (const field of Array.isArray(block.fields) ? block.fields : [])
          lines.push(renderField(field, ctx));
        const controls = renderControls(block, next());
        lines.push(...controls.lines.map((l) => `  ${l}`));
        elements.push(...controls.elements);
        break;
      }
      case 'actions': {
        const controls = renderControls(block, next());
        lines.push(...controls.lines);
        elements.push(...controls.elements);
        break;
      }
      case 'context':
        lines.push(
          objectsOf(block.elements)
            .map((e) =>
              e.type === 'image' ? `[${stringAt(e, 'alt_text') ?? 'image'}]` : renderTextObject(e, ctx),
            )
            .join(' · '),
        );
        break;
      case 'divider':
        lines.push(RULE);
        break;
      case 'image':
        lines.push(`[image: ${stringAt(block, 'alt_text') ?? ''}]`);
        break;
      case 'rich_text':
        lines.push(...renderRichText(block, ctx).split('\n'));
        break;
      case 'input': {
        lines.push(...renderInput(block, modal, ctx));
        const controls = renderControls(block, next());
        lines.push(...controls.lines.map((l) => `  ${l}`));
        elements.push(...controls.elements);
        break;
      }
      default:
        lines.push(`[${String(block.type)} block]`);
    }
  }
  return { lines, elements };
}

/**
 * A message body: its blocks, or its text when it has no blocks (Slack shows `text` only then).
 * @returns lines indented by two spaces
 */
export function renderMessageBody(
  message: { text: string; blocks: readonly unknown[] },
  ctx: MrkdwnContext,
  firstNumber = 1,
): Rendered {
  const body =
    message.blocks.length > 0
      ? renderBlocks(message.blocks, ctx, firstNumber)
      : { lines: renderMrkdwn(message.text, ctx).split('\n'), elements: [] };
  return { lines: body.lines.map((l) => `  ${l}`), elements: body.elements };
}

/** A titled frame: `┌─ title`, the body lines prefixed with `│ `, then `└─ footer`. */
function frame(title: string, body: string[], footer: string): string[] {
  return [`┌─ ${title}`, ...body.map((l) => `│ ${l}`), `└─ ${footer}`];
}

/**
 * A modal: title, blocks (inputs with their `fill` names, current values and inline errors), and how to act on it.
 * @param owner whose screen it is on, shown when it is not the acting user's (`@bob`)
 */
export function renderModal(
  modal: ModalState,
  ctx: MrkdwnContext,
  firstNumber = 1,
  owner?: string,
): Rendered {
  const { view } = modal;
  const body = renderBlocks(objectsOf(view.blocks), ctx, firstNumber, modal);
  const title = `Modal "${textOf(view.title)}"${owner ? ` (on ${owner}'s screen)` : ''}`;
  const hasInputs = objectsOf(view.blocks).some((b) => b.type === 'input');
  const submit = textOf(view.submit);
  const close = textOf(view.close) || 'Close';
  const actions = [
    hasInputs ? 'fill <field> <value>' : '',
    submit ? `submit (${submit})` : '',
    `cancel (${close})`,
  ].filter(Boolean);
  return { lines: frame(title, body.lines, actions.join(' · ')), elements: body.elements };
}

/** A Home tab as published by the app. */
export function renderHome(view: JsonObject, ctx: MrkdwnContext, firstNumber = 1, owner = 'you'): Rendered {
  const body = renderBlocks(objectsOf(view.blocks), ctx, firstNumber);
  return { lines: frame(`Home tab (${owner})`, body.lines, 'end of Home tab'), elements: body.elements };
}

/** A heading line above a message: `── #general · from the app ──`. */
export function heading(parts: readonly string[]): string {
  return `── ${parts.filter(Boolean).join(' · ')} ──`;
}

/** The `users` listing: name, id, real name, email, workspace role; the acting user marked. */
export function renderUsers(users: readonly StandInUser[], actingUserId: string): string[] {
  const people = users.filter((u) => !u.isBot && !u.deleted);
  const width = Math.max(...people.map((u) => u.name.length), 4);
  return people.map((u) => {
    const role = u.isOwner ? 'workspace owner' : u.isAdmin ? 'workspace admin' : 'workspace member';
    const acting = u.id === actingUserId ? '  ← acting' : '';
    return `  ${u.name.padEnd(width)}  ${u.id}  ${u.realName} <${u.email ?? 'no email'}>  ${role}${acting}`;
  });
}

/**
 * The `users` listing: each workspace's people under a heading naming the workspace (`Slack users of "AstroBee
 * Demo" (T0CONSOLE):`), as {@link renderUsers} lists them; the acting user is marked.
 */
export function renderUsersByWorkspace(
  groups: readonly { team: { id: string; name: string }; users: readonly StandInUser[] }[],
  actingUserId: string,
): string[] {
  return groups.flatMap(({ team, users }) => [
    `Slack users of "${team.name}" (${team.id}):`,
    ...renderUsers(users, actingUserId),
  ]);
}

const CONSOLE_COMMANDS: readonly [string, string][] = [
  ['/org <text>', 'send the /org slash command as the acting user (in their DM with the app)'],
  ['as <user>, /as <user>', "act as another Slack user (name or id; see `users`), in that user's workspace"],
  ['users', 'list the Slack users of each workspace'],
  ['channel <#name|dm>', 'where slash commands are typed (default: your DM with the app)'],
  ['click <n>', 'click element [n] of the latest output (button or select option)'],
  ['fill <field> [value]', 'fill a field of the open modal (its name, label or number; no value empties it)'],
  ['submit | cancel', 'submit or close the open modal'],
  ['modal', 'show the open modal again'],
  ['home', 'open the App Home tab'],
  ['help', "this list (`/org help` is the app's own help)"],
  ['quit, exit', 'leave (end of input does too)'],
];

/** The console's own commands, for `help`. */
export const CONSOLE_HELP: readonly string[] = [
  'Console commands:',
  ...CONSOLE_COMMANDS.map(([usage, text]) => `  ${usage.padEnd(22)} ${text}`),
  'Buttons marked ! are destructive; marked … they ask to confirm (y/n) first — confirmed automatically when input is piped.',
  'Lines starting with "# " are comments (handy in scripts).',
];
