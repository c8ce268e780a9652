/**
 * What the HTTP and Socket Mode edges share: the payloads the app handles, screening a payload, telling a user
 * privately, and handing a screened payload to Bolt under an acknowledgement guard (Slack's 3-second rule:
 * docs.slack.dev/interactivity/handling-user-interaction#acknowledgment_response).
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { type App, type ReceiverEvent, ReceiverMultipleAckError } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { DrainState } from '../../lifecycle/drain.js';
import type { Logger } from '../../logger.js';
import type { PayloadTiming } from '../../observability/metrics.js';
import { ACTION_IDS, COMMAND_NAMES, EVENT_NAMES, VIEW_CALLBACK_IDS } from '../register.js';
import { replyPrivately } from '../shared/reply.js';
import { type HandledPayloads, type PrivateNote, type Screened, screenPayload } from './payloads.js';

/** What this app's listeners serve (the features' registrations, src/slack/register.ts). */
export const HANDLED_PAYLOADS: HandledPayloads = {
  commands: COMMAND_NAMES,
  actionIds: ACTION_IDS,
  viewSubmissions: VIEW_CALLBACK_IDS,
  viewClosed: [],
  events: EVENT_NAMES,
};

/**
 * Milliseconds after which the edge acknowledges a payload that no listener has acknowledged: inside Slack's
 * 3 seconds with room for the network. The `/org` router acknowledges by itself after 2 s.
 */
export const EDGE_ACK_DEADLINE_MS = 2500;

/** Options common to both edges. */
export interface EdgeOptions {
  logger: Logger;
  /** Default {@link HANDLED_PAYLOADS}. */
  handled?: HandledPayloads;
  /** Default {@link EDGE_ACK_DEADLINE_MS}. */
  ackDeadlineMs?: number;
  /**
   * The Web API client that tells a user privately why the edge refused their payload, for the payload's workspace
   * (distribution mode: its installation's bot); default the app's own client (single-workspace mode).
   */
  noteClient?: NoteClient;
  /**
   * Where the edge counts the payloads it is processing, acknowledged or not, until their listeners are done (the
   * app's drain waits for them); default a state of the edge's own.
   */
  inFlight?: DrainState;
  /** Times each payload from receipt to ack and from ack until its work settled (the metrics); default none. */
  timing?: PayloadTiming;
}

/** Finds the Web API client for a payload's workspace; undefined when there is none (not installed). */
export type NoteClient = (body: Record<string, unknown>) => Promise<WebClient | undefined>;

/** A short id that ties the edge's log lines to the listeners' (`context.requestId`) and to user apologies. */
export function newRequestId(): string {
  return randomUUID().slice(0, 8);
}

/**
 * The kind of a parsed Slack payload, for logs and the drain's report: `command` for a slash command, else its
 * `type` (`block_actions`, `view_submission`, `event_callback` …), or `unknown`.
 */
export function payloadKind(body: unknown): string {
  if (!body || typeof body !== 'object') return 'unknown';
  const { command, type } = body as Record<string, unknown>;
  if (typeof command === 'string') return 'command';
  return typeof type === 'string' && /^[a-z_]{1,40}$/.test(type) ? type : 'unknown';
}

/** Screens a payload (see `screenPayload`); never throws, whatever `body` is. */
export function screen(body: unknown, handled: HandledPayloads): Screened {
  try {
    return screenPayload(body, handled);
  } catch (err) {
    // A schema should never throw; if one does, the payload is refused rather than the process put at risk.
    return {
      verdict: 'malformed',
      reason: `the payload could not be checked (${String(err).slice(0, 200)})`,
    };
  }
}

/**
 * Tells one user something privately: through the payload's `response_url` (ephemeral), else with
 * `chat.postEphemeral` in the channel, else by a direct message. Never throws: a failure is logged.
 */
export async function tellPrivately(
  client: WebClient | undefined,
  note: PrivateNote,
  log: Logger,
): Promise<void> {
  if (!client) return;
  try {
    if (!note.responseUrl && note.channelId) {
      await client.chat.postEphemeral({
        channel: note.channelId,
        user: note.userId,
        text: note.message.text,
        blocks: note.message.blocks,
      });
      return;
    }
    await replyPrivately(client, { userId: note.userId, responseUrl: note.responseUrl }, note.message);
  } catch (err) {
    log.warn({ err }, 'could not tell the user why their payload was refused');
  }
}

/** Sends an acknowledgement over the transport (an HTTP response, a Socket Mode ack). */
export type SendAck = (response?: string | Record<string, unknown>) => Promise<void>;

/**
 * Hands a screened payload to Bolt (`app.processEvent`) with an ack guard: the listener's `ack` sends at most one
 * acknowledgement; if none has been sent after `ackDeadlineMs`, or when Bolt is done without one (a listener threw
 * before acknowledging: the error handler has already told the user, with the request id), the edge sends an empty
 * one. A listener's `ack` after the edge's is ignored; a listener's second `ack` throws Bolt's
 * `ReceiverMultipleAckError`, as Bolt's receivers do. Never rejects: Bolt's own failures are logged.
 */
export async function processGuarded(options: {
  app: App;
  body: Record<string, unknown>;
  send: SendAck;
  requestId: string;
  log: Logger;
  ackDeadlineMs: number;
  retryNum?: number;
  retryReason?: string;
}): Promise<void> {
  const { app, body, send, requestId, log } = options;
  let acked = false;
  let byEdge = false;
  const sendSafely = (response?: string | Record<string, unknown>) =>
    send(response).catch((err: unknown) => log.warn({ err }, 'could not send the acknowledgement'));
  const edgeAck = async (why: string) => {
    if (acked) return;
    acked = true;
    byEdge = true;
    log.warn({ why }, 'acknowledged by the edge');
    await sendSafely();
  };
  const timer = setTimeout(() => void edgeAck('no ack within the deadline'), options.ackDeadlineMs);
  const ack = async (response?: string | Record<string, unknown>) => {
    if (acked) {
      if (byEdge) {
        log.debug('a listener acknowledged after the edge did');
        return;
      }
      throw new ReceiverMultipleAckError();
    }
    acked = true;
    clearTimeout(timer);
    await sendSafely(response);
  };
  const event: ReceiverEvent = {
    body,
    ack,
    ...(options.retryNum !== undefined ? { retryNum: options.retryNum } : {}),
    ...(options.retryReason !== undefined ? { retryReason: options.retryReason } : {}),
    customProperties: { requestId },
  };
  try {
    await app.processEvent(event);
  } catch (err) {
    log.error({ err }, 'Bolt failed to process a payload');
  } finally {
    clearTimeout(timer);
    await edgeAck('Bolt finished without an ack');
  }
}

/**
 * What both edges (HTTP and Socket Mode) do with a payload the screening did not find malformed: an edge answer is
 * acknowledged with its `ack` (then its private note, if any, goes to the user); a payload to process goes to the
 * app under {@link processGuarded}, or is acknowledged empty (logged at error) when no app is initialised yet.
 * Rejects only when `send` does.
 */
export async function deliverScreened(
  verdict: Exclude<Screened, { verdict: 'malformed' }>,
  options: Omit<Parameters<typeof processGuarded>[0], 'app'> & {
    app: App | undefined;
    noteClient?: NoteClient | undefined;
    /** With `receivedAt` (`performance.now()` ms at receipt): times the ack and the work after it. */
    timing?: PayloadTiming | undefined;
    receivedAt?: number;
  },
): Promise<void> {
  const timer = options.timing?.start(options.body, options.receivedAt ?? performance.now());
  if (!timer) return deliverUntimed(verdict, options);
  const send: SendAck = async (response) => {
    await options.send(response);
    timer.acked();
  };
  try {
    await deliverUntimed(verdict, { ...options, send });
  } finally {
    timer.settled();
  }
}

async function deliverUntimed(
  verdict: Exclude<Screened, { verdict: 'malformed' }>,
  options: Parameters<typeof deliverScreened>[1],
): Promise<void> {
  const { app, send, log } = options;
  if (verdict.verdict === 'answer') {
    log[verdict.level]({ reason: verdict.reason }, 'Slack payload answered at the edge');
    await send(verdict.ack);
    if (verdict.note) {
      const client = options.noteClient
        ? await options.noteClient(options.body).catch(() => undefined)
        : app?.client;
      await tellPrivately(client, verdict.note, log);
    }
    return;
  }
  if (!app) {
    log.error('a Slack payload arrived before the app was initialised');
    await send();
    return;
  }
  await processGuarded({ ...options, app });
}
