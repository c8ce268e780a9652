/**
 * The app's Prometheus metrics (prom-client, text exposition format 0.0.4: prometheus.io/docs/instrumenting/
 * exposition_formats). Each app owns its own registry, so several apps in one process (tests, benchmarks) never
 * share or collide on a metric; only the process metrics, which describe the process, are collected once for all.
 */
import { performance } from 'node:perf_hooks';
import type { FetchFunction } from '@slack/web-api';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { Clock } from '../domain/actor.js';

/** The payload kinds used as the `kind` label; anything else counts as `other` (the label set stays bounded). */
export const PAYLOAD_KINDS = [
  'slash_command',
  'block_actions',
  'block_suggestion',
  'view_submission',
  'view_closed',
  'event_callback',
  'shortcut',
  'message_action',
  'url_verification',
  'ssl_check',
  'other',
] as const;
export type PayloadKindLabel = (typeof PAYLOAD_KINDS)[number];

/**
 * The `kind` label of a Slack payload as the edges receive it: `slash_command` for a command (a `command` field),
 * else its `type` when it is one of {@link PAYLOAD_KINDS}, else `other`. `block_suggestion` is the options request
 * of an external select (docs.slack.dev/reference/block-kit/block-elements/select-menu-element#external_select).
 */
export function payloadKindOf(body: unknown): PayloadKindLabel {
  if (typeof body !== 'object' || body === null) return 'other';
  const b = body as Record<string, unknown>;
  if (typeof b.command === 'string') return 'slash_command';
  const type = b.type;
  return typeof type === 'string' && (PAYLOAD_KINDS as readonly string[]).includes(type)
    ? (type as PayloadKindLabel)
    : 'other';
}

/** Times one payload: from its receipt to its acknowledgement, then from the acknowledgement until its work settles. */
export interface PayloadTimer {
  /** The acknowledgement went out (the first call counts; later ones are ignored). */
  acked(): void;
  /** The work the payload started (the listeners, after the ack too) has settled; counted once. */
  settled(): void;
}

/** What the Slack edges need: a {@link PayloadTimer} per payload. */
export interface PayloadTiming {
  /**
   * @param body the parsed payload (its kind labels both measurements)
   * @param receivedAt when the payload arrived, `performance.now()` milliseconds
   */
  start(body: unknown, receivedAt: number): PayloadTimer;
}

/** What a Web API call ended with, as the `outcome` label. */
export type WebApiOutcome = string;

/** How many pending rows an outbox holds, and when the oldest of them was created. */
export interface OutboxBacklog {
  pending: number;
  /** Creation time of the oldest pending row; null when there is none. */
  oldestCreatedAt: Date | null;
}

/** The backlogs of the mail outbox and the Slack delivery outbox. */
export interface Backlogs {
  mail: OutboxBacklog;
  slack: OutboxBacklog;
}

let processMetrics: Registry | undefined;

/**
 * prom-client's default metrics (CPU, memory, heap, event loop lag, GC …) describe the process, not an app: they
 * are collected once per process, in a registry of their own that every app's `/metrics` appends (collecting them
 * per app would add an event loop monitor and a GC observer per app, never removed).
 */
function processRegistry(): Registry {
  if (!processMetrics) {
    processMetrics = new Registry();
    collectDefaultMetrics({ register: processMetrics });
  }
  return processMetrics;
}

/** Milliseconds (of the app's clock) a backlog reading is reused: a scrape every few seconds costs one reading. */
export const BACKLOG_CACHE_MS = 5_000;

const WEB_API_METHOD = /^[a-z]+(\.[A-Za-z]+)+$/;
const ERROR_CODE = /^[a-z][a-z0-9_]{0,63}$/;

/**
 * The label of a Web API method from a request URL (`…/api/chat.postMessage` → `chat.postMessage`); `other` for
 * anything that is not a method name.
 */
export function webApiMethodOf(url: string | URL): string {
  const path = typeof url === 'string' ? (url.split('?')[0] ?? '') : url.pathname;
  const last = path.slice(path.lastIndexOf('/') + 1);
  return WEB_API_METHOD.test(last) ? last : 'other';
}

/**
 * The app's metrics. Names (all with the `astrobee_` prefix but the process ones):
 * - `astrobee_slack_ack_duration_seconds{kind}` histogram: receipt of a payload to its acknowledgement;
 * - `astrobee_slack_follow_up_duration_seconds{kind}` histogram: acknowledgement until the payload's work settled;
 * - `astrobee_slack_api_calls_total{method,outcome}` counter: Web API HTTP requests (each retry counts), outcome
 *   `ok`, Slack's error code (`channel_not_found` …), `rate_limited` (HTTP 429), `http_<status>`, `timeout`,
 *   `request_error`, or `invalid_response`;
 * - `astrobee_oauth_token_requests_total{outcome}` counter: `POST /oauth/token` answers, outcome `issued` or the
 *   RFC 6749 §5.2 error code, `rate_limited` (the failed-authentication limiter's 429), `server_error`;
 * - `astrobee_outbox_backlog{outbox}` and `astrobee_outbox_oldest_age_seconds{outbox}` gauges (`mail`, `slack`),
 *   read from the database at scrape time (cached {@link BACKLOG_CACHE_MS});
 * - `astrobee_mails_total{outcome}` counter: `sent`, `failed`, `retrying`, `cancelled`;
 * - prom-client's default process and Node.js metrics (`process_cpu_seconds_total`, `nodejs_heap_size_used_bytes` …),
 *   one set per process, appended to every app's.
 */
export class AppMetrics {
  readonly registry = new Registry();
  private readonly ackDuration: Histogram<'kind'>;
  private readonly followUpDuration: Histogram<'kind'>;
  private readonly webApiCalls: Counter<'method' | 'outcome'>;
  private readonly tokenRequests: Counter<'outcome'>;
  private readonly mails: Counter<'outcome'>;
  private backlogCache: { at: number; value: Promise<Backlogs> } | undefined;

  /**
   * @param options `backlogs` reads the outboxes' backlogs (omitted: the backlog gauges are not registered);
   *   `clock` dates the oldest rows' ages and the backlog cache (default the system clock)
   */
  constructor(private readonly options: { backlogs?: () => Promise<Backlogs>; clock?: Clock } = {}) {
    const registers = [this.registry];
    this.ackDuration = new Histogram({
      name: 'astrobee_slack_ack_duration_seconds',
      help: 'Seconds from the receipt of a Slack payload to its acknowledgement, by payload kind.',
      labelNames: ['kind'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 2.5, 3, 5],
      registers,
    });
    this.followUpDuration = new Histogram({
      name: 'astrobee_slack_follow_up_duration_seconds',
      help: "Seconds from a Slack payload's acknowledgement until the work it started settled, by payload kind.",
      labelNames: ['kind'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    });
    this.webApiCalls = new Counter({
      name: 'astrobee_slack_api_calls_total',
      help: "Slack Web API HTTP requests (each retry counts), by method and outcome (ok, Slack's error code, rate_limited, http_<status>, timeout, request_error).",
      labelNames: ['method', 'outcome'],
      registers,
    });
    this.tokenRequests = new Counter({
      name: 'astrobee_oauth_token_requests_total',
      help: 'POST /oauth/token answers by outcome (issued, or the OAuth error code; rate_limited for a 429).',
      labelNames: ['outcome'],
      registers,
    });
    this.mails = new Counter({
      name: 'astrobee_mails_total',
      help: 'Invitation mail delivery attempts by outcome (sent, failed, retrying, cancelled).',
      labelNames: ['outcome'],
      registers,
    });
    if (options.backlogs) {
      const backlog = () => this.backlogs();
      const clock = () => this.now();
      new Gauge({
        name: 'astrobee_outbox_backlog',
        help: 'Rows waiting in an outbox (mail: queued or retrying; slack: pending deliveries).',
        labelNames: ['outbox'],
        registers,
        async collect() {
          // The database not answering leaves the gauge out of this scrape rather than failing the others.
          const b = await backlog().catch(() => undefined);
          this.reset();
          if (!b) return;
          this.set({ outbox: 'mail' }, b.mail.pending);
          this.set({ outbox: 'slack' }, b.slack.pending);
        },
      });
      new Gauge({
        name: 'astrobee_outbox_oldest_age_seconds',
        help: 'Age in seconds of the oldest row waiting in an outbox; 0 when it is empty.',
        labelNames: ['outbox'],
        registers,
        async collect() {
          const b = await backlog().catch(() => undefined);
          this.reset();
          if (!b) return;
          const now = clock();
          const age = (o: OutboxBacklog) =>
            o.oldestCreatedAt ? Math.max(0, (now - o.oldestCreatedAt.getTime()) / 1000) : 0;
          this.set({ outbox: 'mail' }, age(b.mail));
          this.set({ outbox: 'slack' }, age(b.slack));
        },
      });
    }
  }

  /** The content type of {@link render}'s text. */
  get contentType(): string {
    return this.registry.contentType;
  }

  /**
   * Every metric in Prometheus' text format: the app's own, then the process ones (runs the backlog query when its
   * cache is stale).
   */
  async render(): Promise<string> {
    const own = await this.registry.metrics();
    return `${own.endsWith('\n') || own === '' ? own : `${own}\n`}${await processRegistry().metrics()}`;
  }

  /** The edges' timing of payloads (see {@link PayloadTiming}). */
  readonly payloadTiming: PayloadTiming = {
    start: (body, receivedAt) => {
      const kind = payloadKindOf(body);
      let ackedAt: number | undefined;
      let settled = false;
      return {
        acked: () => {
          if (ackedAt !== undefined) return;
          ackedAt = performance.now();
          this.ackDuration.observe({ kind }, (ackedAt - receivedAt) / 1000);
        },
        settled: () => {
          if (settled || ackedAt === undefined) return;
          settled = true;
          this.followUpDuration.observe({ kind }, (performance.now() - ackedAt) / 1000);
        },
      };
    },
  };

  /** Counts one `POST /oauth/token` answer. */
  readonly countTokenRequest = (outcome: string): void => {
    this.tokenRequests.inc({ outcome });
  };

  /** Counts one mail outbox outcome. */
  readonly countMail = (outcome: 'sent' | 'failed' | 'retrying' | 'cancelled'): void => {
    this.mails.inc({ outcome });
  };

  /**
   * A `fetch` for `@slack/web-api`'s `fetch` option that counts every request in
   * `astrobee_slack_api_calls_total`. The outcome of an HTTP 200 is read from a clone of the body (Slack answers
   * errors as `{"ok":false,"error":"…"}` with status 200: docs.slack.dev/apis/web-api/#responses).
   * @param inner the fetch that does the work (default `globalThis.fetch`)
   */
  webApiFetch(inner: typeof globalThis.fetch = globalThis.fetch): FetchFunction {
    return async (url, init) => {
      const method = webApiMethodOf(url);
      let response: Response;
      try {
        response = await inner(url, init as RequestInit);
      } catch (err) {
        const timeout = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
        this.webApiCalls.inc({ method, outcome: timeout ? 'timeout' : 'request_error' });
        throw err;
      }
      this.webApiCalls.inc({ method, outcome: await webApiOutcomeOf(response) });
      return response;
    };
  }

  /** Milliseconds since the epoch on the app's clock. */
  private now(): number {
    return this.options.clock ? this.options.clock.now().getTime() : Date.now();
  }

  private backlogs(): Promise<Backlogs> {
    const read = this.options.backlogs;
    if (!read) return Promise.reject(new Error('no backlog reader'));
    const now = this.now();
    if (this.backlogCache && now - this.backlogCache.at < BACKLOG_CACHE_MS) return this.backlogCache.value;
    const value = read();
    this.backlogCache = { at: now, value };
    // A failed read is not kept: the next scrape asks again.
    value.catch(() => {
      if (this.backlogCache?.value === value) this.backlogCache = undefined;
    });
    return value;
  }
}

async function webApiOutcomeOf(response: Response): Promise<WebApiOutcome> {
  if (response.status === 429) return 'rate_limited';
  if (response.status !== 200) return `http_${response.status}`;
  try {
    const data = (await response.clone().json()) as { ok?: unknown; error?: unknown };
    if (data.ok === true) return 'ok';
    return typeof data.error === 'string' && ERROR_CODE.test(data.error) ? data.error : 'error';
  } catch {
    return 'invalid_response';
  }
}
