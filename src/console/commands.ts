/**
 * The console's input language: one line, one {@link ConsoleCommand}. Pure; `console.ts` runs them. Also encodes
 * slash-command text the way Slack sends it with `should_escape: true`.
 */
import { truncateGraphemes } from '../domain/graphemes.js';
import { escapeMrkdwn } from '../lib/slack-entities.js';
import { scrubCredentials } from '../logger.js';

/** A parsed console line. */
export type ConsoleCommand =
  | { kind: 'empty' }
  | { kind: 'slash'; command: string; text: string }
  | { kind: 'as'; user: string }
  | { kind: 'users' }
  | { kind: 'channel'; channel: string }
  | { kind: 'click'; number: number }
  | { kind: 'fill'; field: string; value: string }
  | { kind: 'submit' }
  | { kind: 'cancel' }
  | { kind: 'modal' }
  | { kind: 'home' }
  | { kind: 'help' }
  | { kind: 'quit' }
  | { kind: 'invalid'; message: string };

/** Slash commands the console's Slack workspace has installed (the app's manifest declares `/org`). */
export const SLASH_COMMANDS = ['/org'] as const;

const USAGE: Record<string, string> = {
  as: 'Usage: as <user>   (for example: as bob; `users` lists them)',
  click: 'Usage: click <n>   (n is a number shown as [n] next to a button or option)',
  fill: 'Usage: fill <field> <value>   (for example: fill name Demo Labs; without a value the field is emptied)',
  channel: 'Usage: channel <#name|dm>',
};

/**
 * Parses one line typed at (or piped into) the console.
 * Lines starting with `#` followed by a space, and blank lines, are `empty` (comments in scripts).
 * @returns an `invalid` command with a message saying what is wrong, never throws
 */
export function parseConsoleLine(line: string): ConsoleCommand {
  const trimmed = line.trim();
  if (trimmed === '' || /^#(\s|$)/.test(trimmed)) return { kind: 'empty' };
  const match = /^(\S+)\s*([\s\S]*)$/.exec(trimmed);
  const head = match?.[1] ?? '';
  const rest = match?.[2]?.trim() ?? '';
  const word = head.toLowerCase();

  if (word.startsWith('/')) {
    if (word === '/as') return parseAs(rest);
    if ((SLASH_COMMANDS as readonly string[]).includes(word))
      return { kind: 'slash', command: word, text: rest };
    return {
      kind: 'invalid',
      message: `${head} is not a slash command of this workspace. The app answers ${SLASH_COMMANDS.join(', ')}; the console also knows /as.`,
    };
  }
  switch (word) {
    case 'as':
      return parseAs(rest);
    case 'users':
    case 'submit':
    case 'cancel':
    case 'modal':
    case 'home':
    case 'help':
      return rest === '' ? { kind: word } : { kind: 'invalid', message: `${word} takes no arguments.` };
    case '?':
      return { kind: 'help' };
    case 'quit':
    case 'exit':
      return { kind: 'quit' };
    case 'channel':
      return rest === '' || /\s/.test(rest)
        ? { kind: 'invalid', message: USAGE.channel ?? '' }
        : { kind: 'channel', channel: rest };
    case 'click': {
      if (!/^\d{1,4}$/.test(rest) || Number(rest) < 1) return { kind: 'invalid', message: USAGE.click ?? '' };
      return { kind: 'click', number: Number(rest) };
    }
    case 'fill': {
      const fill = /^(\S+)\s*([\s\S]*)$/.exec(rest);
      if (!fill?.[1]) return { kind: 'invalid', message: USAGE.fill ?? '' };
      return { kind: 'fill', field: fill[1], value: (fill[2] ?? '').trim() };
    }
    default:
      return {
        kind: 'invalid',
        message: `Unknown input "${truncateGraphemes(scrubCredentials(trimmed), 41)}". Type help for the console commands, or /org help for the app's.`,
      };
  }
}

function parseAs(rest: string): ConsoleCommand {
  if (rest === '' || /\s/.test(rest)) return { kind: 'invalid', message: USAGE.as ?? '' };
  return { kind: 'as', user: rest.replace(/^@/, '') };
}

/** What encoding needs from the workspace: user and channel ids by name. */
export interface SlashDirectory {
  /** The id of a user named `name` (without `@`), or undefined. */
  userId(name: string): string | undefined;
  /** The id of a channel named `name` (without `#`), or undefined. */
  channelId(name: string): string | undefined;
}

const EMAIL = /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/;
const URL_PATTERN = /^https?:\/\/\S+$/;

function encodeWord(word: string, directory: SlashDirectory): string {
  // Trailing punctuation stays outside a link, as in Slack's client ("ask @bob, then").
  const split = /^([\s\S]*?)([.,;:!?)]*)$/.exec(word);
  const core = split?.[1] ?? word;
  const tail = escapeMrkdwn(split?.[2] ?? '');
  if (core.startsWith('@')) {
    const id = directory.userId(core.slice(1));
    if (id) return `<@${id}|${core.slice(1)}>${tail}`;
  }
  if (core.startsWith('#')) {
    const id = directory.channelId(core.slice(1));
    if (id) return `<#${id}|${core.slice(1)}>${tail}`;
  }
  if (EMAIL.test(core)) return `<mailto:${escapeMrkdwn(core)}|${escapeMrkdwn(core)}>${tail}`;
  if (URL_PATTERN.test(core)) return `<${escapeMrkdwn(core)}>${tail}`;
  return escapeMrkdwn(word);
}

/**
 * Slash-command text as Slack sends it with `should_escape: true`: `&`, `<`, `>` escaped, `@name` of a known user
 * as `<@U…|name>`, `#name` of a known channel as `<#C…|name>`, an email as `<mailto:…|…>`, a URL as `<…>`
 * (docs.slack.dev/interactivity/implementing-slash-commands, "Escaping").
 */
export function encodeSlashText(text: string, directory: SlashDirectory): string {
  return text
    .split(/(\s+)/)
    .map((part) => (part === '' || /^\s+$/.test(part) ? part : encodeWord(part, directory)))
    .join('');
}
