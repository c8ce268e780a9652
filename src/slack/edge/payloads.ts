/**
 * The shapes of the Slack payloads this app handles, checked at the edge (zod) before Bolt or any listener sees
 * them. Schemas follow Slack's references — docs.slack.dev/interactivity/implementing-slash-commands,
 * docs.slack.dev/reference/interaction-payloads/block_actions-payload, …/view-interactions-payload,
 * docs.slack.dev/reference/events (app_home_opened, user_change, app_uninstalled, tokens_revoked, url_verification) — and check what this app
 * reads. They are loose objects: fields they do not name pass through untouched (Bolt reads some), and the payload
 * handed on is the one received, never zod's copy.
 *
 * {@link screenPayload} classifies a payload in the order Bolt's `getTypeAndConversation` does (an `event` key makes
 * an event, then `command`, then `name`, then `actions`, then `type`), so what the edge checks is what Bolt routes.
 */
import { z } from 'zod';
import { isStorableText } from '../../domain/validation.js';
import type { SlackMessage } from '../shared/common.blocks.js';
import {
  BUTTON_OUT_OF_DATE,
  BUTTON_VALUE_REFUSED,
  COMMAND_TEXT_REFUSED,
  COMMAND_TEXT_TOO_LONG,
  FIELD_TEXT_REFUSED,
  MAX_COMMAND_TEXT_LENGTH,
  unknownCommandAck,
  VIEW_OUT_OF_DATE_ACK,
} from './answers.js';

/** What the app's listeners serve: anything else is acknowledged at the edge and goes no further. */
export interface HandledPayloads {
  /** Slash commands, with their slash (`/org`). */
  commands: readonly string[];
  /** `action_id`s of `block_actions`. */
  actionIds: readonly string[];
  /** `callback_id`s of modals whose `view_submission` has a listener. */
  viewSubmissions: readonly string[];
  /** `callback_id`s of modals whose `view_closed` has a listener. */
  viewClosed: readonly string[];
  /** Events API event types. */
  events: readonly string[];
}

/** A message for one user, sent privately after the acknowledgement (see `tellPrivately` in ./screening.ts). */
export interface PrivateNote {
  userId: string;
  responseUrl?: string;
  channelId?: string;
  message: SlackMessage;
}

/**
 * The edge's decision about one payload:
 * - `process`: well formed and handled; Bolt gets it.
 * - `malformed`: refused with a 4xx (HTTP) or an empty ack (Socket Mode); `reason` names what was wrong.
 * - `answer`: acknowledged at the edge with `ack` (a body, or nothing) and, with `note`, the user told privately;
 *   `level` is how loudly it is logged (`warn` for what Slack would not send this app, `debug` for routine).
 */
export type Screened =
  | { verdict: 'process'; kind: PayloadKind }
  | { verdict: 'malformed'; reason: string }
  | {
      verdict: 'answer';
      reason: string;
      level: 'debug' | 'info' | 'warn';
      ack?: string | Record<string, unknown>;
      note?: PrivateNote;
    };

/** The payload kinds that reach Bolt. */
export type PayloadKind =
  | 'slash_command'
  | 'block_actions'
  | 'view_submission'
  | 'view_closed'
  | 'event_callback';

/** Slack's ids of users, teams, enterprises, channels and conversations: upper-case letters and digits. */
const SlackId = z.string().regex(/^[A-Z0-9]{1,64}$/, 'is not a Slack id');

/** A `response_url`: an absolute http(s) URL, as long as a URL reasonably is. */
const ResponseUrl = z
  .string()
  .max(2048)
  .refine((s) => /^https?:\/\//i.test(s) && URL.canParse(s), 'is not an http(s) URL');

/** `trigger_id`, `action_ts`, view ids and hashes: short opaque tokens. */
const Token = z.string().min(1).max(255);

/** A selected option (`static_select`, `overflow`, `radio_buttons`, …). */
const SelectedOption = z.looseObject({ value: z.string().max(2000) });

// A shorthand property: manifest:check reads `action_id: …` assignments as ids that blocks emit, and this is none.
const action_id = z.string().min(1).max(255);

/** One element of `actions` (docs.slack.dev/reference/interaction-payloads/block_actions-payload). */
const Action = z.looseObject({
  action_id,
  block_id: z.string().max(255).optional(),
  type: z.string().min(1).max(64),
  value: z.string().max(2000).optional(),
  selected_option: SelectedOption.nullable().optional(),
  selected_options: z.array(SelectedOption).max(100).optional(),
  action_ts: Token.optional(),
});

/**
 * One input element's value in `view.state.values` (plain-text input, select, user select, …). A plain-text
 * input holds at most 3,000 characters (its `max_length` cannot be set higher: Block Kit reference).
 */
const StateValue = z.looseObject({
  type: z.string().min(1).max(64),
  value: z.string().max(3000).nullable().optional(),
  selected_option: SelectedOption.nullable().optional(),
  selected_options: z.array(SelectedOption).max(100).optional(),
  selected_user: SlackId.nullable().optional(),
  selected_users: z.array(SlackId).max(100).optional(),
  selected_conversation: SlackId.nullable().optional(),
  selected_channel: SlackId.nullable().optional(),
});

/** `state.values`: block id → action id → the element's value. */
const StateValues = z.record(z.string().max(255), z.record(z.string().max(255), StateValue));

/** A view (modal or Home tab) as interaction payloads carry it. */
const View = z.looseObject({
  id: Token,
  type: z.string().max(64).optional(),
  callback_id: z.string().max(255).optional(),
  private_metadata: z.string().max(3000).refine(isStorableText, 'holds control characters').optional(),
  hash: Token.optional(),
  state: z.looseObject({ values: StateValues }).optional(),
});

/** The user of an interaction payload: `team_id` is their own workspace (or enterprise). */
const InteractionUser = z.looseObject({ id: SlackId, team_id: SlackId.optional() });
/** `team` of an interaction payload: null for an org-wide installation's payload outside a workspace. */
const InteractionTeam = z.looseObject({ id: SlackId }).nullable().optional();

/** A slash command's form fields (docs.slack.dev/interactivity/implementing-slash-commands). */
export const SlashCommandPayload = z.looseObject({
  command: z.string().regex(/^\/\S{1,31}$/, 'is not a slash command'),
  text: z.string(),
  user_id: SlackId,
  team_id: SlackId,
  channel_id: SlackId,
  response_url: ResponseUrl,
  trigger_id: Token,
});

/** A `block_actions` payload. */
export const BlockActionsPayload = z.looseObject({
  type: z.literal('block_actions'),
  user: InteractionUser,
  team: InteractionTeam,
  actions: z.array(Action).min(1).max(100),
  response_url: ResponseUrl.optional(),
  trigger_id: Token.optional(),
  channel: z.looseObject({ id: SlackId }).optional(),
  container: z.looseObject({ type: z.string().max(64) }).optional(),
  message: z.looseObject({ ts: Token }).optional(),
  view: View.optional(),
  state: z.looseObject({ values: StateValues }).optional(),
});

/** A `view_submission` payload: the view must carry its state. */
export const ViewSubmissionPayload = z.looseObject({
  type: z.literal('view_submission'),
  user: InteractionUser,
  team: InteractionTeam,
  view: View.extend({ callback_id: z.string().max(255), state: z.looseObject({ values: StateValues }) }),
  trigger_id: Token.optional(),
  response_urls: z
    .array(z.looseObject({ response_url: ResponseUrl, block_id: z.string().optional() }))
    .max(10)
    .optional(),
});

/** A `view_closed` payload. */
export const ViewClosedPayload = z.looseObject({
  type: z.literal('view_closed'),
  user: InteractionUser,
  team: InteractionTeam,
  view: View.extend({ callback_id: z.string().max(255) }),
  is_cleared: z.boolean().optional(),
});

/** The outer envelope of an Events API delivery (docs.slack.dev/apis/events-api#callback-field). */
export const EventCallbackPayload = z.looseObject({
  type: z.literal('event_callback'),
  team_id: SlackId,
  event_id: Token,
  event_time: z.number().int().nonnegative().optional(),
  event: z.looseObject({ type: z.string().min(1).max(255) }),
});

/** The events this app subscribes to, each with what its listener reads. */
export const EVENT_SCHEMAS: Readonly<Record<string, z.ZodType>> = {
  // docs.slack.dev/reference/events/app_home_opened
  app_home_opened: z.looseObject({
    user: SlackId,
    channel: SlackId,
    tab: z.string().max(64).optional(),
    view: z.looseObject({ id: Token }).optional(),
  }),
  // docs.slack.dev/reference/events/user_change
  user_change: z.looseObject({
    user: z.looseObject({
      id: SlackId,
      team_id: SlackId.optional(),
      deleted: z.boolean().optional(),
      profile: z.looseObject({ team: SlackId.optional() }).optional(),
    }),
  }),
  // docs.slack.dev/reference/events/message (and message_changed: the edited message in `message`)
  message: z.looseObject({
    channel: SlackId.optional(),
    user: SlackId.optional(),
    subtype: z.string().max(64).optional(),
  }),
  // docs.slack.dev/reference/events/app_uninstalled: the envelope says which workspace (or enterprise)
  app_uninstalled: z.looseObject({}),
  // docs.slack.dev/reference/events/tokens_revoked: the user and bot user ids whose tokens were revoked
  tokens_revoked: z.looseObject({
    tokens: z.looseObject({
      oauth: z.array(SlackId).max(10_000).optional(),
      bot: z.array(SlackId).max(10_000).optional(),
    }),
  }),
};

/** `url_verification` (docs.slack.dev/reference/events/url_verification): echo the challenge. */
export const UrlVerificationPayload = z.looseObject({
  type: z.literal('url_verification'),
  challenge: z.string().min(1).max(1000),
});

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The first issue of a failed parse as `path: message` (`actions: expected array, received string`). */
function describe(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid payload';
  const path = issue.path.map(String).join('.');
  return path ? `${path}: ${issue.message}` : issue.message;
}

/** Every string inside `value` (object values and array items, at any depth). */
function strings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const item of value) strings(item, out);
  else if (isObject(value)) for (const key of Object.keys(value)) strings(value[key], out);
  return out;
}

function malformed(what: string, reason: string): Screened {
  return { verdict: 'malformed', reason: `${what}: ${reason}` };
}

/**
 * Decides what becomes of one parsed payload (see {@link Screened}). Pure: it sends nothing and changes nothing.
 * Refused: a payload that is not a JSON object or whose handled type misses what its listener reads (malformed);
 * command text, button values and modal inputs holding NUL, another control character or a lone surrogate
 * ({@link isStorableText}; answered with a clear message). Acknowledged without a listener: unknown payload types,
 * commands, action ids, modal callback ids and event types.
 * @param body the payload as parsed from the form (`payload=` JSON or the command's fields) or the JSON body
 */
export function screenPayload(body: unknown, handled: HandledPayloads): Screened {
  if (!isObject(body)) return { verdict: 'malformed', reason: 'the payload is not a JSON object' };
  const type = body.type;
  if (body.ssl_check !== undefined) {
    return { verdict: 'answer', reason: 'ssl_check', level: 'debug' };
  }
  if (type === 'url_verification') {
    const parsed = UrlVerificationPayload.safeParse(body);
    if (!parsed.success) return malformed('url_verification', describe(parsed.error));
    return {
      verdict: 'answer',
      reason: 'url_verification',
      level: 'info',
      ack: { challenge: parsed.data.challenge },
    };
  }
  if (body.event !== undefined) return screenEvent(body, handled);
  if (body.command !== undefined) return screenCommand(body, handled);
  if (body.name !== undefined || type === 'block_suggestion') {
    return { verdict: 'answer', reason: 'options requests are not handled', level: 'warn' };
  }
  if (body.actions !== undefined || type === 'dialog_submission') {
    if (type !== 'block_actions') {
      return { verdict: 'answer', reason: `payload type ${String(type)} is not handled`, level: 'warn' };
    }
    return screenBlockActions(body, handled);
  }
  if (type === 'view_submission') return screenViewSubmission(body, handled);
  if (type === 'view_closed') {
    const parsed = ViewClosedPayload.safeParse(body);
    if (!parsed.success) return malformed('view_closed', describe(parsed.error));
    if (!handled.viewClosed.includes(parsed.data.view.callback_id)) {
      return { verdict: 'answer', reason: 'view_closed without a listener', level: 'debug' };
    }
    return { verdict: 'process', kind: 'view_closed' };
  }
  const shown = typeof type === 'string' ? type.slice(0, 64) : typeof type;
  return { verdict: 'answer', reason: `payload type ${shown} is not handled`, level: 'warn' };
}

function screenEvent(body: Json, handled: HandledPayloads): Screened {
  const parsed = EventCallbackPayload.safeParse(body);
  if (!parsed.success) return malformed('event_callback', describe(parsed.error));
  const eventType = parsed.data.event.type;
  const schema = Object.hasOwn(EVENT_SCHEMAS, eventType) ? EVENT_SCHEMAS[eventType] : undefined;
  if (!schema || !handled.events.includes(eventType)) {
    return { verdict: 'answer', reason: `event ${eventType.slice(0, 64)} is not handled`, level: 'warn' };
  }
  const event = schema.safeParse(parsed.data.event);
  if (!event.success) return malformed(`event ${eventType}`, describe(event.error));
  return { verdict: 'process', kind: 'event_callback' };
}

function screenCommand(body: Json, handled: HandledPayloads): Screened {
  const parsed = SlashCommandPayload.safeParse(body);
  if (!parsed.success) return malformed('slash command', describe(parsed.error));
  const { command, text } = parsed.data;
  if (!handled.commands.includes(command)) {
    return { verdict: 'answer', reason: 'unknown command', level: 'warn', ack: unknownCommandAck(command) };
  }
  if (text.length > MAX_COMMAND_TEXT_LENGTH) {
    return { verdict: 'answer', reason: 'command text too long', level: 'warn', ack: COMMAND_TEXT_TOO_LONG };
  }
  if (!isStorableText(text)) {
    return {
      verdict: 'answer',
      reason: 'command text holds control characters',
      level: 'warn',
      ack: COMMAND_TEXT_REFUSED,
    };
  }
  return { verdict: 'process', kind: 'slash_command' };
}

function screenBlockActions(body: Json, handled: HandledPayloads): Screened {
  const parsed = BlockActionsPayload.safeParse(body);
  if (!parsed.success) return malformed('block_actions', describe(parsed.error));
  const payload = parsed.data;
  const where = {
    userId: payload.user.id,
    ...(payload.response_url ? { responseUrl: payload.response_url } : {}),
    ...(payload.channel ? { channelId: payload.channel.id } : {}),
  };
  // Bolt routes a block_actions payload by its first action alone.
  const [first] = payload.actions;
  if (!first || !handled.actionIds.includes(first.action_id)) {
    return {
      verdict: 'answer',
      reason: 'unknown action_id',
      level: 'warn',
      note: { ...where, message: BUTTON_OUT_OF_DATE },
    };
  }
  const typed = [...strings(payload.actions), ...strings(payload.state)];
  if (!typed.every(isStorableText)) {
    return {
      verdict: 'answer',
      reason: 'action value holds control characters',
      level: 'warn',
      note: { ...where, message: BUTTON_VALUE_REFUSED },
    };
  }
  return { verdict: 'process', kind: 'block_actions' };
}

function screenViewSubmission(body: Json, handled: HandledPayloads): Screened {
  const parsed = ViewSubmissionPayload.safeParse(body);
  if (!parsed.success) return malformed('view_submission', describe(parsed.error));
  const { view } = parsed.data;
  if (!handled.viewSubmissions.includes(view.callback_id)) {
    return { verdict: 'answer', reason: 'unknown callback_id', level: 'warn', ack: VIEW_OUT_OF_DATE_ACK };
  }
  // Inline errors go under input blocks, keyed by their block ids: exactly the keys of state.values.
  const errors: Record<string, string> = {};
  for (const [blockId, block] of Object.entries(view.state.values)) {
    if (!strings(block).every(isStorableText)) errors[blockId] = FIELD_TEXT_REFUSED;
  }
  if (Object.keys(errors).length > 0) {
    return {
      verdict: 'answer',
      reason: 'modal input holds control characters',
      level: 'warn',
      ack: { response_action: 'errors', errors },
    };
  }
  return { verdict: 'process', kind: 'view_submission' };
}
