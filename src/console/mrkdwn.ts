/**
 * Slack mrkdwn as a terminal shows it: references (`<@U…>`, `<#C…>`, `<!date^…>`, links, mailto) resolved to
 * readable text, the three escaped entities decoded, a few emoji shortcodes drawn; `*bold*`, `_italic_` and
 * `` `code` `` are kept as typed (docs.slack.dev/messaging/formatting-message-text).
 */

import { decodeEntities } from '../lib/slack-entities.js';

/** What rendering needs to know about the workspace, and how to show dates. */
export interface MrkdwnContext {
  /** The display name (`ada`) of a user id, or undefined when unknown. */
  userName(id: string): string | undefined;
  /** The name (`general`) of a conversation id, or undefined when unknown. */
  channelName(id: string): string | undefined;
  /** IANA time zone in which `<!date>` is shown; default `UTC`. */
  timeZone?: string;
  /** Now, in milliseconds since the epoch, for `{ago}`; default `Date.now()`. */
  now?: number;
}

const EMOJI: Record<string, string> = {
  tada: '🎉',
  wave: '👋',
  warning: '⚠️',
  white_check_mark: '✅',
  heavy_check_mark: '✔️',
  x: '❌',
  no_entry: '⛔',
  lock: '🔒',
  key: '🔑',
  email: '📧',
  envelope: '✉️',
  bust_in_silhouette: '👤',
  busts_in_silhouette: '👥',
  information_source: 'ℹ️',
  hourglass: '⌛',
  bee: '🐝',
  rocket: '🚀',
  memo: '📝',
  pencil2: '✏️',
  wastebasket: '🗑️',
  door: '🚪',
  crown: '👑',
  mag: '🔍',
};

function ordinal(day: number): string {
  const lastTwo = day % 100;
  if (lastTwo >= 11 && lastTwo <= 13) return `${day}th`;
  return `${day}${['th', 'st', 'nd', 'rd'][day % 10] ?? 'th'}`;
}

function parts(date: Date, timeZone: string): Record<string, string> {
  const out: Record<string, string> = {};
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone,
    year: 'numeric',
    month: 'long',
    day: 'numeric',
    weekday: 'long',
    hour: 'numeric',
    minute: '2-digit',
    second: '2-digit',
    hour12: true,
  });
  for (const p of format.formatToParts(date)) out[p.type] = p.value;
  const num = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  });
  out.dateNum = num.format(date);
  return out;
}

function agoText(seconds: number, nowMs: number): string {
  const diff = Math.round(nowMs / 1000 - seconds);
  const abs = Math.abs(diff);
  const units: [number, string][] = [
    [86_400, 'day'],
    [3_600, 'hour'],
    [60, 'minute'],
  ];
  for (const [size, unit] of units) {
    if (abs >= size) {
      const n = Math.floor(abs / size);
      const label = `${n} ${unit}${n === 1 ? '' : 's'}`;
      return diff >= 0 ? `${label} ago` : `in ${label}`;
    }
  }
  return diff >= 0 ? 'just now' : 'in a moment';
}

/**
 * Formats Slack's `<!date^seconds^format>` tokens (`{date_num}`, `{date}`, `{date_short}`, `{date_long}`, their
 * `_pretty` forms, `{time}`, `{time_secs}`, `{ago}`) in the context's time zone.
 * @param seconds Unix time in seconds
 */
export function formatSlackDate(seconds: number, format: string, ctx: MrkdwnContext): string {
  const date = new Date(seconds * 1000);
  const timeZone = ctx.timeZone ?? 'UTC';
  const p = parts(date, timeZone);
  const month = p.month ?? '';
  const day = Number(p.day ?? '0');
  const dateText = `${month} ${ordinal(day)}, ${p.year}`;
  const shortText = `${month.slice(0, 3)} ${day}, ${p.year}`;
  const longText = `${p.weekday}, ${dateText}`;
  const time = `${p.hour}:${p.minute} ${p.dayPeriod}`;
  const timeSecs = `${p.hour}:${p.minute}:${p.second} ${p.dayPeriod}`;
  const tokens: Record<string, string> = {
    date_num: p.dateNum ?? '',
    date: dateText,
    date_short: shortText,
    date_long: longText,
    date_pretty: dateText,
    date_short_pretty: shortText,
    date_long_pretty: longText,
    time,
    time_secs: timeSecs,
    ago: agoText(seconds, ctx.now ?? Date.now()),
  };
  return format.replace(/\{(\w+)\}/g, (whole, token: string) => tokens[token] ?? whole);
}

function reference(inner: string, ctx: MrkdwnContext): string {
  const bar = inner.indexOf('|');
  const target = bar === -1 ? inner : inner.slice(0, bar);
  const label = bar === -1 ? undefined : inner.slice(bar + 1);
  if (target.startsWith('@')) {
    const id = target.slice(1);
    return `@${ctx.userName(id) ?? label ?? id}`;
  }
  if (target.startsWith('#')) {
    const id = target.slice(1);
    return `#${ctx.channelName(id) ?? label ?? id}`;
  }
  if (target.startsWith('!date^')) {
    const [, seconds, format] = target.split('^');
    const at = Number(seconds);
    if (!Number.isFinite(at) || format === undefined) return label ?? target;
    return formatSlackDate(at, format, ctx);
  }
  if (target.startsWith('!subteam^')) return label ?? '@group';
  if (target.startsWith('!')) return `@${target.slice(1)}`;
  if (target.startsWith('mailto:')) return label ?? target.slice('mailto:'.length);
  if (label === undefined || label === target) return target;
  return `${label} (${target})`;
}

/**
 * Renders mrkdwn text for a terminal.
 * @example renderMrkdwn('Hi <@U0ADA>, &lt;3 :tada:', ctx) === 'Hi @ada, <3 🎉'
 */
export function renderMrkdwn(text: string, ctx: MrkdwnContext): string {
  const withRefs = text.replace(/<([^<>]+)>/g, (_whole, inner: string) => reference(inner, ctx));
  const withEmoji = withRefs.replace(/:([a-z0-9_+-]+):/g, (whole, name: string) => EMOJI[name] ?? whole);
  return decodeEntities(withEmoji);
}
