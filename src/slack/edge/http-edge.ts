/**
 * The HTTP edge: our own Bolt `Receiver` for `POST /slack/events`, served by the app's one HTTP server
 * (src/http/server.ts) in place of Bolt's `HTTPReceiver`. No request, however formed, can end the process or get a
 * 5xx: every step that can fail answers a 4xx, or a 200 acknowledgement with a clear message.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { type App, HTTPReceiverDeferredRequestError, type Receiver } from '@slack/bolt';
import { BodyTooLargeError, readBody } from '../../lib/http-body.js';
import { DrainState, type InFlightPayload } from '../../lifecycle/drain.js';
import type { Logger } from '../../logger.js';
import { edgeError } from './answers.js';
import {
  deliverScreened,
  EDGE_ACK_DEADLINE_MS,
  type EdgeOptions,
  HANDLED_PAYLOADS,
  type NoteClient,
  newRequestId,
  payloadKind,
  screen,
} from './screening.js';

/** The path Slack posts to (the manifest's request URLs). */
export const SLACK_EVENTS_PATH = '/slack/events';
/** Largest request body accepted, in bytes (Bolt's default as well); a larger one is answered 413. */
export const DEFAULT_BODY_LIMIT_BYTES = 4 * 1024 * 1024;
/**
 * Seconds a request's `X-Slack-Request-Timestamp` may be from our clock, either way: Slack's "Verifying requests
 * from Slack" (docs.slack.dev/authentication/verifying-requests-from-slack) asks for five minutes, a replay
 * protection; a timestamp in the future is refused like one in the past.
 */
export const SIGNATURE_WINDOW_SECONDS = 5 * 60;

/** Why a request's signature was refused (logged; the answer is a plain 401). */
export type SignatureProblem =
  | 'missing_headers'
  | 'malformed_timestamp'
  | 'timestamp_outside_window'
  | 'malformed_signature'
  | 'signature_mismatch';

/**
 * Verifies Slack's request signature (docs.slack.dev/authentication/verifying-requests-from-slack): the version
 * `v0`, a timestamp within {@link SIGNATURE_WINDOW_SECONDS} of `nowSeconds` either way, and `v0=` + the hex
 * HMAC-SHA256 of `v0:{timestamp}:{raw body}` keyed with the signing secret, compared in constant time.
 * @param headers the request's `x-slack-signature` and `x-slack-request-timestamp` values as Node gives them
 * @param rawBody the body exactly as received
 * @param nowSeconds our clock, Unix time in seconds
 * @returns null when the signature holds, else what is wrong
 */
export function verifySlackSignature(
  signingSecret: string,
  headers: { signature: unknown; timestamp: unknown },
  rawBody: Buffer,
  nowSeconds: number,
): SignatureProblem | null {
  const { signature, timestamp } = headers;
  if (typeof signature !== 'string' || typeof timestamp !== 'string') return 'missing_headers';
  if (!/^\d{1,12}$/.test(timestamp)) return 'malformed_timestamp';
  if (Math.abs(nowSeconds - Number(timestamp)) > SIGNATURE_WINDOW_SECONDS) return 'timestamp_outside_window';
  const given = /^v0=([0-9a-f]{64})$/.exec(signature);
  if (!given?.[1]) return 'malformed_signature';
  const expected = createHmac('sha256', signingSecret).update(`v0:${timestamp}:`).update(rawBody).digest();
  return timingSafeEqual(expected, Buffer.from(given[1], 'hex')) ? null : 'signature_mismatch';
}

/** The one value of a header, or undefined when it is missing or repeated. */
function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return typeof value === 'string' ? value : undefined;
}

/**
 * Parses a body as Slack sends it: `application/json` (Events API), or `application/x-www-form-urlencoded` — a
 * slash command's fields, or an interaction's `payload` field holding JSON
 * (docs.slack.dev/interactivity/handling-user-interaction#payloads).
 * @returns the parsed value (any JSON value: the screening checks its shape), or a status and message
 */
export function parseSlackBody(
  contentType: string | undefined,
  raw: string,
): { ok: true; value: unknown } | { ok: false; status: 400 | 415; message: string } {
  const mediaType = (contentType ?? '').split(';')[0]?.trim().toLowerCase();
  try {
    if (mediaType === 'application/json') return { ok: true, value: JSON.parse(raw) };
    if (mediaType === 'application/x-www-form-urlencoded') {
      const form = new URLSearchParams(raw);
      const payload = form.get('payload');
      if (payload !== null) return { ok: true, value: JSON.parse(payload) };
      return { ok: true, value: Object.fromEntries(form) };
    }
  } catch {
    return { ok: false, status: 400, message: 'The body is not valid JSON.' };
  }
  return {
    ok: false,
    status: 415,
    message: 'Slack sends application/json or application/x-www-form-urlencoded bodies.',
  };
}

/**
 * Reads and drops the rest of a refused body, so the client can finish sending and read the answer (closing at once
 * would reset a connection it is still writing to); past `limit` more bytes the connection is closed after all.
 */
function discardBody(req: IncomingMessage, limit: number): void {
  let dropped = 0;
  req.on('data', (chunk: Buffer) => {
    dropped += chunk.length;
    if (dropped > limit) req.destroy();
  });
  req.resume();
}

/** Answers with `status` and an optional JSON or text body, unless an answer has gone already. */
function answer(res: ServerResponse, status: number, body?: string | Record<string, unknown>): void {
  if (res.headersSent || res.writableEnded) return;
  if (body === undefined || body === '') {
    res.writeHead(status, { 'content-length': 0 });
    res.end();
  } else if (typeof body === 'string') {
    res.writeHead(status, {
      'content-type': 'text/plain; charset=utf-8',
      'content-length': Buffer.byteLength(body),
    });
    res.end(body);
  } else {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(text),
    });
    res.end(text);
  }
}

/** `X-Slack-Retry-Num` as a number, when it is a small non-negative integer. */
function retryNumOf(req: IncomingMessage): number | undefined {
  const value = headerValue(req, 'x-slack-retry-num');
  return value !== undefined && /^\d{1,3}$/.test(value) ? Number(value) : undefined;
}

/** `X-Slack-Retry-Reason` (`http_timeout`, `http_error`, …), when it is a short token. */
function retryReasonOf(req: IncomingMessage): string | undefined {
  const value = headerValue(req, 'x-slack-retry-reason');
  return value !== undefined && /^[\w.-]{1,64}$/.test(value) ? value : undefined;
}

/**
 * A Bolt `Receiver` (Bolt calls `init(app)`; the app's server calls {@link requestListener}) for Slack's HTTP
 * requests:
 * 1. only `POST /slack/events` is served (other requests go back to the server as Bolt's
 *    `HTTPReceiverDeferredRequestError`, which it answers 404);
 * 2. the body is buffered up to the limit (413 beyond);
 * 3. the signature is verified ({@link verifySlackSignature}; 401 without a valid one, within ±5 minutes);
 * 4. the body is parsed (400 for broken JSON, 415 for another content type);
 * 5. `ssl_check` and `url_verification` are answered here; the payload's shape is checked
 *    (src/slack/edge/payloads.ts): malformed → 400 with a JSON `{ error, message }`, logged at warn with the
 *    request id; unknown types, commands, action ids and callback ids → a 200 acknowledgement (and the user told
 *    privately when a button is out of date); control characters in stored text → a 200 with a clear message;
 * 6. the rest goes to `app.processEvent` with `processBeforeResponse: false` semantics (the acknowledgement is the
 *    HTTP response; listeners go on afterwards), under the guard of `processGuarded`: Slack gets an answer within
 *    3 seconds and never a 5xx. `X-Slack-Retry-Num` / `X-Slack-Retry-Reason` reach the context as Bolt's do.
 */
export class SlackHttpEdge implements Receiver {
  private app: App | undefined;
  private readonly log: Logger;
  private readonly handled;
  private readonly ackDeadlineMs: number;
  private readonly noteClient: NoteClient | undefined;
  private readonly bodyLimit: number;
  private readonly nowSeconds: () => number;
  private readonly inFlight: DrainState;

  /**
   * @param options `signingSecret` (the app's), `bodyLimitBytes` (default 4 MiB), `nowSeconds` (our clock, Unix
   *   seconds; default the system clock), and the {@link EdgeOptions}
   */
  constructor(
    private readonly options: EdgeOptions & {
      signingSecret: string;
      bodyLimitBytes?: number;
      nowSeconds?: () => number;
    },
  ) {
    this.log = options.logger.child({ component: 'slack-edge' });
    this.handled = options.handled ?? HANDLED_PAYLOADS;
    this.ackDeadlineMs = options.ackDeadlineMs ?? EDGE_ACK_DEADLINE_MS;
    this.noteClient = options.noteClient;
    this.bodyLimit = options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES;
    this.nowSeconds = options.nowSeconds ?? (() => Math.floor(Date.now() / 1000));
    this.inFlight = options.inFlight ?? new DrainState();
  }

  /** Called by Bolt with the app it delivers to. */
  init(app: App): void {
    this.app = app;
  }

  /** Nothing to start: the app's HTTP server serves this receiver. */
  async start(): Promise<void> {}

  /** Nothing to stop: the app's HTTP server is closed by its owner. */
  async stop(): Promise<void> {}

  /**
   * The server's fallback listener.
   * @throws HTTPReceiverDeferredRequestError for any request but `POST /slack/events` (the server answers 404)
   */
  readonly requestListener = (req: IncomingMessage, res: ServerResponse): void => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'POST' || (path !== SLACK_EVENTS_PATH && path !== `${SLACK_EVENTS_PATH}/`)) {
      throw new HTTPReceiverDeferredRequestError(
        `Unhandled HTTP request (${req.method}) made to ${path}`,
        req,
        res,
      );
    }
    const receivedAt = performance.now();
    const requestId = newRequestId();
    const log = this.log.child({ requestId });
    // In flight until the listeners are done, well after the acknowledgement (the response) went out.
    this.inFlight
      .track(requestId, (entry) => this.handle(req, res, entry, log, receivedAt))
      .catch((err: unknown) => {
        // Every step answers for itself; this is the last net under them.
        log.error({ err }, 'the Slack edge failed');
        answer(res, 200);
      });
  };

  private async handle(
    req: IncomingMessage,
    res: ServerResponse,
    entry: InFlightPayload,
    log: Logger,
    receivedAt: number,
  ): Promise<void> {
    const { requestId } = entry;
    let raw: Buffer;
    try {
      raw = await readBody(req, this.bodyLimit);
    } catch (err) {
      if (err instanceof BodyTooLargeError) {
        log.warn({ limit: this.bodyLimit }, 'Slack request refused: body too large');
        res.setHeader('connection', 'close');
        answer(res, 413, edgeError('payload_too_large', `The body exceeds ${this.bodyLimit} bytes.`));
        discardBody(req, this.bodyLimit);
      } else {
        log.info({ err }, 'Slack request could not be read');
        req.destroy();
      }
      return;
    }
    const problem = verifySlackSignature(
      this.options.signingSecret,
      {
        signature: headerValue(req, 'x-slack-signature'),
        timestamp: headerValue(req, 'x-slack-request-timestamp'),
      },
      raw,
      this.nowSeconds(),
    );
    if (problem) {
      log.warn({ problem }, 'Slack request refused: signature not verified');
      answer(res, 401);
      return;
    }
    const parsed = parseSlackBody(headerValue(req, 'content-type'), raw.toString('utf8'));
    if (!parsed.ok) {
      log.warn({ status: parsed.status, reason: parsed.message }, 'Slack request refused: body not parsed');
      answer(res, parsed.status, edgeError('invalid_body', parsed.message));
      return;
    }
    entry.kind = payloadKind(parsed.value);
    const verdict = screen(parsed.value, this.handled);
    if (verdict.verdict === 'malformed') {
      log.warn({ reason: verdict.reason }, 'Slack payload refused: malformed');
      answer(res, 400, edgeError('invalid_payload', `The payload is malformed (${verdict.reason}).`));
      return;
    }
    const retryNum = retryNumOf(req);
    const retryReason = retryReasonOf(req);
    await deliverScreened(verdict, {
      app: this.app,
      body: parsed.value as Record<string, unknown>,
      send: async (response) => answer(res, 200, response),
      requestId,
      log,
      ackDeadlineMs: this.ackDeadlineMs,
      noteClient: this.noteClient,
      timing: this.options.timing,
      receivedAt,
      ...(retryNum !== undefined ? { retryNum } : {}),
      ...(retryReason !== undefined ? { retryReason } : {}),
    });
  }
}
