/**
 * Delivery over HTTP as Slack does it (docs.slack.dev/interactivity/handling-user-interaction, …/events-api):
 * slash commands as a form body, interactions as a form field `payload=<json>`, Events API as JSON, each signed.
 */
import { Agent, type ClientRequest, request } from 'node:http';
import { tryParseJson } from './json.js';
import { signSlackRequest } from './signing.js';
import type { DeliveryKind, DeliveryOverrides, DeliveryResult, JsonObject } from './types.js';

/** The body and content type Slack uses for a kind of delivery. */
export function encodeDelivery(
  kind: DeliveryKind,
  payload: JsonObject,
): { body: string; contentType: string } {
  switch (kind) {
    case 'slash_commands': {
      const form = new URLSearchParams();
      for (const [key, value] of Object.entries(payload)) form.set(key, String(value));
      return { body: form.toString(), contentType: 'application/x-www-form-urlencoded' };
    }
    case 'interactive':
      return {
        body: new URLSearchParams({ payload: JSON.stringify(payload) }).toString(),
        contentType: 'application/x-www-form-urlencoded',
      };
    case 'events_api':
      return { body: JSON.stringify(payload), contentType: 'application/json' };
  }
}

/**
 * Sends signed HTTP deliveries over kept-alive connections (as Slack reuses its connections; it also keeps
 * benchmarks from running out of ports), and keeps track of those in flight so `close` can end them.
 */
export class HttpDeliverer {
  private readonly inFlight = new Set<ClientRequest>();
  /** Idle connections are dropped after 2 s, before Node's default 5 s server keep-alive timeout can race a send. */
  private readonly agent = new Agent({ keepAlive: true, timeout: 2000, maxSockets: 256 });

  constructor(private readonly signingSecret: string) {}

  /**
   * POSTs a payload to the app and waits for its answer.
   *
   * @param url the app's request URL (e.g. `http://127.0.0.1:3000/slack/events`).
   * @param overrides test-only signature, timestamp and header changes.
   * @param timeoutMs how long to wait for the answer, in milliseconds.
   * @returns the app's HTTP status and body (and the body parsed when it is JSON).
   * @throws Error when the connection fails or no answer comes within `timeoutMs`.
   */
  send(
    url: string,
    kind: DeliveryKind,
    payload: JsonObject,
    overrides: DeliveryOverrides,
    timeoutMs: number,
  ): Promise<DeliveryResult> {
    const { body, contentType } = encodeDelivery(kind, payload);
    return this.sendRaw(url, body, contentType, overrides, timeoutMs);
  }

  /**
   * POSTs any body, signed as Slack signs (unless `overrides.omitSignature`), and waits for the answer: for tests
   * of what the app does with bodies Slack would never send (`payload=null`, JSON `null`, broken JSON …).
   * @param body the raw body; `contentType` its `Content-Type` header.
   * @throws Error when the connection fails or no answer comes within `timeoutMs`.
   */
  sendRaw(
    url: string,
    body: string,
    contentType: string,
    overrides: DeliveryOverrides,
    timeoutMs: number,
  ): Promise<DeliveryResult> {
    const signature = signSlackRequest(
      overrides.signingSecret ?? this.signingSecret,
      body,
      overrides.timestampSeconds,
    );
    const headers: Record<string, string> = {
      'content-type': contentType,
      'content-length': String(Buffer.byteLength(body)),
      'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
    };
    if (!overrides.omitSignature) {
      headers['x-slack-signature'] = signature['x-slack-signature'];
      headers['x-slack-request-timestamp'] = signature['x-slack-request-timestamp'];
    }
    if (overrides.retryNum !== undefined) headers['x-slack-retry-num'] = String(overrides.retryNum);
    if (overrides.retryReason !== undefined) headers['x-slack-retry-reason'] = overrides.retryReason;
    for (const [name, value] of Object.entries(overrides.headers ?? {})) headers[name.toLowerCase()] = value;

    const sentAt = Date.now();
    return new Promise<DeliveryResult>((resolve, reject) => {
      const req = request(url, { method: 'POST', headers, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          clearTimeout(timer);
          this.inFlight.delete(req);
          const text = Buffer.concat(chunks).toString('utf8');
          const json = text === '' ? undefined : tryParseJson(text);
          resolve({
            status: res.statusCode ?? 0,
            body: text,
            ...(json === undefined ? {} : { json }),
            elapsedMs: Date.now() - sentAt,
          });
        });
      });
      const timer = setTimeout(
        () => req.destroy(new Error(`HTTP delivery got no answer within ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.inFlight.add(req);
      req.on('error', (error) => {
        clearTimeout(timer);
        this.inFlight.delete(req);
        reject(error);
      });
      req.end(body);
    });
  }

  /** Ends every delivery in flight (they reject) and closes every connection. */
  close(): void {
    for (const req of this.inFlight) req.destroy(new Error('HTTP delivery aborted: the stand-in stopped'));
    this.inFlight.clear();
    this.agent.destroy();
  }
}
