/**
 * Decoding of slash-command text, once, at the edge (DESIGN.md §2). With `should_escape: true` Slack sends user
 * mentions as `<@U123>` / `<@U123|name>`, channels as `<#C123|name>`, emails as `<mailto:a@example.com|a@example.com>`
 * and the characters `&`, `<`, `>` typed by the user as `&amp;`, `&lt;`, `&gt;`
 * (https://api.slack.com/interactivity/slash-commands#creating_commands, "Escaping").
 */

import { truncateGraphemes } from '../../domain/graphemes.js';
import { decodeEntities, escapeMrkdwn } from '../../lib/slack-entities.js';
import { SlackInputError } from './slack-input-error.js';

/** One argument of a command, after decoding. */
export type SlackArg =
  | { kind: 'user'; id: string; label?: string }
  | { kind: 'channel'; id: string; label?: string }
  | { kind: 'email'; email: string }
  | { kind: 'link'; url: string; label?: string }
  | { kind: 'word'; text: string };

// Unicode space separators, the line/paragraph separators and NEL become a plain space.
const UNICODE_SPACES = /[\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/g;
// Zero-width spaces, the word joiner and the byte-order mark are dropped. The zero-width joiner (U+200D) stays:
// emoji sequences such as 👩‍💻 are built with it.
const ZERO_WIDTH = /[\u200b\u200c\u2060\ufeff]/g;

/** Replaces curly quotes with straight ones and every kind of Unicode space with a plain space. */
export function normalizeTypography(text: string): string {
  return text
    .replace(ZERO_WIDTH, '')
    .replace(UNICODE_SPACES, ' ')
    .replace(/[\u2018\u2019\u201a\u201b\u2032]/g, "'")
    .replace(/[\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb]/g, '"');
}

export { decodeEntities, escapeMrkdwn } from '../../lib/slack-entities.js';

function parseAngle(inner: string): SlackArg {
  const bar = inner.indexOf('|');
  const target = bar === -1 ? inner : inner.slice(0, bar);
  const label = bar === -1 ? undefined : decodeEntities(inner.slice(bar + 1));
  if (/^@[UW][A-Z0-9]+$/.test(target)) {
    return label ? { kind: 'user', id: target.slice(1), label } : { kind: 'user', id: target.slice(1) };
  }
  if (/^#[CGD][A-Z0-9]+$/.test(target)) {
    return label ? { kind: 'channel', id: target.slice(1), label } : { kind: 'channel', id: target.slice(1) };
  }
  if (target.startsWith('mailto:')) {
    return { kind: 'email', email: decodeEntities(target.slice('mailto:'.length)).trim().toLowerCase() };
  }
  const url = decodeEntities(target);
  return label ? { kind: 'link', url, label } : { kind: 'link', url };
}

/** The display form of an argument (emails and labels as typed, mentions in Slack's form). */
export function argText(arg: SlackArg): string {
  switch (arg.kind) {
    case 'user':
      return `<@${arg.id}>`;
    case 'channel':
      return `<#${arg.id}>`;
    case 'email':
      return arg.email;
    case 'link':
      return arg.label ?? arg.url;
    case 'word':
      return arg.text;
  }
}

/**
 * Splits command text into arguments: `<…>` references become users, channels, emails or links; words are split on
 * whitespace, and a "double-quoted phrase" (straight or curly quotes) is one word.
 */
export function tokenize(raw: string): SlackArg[] {
  const text = normalizeTypography(raw);
  const args: SlackArg[] = [];
  const pattern = /<([^<>\s][^<>]*)>|"([^"]*)"|(\S+)/g;
  for (const m of text.matchAll(pattern)) {
    if (m[1] !== undefined) args.push(parseAngle(m[1]));
    else if (m[2] !== undefined) args.push({ kind: 'word', text: decodeEntities(m[2]) });
    else if (m[3] !== undefined) args.push({ kind: 'word', text: decodeEntities(m[3]) });
  }
  return args;
}

/** A parsed `/org` command. */
export interface ParsedCommand {
  /** Lower-cased first word, `''` when the text is empty. */
  subcommand: string;
  /** The arguments after the subcommand. */
  args: SlackArg[];
  /** The decoded text after the subcommand, as typed (for free text such as a name); `<…>` shown as typed. */
  rest: string;
}

/** Parses the text of an `/org` command. */
export function parseCommand(raw: string): ParsedCommand {
  const text = normalizeTypography(raw).trim();
  const match = /^(\S+)\s*([\s\S]*)$/.exec(text);
  if (!match) return { subcommand: '', args: [], rest: '' };
  const first = decodeEntities(match[1] ?? '').toLowerCase();
  const tail = match[2] ?? '';
  let rest = decodeEntities(
    tail.replace(/<([^<>]+)>/g, (_, inner: string) => argText(parseAngle(inner))),
  ).trim();
  const quoted = /^"([^"]*)"$/.exec(rest);
  if (quoted) rest = (quoted[1] ?? '').trim();
  return { subcommand: first, args: tokenize(tail), rest };
}

/** A member named in command text: a Slack user by mention (`display` is the mention, `<@U…>`) or an email. */
export type MemberReferenceArg = { slackUserId: string; display: string } | { email: string };

// Deliberately loose (one `@`, a dot in the domain, no spaces or Slack's markup characters): the lookup decides.
const EMAIL_SHAPE = /^[^\s@<>&"|]+@[^\s@<>&"|]+\.[^\s@<>&"|]+$/;

function shownArg(arg: SlackArg): string {
  const text = argText(arg);
  return `\`${escapeMrkdwn(truncateGraphemes(text, 40)).replace(/`/g, "'")}\``;
}

/**
 * Reads the argument that names a member: `<@U…>` or `<@U…|name>` (a mention), `<mailto:a@example.com|…>` or a plain
 * `a@example.com` (lower-cased). A bare `@name` is refused, never guessed: it reaches us as plain text when the
 * command's escaping is off or the name was not picked from Slack's list, and display names are not unique.
 * @param usage the command's example, shown when the argument is missing or malformed (`/org remove @someone`)
 * @throws SlackInputError (field `member`) for a missing argument, a bare `@name`, a channel, a link or other text
 */
export function memberReferenceArg(arg: SlackArg | undefined, usage: string): MemberReferenceArg {
  const hint = `Name them with a mention (pick the person from Slack's list as you type \`@\`) or with their email address, as in \`${usage}\`.`;
  if (!arg) throw new SlackInputError(`Who? ${hint}`, 'member');
  switch (arg.kind) {
    case 'user':
      return { slackUserId: arg.id, display: `<@${arg.id}>` };
    case 'email':
      if (EMAIL_SHAPE.test(arg.email)) return { email: arg.email.trim().toLowerCase() };
      break;
    case 'word':
      if (arg.text.startsWith('@')) {
        throw new SlackInputError(
          `${shownArg(arg)} arrived as plain text, not as a Slack mention, so it could match more than one person and nothing was done. ${hint}`,
          'member',
        );
      }
      if (EMAIL_SHAPE.test(arg.text)) return { email: arg.text.trim().toLowerCase() };
      break;
    case 'channel':
    case 'link':
      break;
  }
  throw new SlackInputError(`${shownArg(arg)} is neither a person nor an email address. ${hint}`, 'member');
}

/** The `<…>` references Slack's mrkdwn gives a meaning to (https://api.slack.com/reference/surfaces/formatting). */
const SLACK_REFERENCE = {
  user: /^@[UW][A-Z0-9]+(\|[^<>]*)?$/,
  channel: /^#[CG][A-Z0-9]+(\|[^<>]*)?$/,
  date: /^!date\^\d+\^[^<>]*$/,
  special: /^!(here|channel|everyone|subteam\^[A-Z0-9]+)(\|[^<>]*)?$/,
  link: /^(https?:\/\/|mailto:)[^\s<>|]+(\|[^<>]*)?$/,
};

/** Which references {@link sanitizeMrkdwn} keeps. */
export type SlackReferenceKind = keyof typeof SLACK_REFERENCE;

/**
 * Makes text safe to send as mrkdwn: every `<…>` that is not one of the `allow`ed Slack references (a placeholder
 * such as `<email>`, or markup that arrived in user data) is escaped, as are a stray `<`, `>` and a `&` that does
 * not start one of the three entities Slack uses. Text escaped with {@link escapeMrkdwn} passes through unchanged.
 * @param allow the references to keep; all by default. Messages that quote stored user data pass
 *   `['user', 'date']`, so nothing in them can become `<!channel>` or a link.
 */
export function sanitizeMrkdwn(
  text: string,
  allow: readonly SlackReferenceKind[] = ['user', 'channel', 'date', 'special', 'link'],
): string {
  return text
    .replace(/&(?!(amp|lt|gt);)/g, '&amp;')
    .replace(/<([^<>]*)>|[<>]/g, (whole, inner: string | undefined) => {
      if (inner !== undefined && allow.some((kind) => SLACK_REFERENCE[kind].test(inner))) return whole;
      return escapeMrkdwn(whole);
    });
}

/**
 * Reads an optional page number argument.
 * @param example the command with a page, shown when the argument is not a page (`/org members 2`)
 * @throws SlackInputError (field `page`) for anything but a positive whole number
 */
export function parsePage(arg: SlackArg | undefined, example = '/org members 2'): number {
  if (!arg) return 1;
  if (arg.kind === 'word' && /^[1-9]\d{0,5}$/.test(arg.text)) return Number(arg.text);
  throw new SlackInputError(`The page must be a positive whole number, as in \`${example}\`.`, 'page');
}
