/**
 * A loopback stand-in for Slack: a fake of Slack's Web API, response_urls and Socket Mode on one local HTTP
 * server, plus a driver that delivers signed payloads to the app exactly as Slack would. Tests, the console mode
 * and the benchmarks run the real Bolt app against it.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { ApiContext } from './api-context.js';
import { buttonsOf } from './block-kit.js';
import { Driver } from './driver.js';
import { type Fault, type FaultInput, FaultSwitch } from './faults.js';
import { decodeArguments, readBody, sendJson } from './http-body.js';
import { HttpDeliverer } from './http-delivery.js';
import { IdFactory } from './ids.js';
import { tryParseJson } from './json.js';
import { MessageStore } from './messages.js';
import { Recorder, type RecordListener } from './recorder.js';
import { postToResponseUrl } from './response-url-post.js';
import { ResponseUrlRegistry } from './response-urls.js';
import { SocketModeHub } from './socket-mode.js';
import { TriggerRegistry } from './triggers.js';
import type {
  BlockActionInput,
  BlockActionOptions,
  BlockActionSource,
  CommandOptions,
  DeliveryOverrides,
  DeliveryResult,
  DeliveryTarget,
  EventOptions,
  InteractiveElement,
  IssuedCommand,
  JsonObject,
  RecordedApiError,
  RecordedCall,
  RecordedDelivery,
  RecordedEphemeral,
  RecordedMessage,
  RecordedView,
  StandInChannel,
  StandInChannelInput,
  StandInLogger,
  StandInOptions,
  StandInTeam,
  StandInUser,
  StandInUserInput,
  ViewStateValue,
  ViewSubmissionOptions,
} from './types.js';
import { ViewStore } from './views.js';
import { callMethod, tokenOf } from './web-api.js';
import { Workspace } from './workspace.js';

const HOST = '127.0.0.1';

/**
 * The stand-in. Typical use:
 *
 * ```ts
 * const slack = new SlackStandIn({ signingSecret });
 * await slack.start();
 * slack.addUser({ id: 'U1', name: 'ada', email: 'ada@example.com' });
 * // app: new App({ token: slack.botToken, signingSecret, clientOptions: { slackApiUrl: slack.apiUrl } })
 * slack.deliverTo({ kind: 'http', url: 'http://127.0.0.1:3000/slack/events' });
 * await slack.command('U1', 'help');
 * await slack.waitFor(() => slack.lastEphemeral('U1'));
 * await slack.stop();
 * ```
 */
export class SlackStandIn {
  readonly signingSecret: string;
  readonly botToken: string;
  readonly appToken: string;
  readonly team: Required<StandInTeam>;
  readonly botUserId: string;
  readonly botId: string;
  readonly appId: string;

  private readonly logger: StandInLogger | undefined;
  private readonly now: () => number;
  private readonly ids: IdFactory;
  private readonly recorder: Recorder;
  private readonly workspace: Workspace;
  private readonly messageStore: MessageStore;
  private readonly viewStore: ViewStore;
  private readonly triggers: TriggerRegistry;
  private readonly responseUrls: ResponseUrlRegistry;
  private readonly socket: SocketModeHub;
  private readonly http: HttpDeliverer;
  private readonly driver: Driver;
  private readonly api: ApiContext;
  private readonly faultSwitch: FaultSwitch;
  private server: Server | undefined;
  private listeningPort: number | undefined;
  private stopped = false;

  /** @param options see StandInOptions; only `signingSecret` is required. */
  constructor(options: StandInOptions) {
    this.signingSecret = options.signingSecret;
    this.botToken = options.botToken ?? 'xoxb-standin';
    this.appToken = options.appToken ?? 'xapp-standin';
    const team = options.team ?? { id: 'T0STANDIN', name: 'Stand-in Workspace', domain: 'standin' };
    this.team = { ...team, domain: team.domain ?? team.name.toLowerCase().replace(/[^a-z0-9]+/g, '-') };
    this.botUserId = options.botUserId ?? 'U0BOT';
    this.botId = options.botId ?? 'B0BOT';
    this.appId = options.appId ?? 'A0STANDIN';
    this.logger = options.logger;
    this.now = options.now ?? Date.now;

    this.ids = new IdFactory(this.now);
    this.recorder = new Recorder(this.logger);
    this.faultSwitch = new FaultSwitch(this.now);
    const bot = {
      userId: this.botUserId,
      botId: this.botId,
      appId: this.appId,
      name: options.botName ?? 'standin-bot',
    };
    this.workspace = new Workspace(this.team, bot, this.ids);
    this.messageStore = new MessageStore(this.recorder, this.ids, bot, this.team.id, this.now);
    this.viewStore = new ViewStore(this.recorder, this.ids, bot, this.team.id);
    this.triggers = new TriggerRegistry(this.ids, this.now);
    this.responseUrls = new ResponseUrlRegistry(this.ids, this.now);
    this.socket = new SocketModeHub(
      this.ids,
      this.appId,
      this.recorder,
      this.logger,
      options.socketPingIntervalMs ?? 5000,
    );
    this.http = new HttpDeliverer(this.signingSecret);
    this.api = {
      workspace: this.workspace,
      recorder: this.recorder,
      messages: this.messageStore,
      views: this.viewStore,
      triggers: this.triggers,
      now: this.now,
      openSocketUrl: () => this.socket.issueUrl(`ws://${HOST}:${this.port}`),
    };
    this.driver = new Driver({
      workspace: this.workspace,
      recorder: this.recorder,
      messages: this.messageStore,
      views: this.viewStore,
      triggers: this.triggers,
      responseUrls: this.responseUrls,
      ids: this.ids,
      socket: this.socket,
      http: this.http,
      verificationToken: options.verificationToken ?? 'standin-verification-token',
      deliveryTimeoutMs: options.deliveryTimeoutMs ?? 10_000,
      now: this.now,
      responseBaseUrl: () => `${this.baseUrl}/response/`,
      logger: this.logger,
    });
  }

  // ── lifecycle ────────────────────────────────────────────────────────────────────────────────────────────────

  /** Listens on 127.0.0.1, on a free port. @throws Error when already started, or stopped (make a new one). */
  async start(): Promise<void> {
    if (this.server) throw new Error('The stand-in is already started');
    if (this.stopped) throw new Error('A stopped stand-in cannot be restarted: make a new one');
    const server = createServer((req, res) => {
      this.route(req, res).catch((error: unknown) => {
        this.logger?.warn({ err: error, url: req.url }, 'stand-in request failed');
        if (!res.headersSent) sendJson(res, 500, { ok: false, error: 'internal_error' });
        else res.end();
      });
    });
    server.on('upgrade', (req, socket, head: Buffer) => this.socket.handleUpgrade(req, socket, head));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, HOST, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const address = server.address();
    this.listeningPort = typeof address === 'object' && address !== null ? address.port : undefined;
    this.server = server;
    this.logger?.debug({ apiUrl: this.apiUrl }, 'stand-in listening');
  }

  /**
   * Stops: fails deliveries in flight, closes Socket Mode connections (waiting at most 500 ms for their close
   * handshakes), destroys every other open socket (keep-alive ones too) and closes the server. Stop the app first,
   * or its Socket Mode client will try to reconnect.
   */
  async stop(): Promise<void> {
    const server = this.server;
    this.stopped = true;
    this.http.close();
    await this.socket.close();
    if (!server) return;
    this.server = undefined;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  /** The port the stand-in listens on. @throws Error before start(). */
  get port(): number {
    if (this.listeningPort === undefined) throw new Error('The stand-in is not started');
    return this.listeningPort;
  }

  /** `http://127.0.0.1:<port>` */
  get baseUrl(): string {
    return `http://${HOST}:${this.port}`;
  }

  /** The Web API base URL to give the app's WebClient as `slackApiUrl`: `http://127.0.0.1:<port>/api/`. */
  get apiUrl(): string {
    return `${this.baseUrl}/api/`;
  }

  // ── workspace ────────────────────────────────────────────────────────────────────────────────────────────────

  /** Adds (or replaces) a user of the workspace. */
  addUser(user: StandInUserInput): StandInUser {
    return this.workspace.addUser(user);
  }

  /**
   * Changes a user (deactivates or reactivates them, say) and, with `notify`, delivers the `user_change` event Slack
   * sends then (docs.slack.dev/reference/events/user_change), its `user` in the shape of `users.info`.
   * @returns the app's ack of the event, when delivered
   * @throws Error for an unknown user
   */
  async changeUser(
    userId: string,
    changes: Partial<Omit<StandInUserInput, 'id'>>,
    notify = true,
  ): Promise<DeliveryResult | undefined> {
    const current = this.workspace.users.get(userId);
    if (!current) throw new Error(`Unknown user ${userId}: add it with addUser() first`);
    const user = this.workspace.addUser({ ...current, ...changes, id: userId });
    if (!notify) return undefined;
    return this.event({
      type: 'user_change',
      user: this.workspace.userObject(user, this.now()),
      cache_ts: Math.floor(this.now() / 1000),
    });
  }

  /** Adds (or replaces) a conversation. The bot is in it only if `botUserId` is among `members`. */
  addChannel(channel: StandInChannelInput): StandInChannel {
    return this.workspace.addChannel(channel);
  }

  /** Users by id (the bot user included). */
  get users(): ReadonlyMap<string, StandInUser> {
    return this.workspace.users;
  }

  /** Conversations by id (DMs included). */
  get channels(): ReadonlyMap<string, StandInChannel> {
    return this.workspace.channels;
  }

  /** The id of the user's DM with the bot (created on demand, stable afterwards). */
  imChannelOf(userId: string): string {
    return this.workspace.imWithBot(userId).id;
  }

  // ── recordings ───────────────────────────────────────────────────────────────────────────────────────────────

  /** Every Web API call, in order. */
  get calls(): readonly RecordedCall[] {
    return this.recorder.calls;
  }

  /**
   * Calls and acks Slack would refuse because the request itself is wrong (Block Kit limits, bad arguments or
   * token, stale trigger, bad view_submission ack). A healthy test run leaves this empty.
   */
  get apiErrors(): readonly RecordedApiError[] {
    return this.recorder.apiErrors;
  }

  /** Every message the app posted (any conversation), in order; updated in place, deleted ones flagged. */
  get messages(): readonly RecordedMessage[] {
    return this.recorder.messages;
  }

  /** Every ephemeral shown (and each replacement or deletion of one), in order. */
  get ephemerals(): readonly RecordedEphemeral[] {
    return this.recorder.ephemerals;
  }

  /** Modals and Home tabs by view id. */
  get views(): ReadonlyMap<string, RecordedView> {
    return this.recorder.views;
  }

  /** Home tabs by user id. */
  get homeViews(): ReadonlyMap<string, RecordedView> {
    return this.recorder.homeViews;
  }

  /** Every payload delivered to the app, with its ack. */
  get deliveries(): readonly RecordedDelivery[] {
    return this.recorder.deliveries;
  }

  /** The slash command last sent with `command()` (its payload, response_url and trigger_id). */
  get lastCommand(): IssuedCommand | undefined {
    return this.driver.lastCommand;
  }

  /** The calls to one Web API method, in order. */
  callsTo(method: string): RecordedCall[] {
    return this.recorder.calls.filter((c) => c.method === method);
  }

  /** The messages of one conversation, in order (deleted ones included, flagged). */
  messagesIn(channelId: string): RecordedMessage[] {
    return this.recorder.messages.filter((m) => m.channel === channelId);
  }

  /** The last message not deleted, in a conversation or anywhere. */
  lastMessage(channelId?: string): RecordedMessage | undefined {
    return this.recorder.messages.findLast(
      (m) => !m.deleted && (channelId === undefined || m.channel === channelId),
    );
  }

  /** A live message by conversation and ts. */
  findMessage(channelId: string, ts: string): RecordedMessage | undefined {
    return this.messageStore.find(channelId, ts);
  }

  /** The last ephemeral entry, for a user or anyone (a deletion entry has `deleteOriginal` and no content). */
  lastEphemeral(userId?: string): RecordedEphemeral | undefined {
    return this.recorder.ephemerals.findLast((e) => userId === undefined || e.user === userId);
  }

  /** The ephemerals the user still sees (not replaced or deleted), oldest first. */
  visibleEphemerals(userId: string): RecordedEphemeral[] {
    return this.recorder.ephemerals.filter((e) => e.user === userId && !e.superseded);
  }

  /** The modal the user sees now (top of their stack), if any. */
  openView(userId: string): RecordedView | undefined {
    return this.viewStore.topModal(userId);
  }

  /** The user's Home tab, if published. */
  homeView(userId: string): RecordedView | undefined {
    return this.recorder.homeViews.get(userId);
  }

  /**
   * Forgets calls, API errors, deliveries, messages and ephemerals (for long benchmark runs). Views, users and
   * conversations stay; messages forgotten can no longer be clicked.
   */
  clearRecords(): void {
    const r = this.recorder;
    for (const list of [r.calls, r.apiErrors, r.deliveries, r.messages, r.ephemerals]) list.length = 0;
  }

  /** Listens to everything recorded, as it happens. */
  on(event: 'record', listener: RecordListener): this {
    if (event === 'record') this.recorder.addListener(listener);
    return this;
  }

  /** Stops listening. */
  off(event: 'record', listener: RecordListener): this {
    if (event === 'record') this.recorder.removeListener(listener);
    return this;
  }

  /**
   * Waits until the predicate answers something (not `undefined`, `false` or `null`), re-checking after every record
   * and every 20 ms.
   * @param timeoutMs milliseconds, default 2000.
   * @param what a name for the awaited thing in the timeout error.
   * @throws Error naming what was awaited (and the last Web API calls) after `timeoutMs`.
   */
  waitFor<T>(predicate: () => T | undefined | false | null, timeoutMs = 2000, what?: string): Promise<T> {
    return this.recorder.waitFor(predicate, timeoutMs, what);
  }

  /** Every interactive element of some blocks in display order, each usable as `blockAction()`'s action. */
  buttonsOf(blocks: readonly unknown[]): InteractiveElement[] {
    return buttonsOf(blocks);
  }

  // ── fault switches ───────────────────────────────────────────────────────────────────────────────────────────

  /**
   * Makes a Web API method (or `*`) answer HTTP 429 with `Retry-After`, 500 or 503, or answer slowly, for `count`
   * calls or `durationMs` (see src/standin/faults.ts). Also `POST /standin/faults` with the same JSON.
   * @throws Error for a bad fault
   */
  addFault(input: FaultInput): Fault {
    return this.faultSwitch.add(input);
  }

  /** The faults in force. Also `GET /standin/faults`. */
  get faults(): Fault[] {
    return this.faultSwitch.list();
  }

  /** Removes one fault, or all. Also `DELETE /standin/faults[/<id>]`. @returns how many were removed */
  clearFaults(id?: string): number {
    return this.faultSwitch.clear(id);
  }

  // ── delivering to the app ────────────────────────────────────────────────────────────────────────────────────

  /** Where payloads go: the app's HTTP request URL, or the app's Socket Mode connection(s). */
  deliverTo(target: DeliveryTarget): void {
    this.driver.target = target;
  }

  /**
   * Resolves once a Socket Mode app is connected (at once if one is).
   * @param timeoutMs milliseconds, default 5000.
   * @throws Error when none connects in time.
   */
  socketConnected(timeoutMs = 5000): Promise<void> {
    return this.waitFor(() => this.socket.connectionCount > 0, timeoutMs, 'a Socket Mode connection').then(
      () => undefined,
    );
  }

  /** Number of open Socket Mode connections. */
  get socketConnections(): number {
    return this.socket.connectionCount;
  }

  /** Sends Slack's `disconnect` message to connected apps (they reconnect through `apps.connections.open`). */
  disconnectSockets(reason = 'refresh_requested'): void {
    this.socket.disconnectAll(reason);
  }

  /**
   * A slash command typed by `userId` (default `/org`, in the user's DM with the bot unless `channelId`).
   * Issues a response_url and a trigger_id (see `lastCommand`). A non-empty ack body is shown as Slack shows it:
   * an ephemeral (`via: 'ack'`), or a channel message with `response_type: 'in_channel'`.
   * @returns the app's ack: HTTP status and body, or for Socket Mode status 200 and the ack's payload.
   * @throws Error for an unknown user or channel, without a target, on connection failure or no ack in time.
   */
  command(userId: string, text: string, options?: CommandOptions): Promise<DeliveryResult> {
    return this.driver.command(userId, text, options);
  }

  /**
   * A `block_actions` payload for a click by `userId` on an element of a recorded message, a visible ephemeral
   * (`{ channelId, messageTs }`), or an open view (`{ viewId }`). Message sources get a response_url whose
   * `replace_original` / `delete_original` act on that message.
   * @throws Error when the element (or option) is not in the source's blocks, or the source is not the user's.
   */
  blockAction(
    userId: string,
    action: BlockActionInput,
    source: BlockActionSource,
    options?: BlockActionOptions,
  ): Promise<DeliveryResult> {
    return this.driver.blockAction(userId, action, source, options);
  }

  /**
   * Submits the user's open modal with input values `{ [block_id]: { [action_id]: { type, value | selected_option
   * … } } }`; inputs left out are sent as Slack would (initial value, or empty). The ack is applied: `update`,
   * `push`, `clear`, `errors` (modal stays open), or empty (the modal closes).
   * @throws Error when the view is not the user's visible modal, a block id is not an input of it, or a required
   *   input is empty (unless `skipClientValidation`).
   */
  viewSubmission(
    userId: string,
    viewId: string,
    values: Record<string, Record<string, ViewStateValue>>,
    options?: ViewSubmissionOptions,
  ): Promise<DeliveryResult> {
    return this.driver.viewSubmission(userId, viewId, values, options);
  }

  /**
   * The user closes their visible modal (Cancel or ×): the modal (or with `clear_on_close` the whole stack) closes,
   * and with `notify_on_close` a `view_closed` payload is delivered.
   * @returns the app's ack, or undefined when nothing was delivered.
   */
  viewClosed(
    userId: string,
    viewId: string,
    options?: DeliveryOverrides,
  ): Promise<DeliveryResult | undefined> {
    return this.driver.viewClosed(userId, viewId, options);
  }

  /**
   * An Events API `event_callback` around `event` (an `event_ts` is added when missing). To play Slack's retry,
   * pass the first delivery's `eventId` with `retryNum` / `retryReason`, or use `redeliver`.
   */
  event(event: JsonObject, options?: EventOptions): Promise<DeliveryResult> {
    return this.driver.event(event, options);
  }

  /**
   * Sends a recorded delivery's payload again, unchanged (Slack's retry of an event, a duplicated delivery);
   * `overrides` can add `retryNum` / `retryReason`. Acks of redeliveries are not applied.
   */
  redeliver(delivery: RecordedDelivery, overrides?: DeliveryOverrides): Promise<DeliveryResult> {
    return this.driver.redeliver(delivery, overrides);
  }

  /**
   * POSTs any body to the app's request URL, signed as Slack signs it (with `overrides`: another secret or
   * timestamp, no signature, extra headers), and returns the answer. Nothing is recorded or applied: it plays
   * requests Slack would never send (`payload=null`, JSON `null`, broken JSON, fuzzed payloads). HTTP only.
   * @throws Error without an HTTP delivery target, when the connection fails, or without an answer in time
   */
  deliverRaw(body: string, contentType: string, overrides?: DeliveryOverrides): Promise<DeliveryResult> {
    return this.driver.deliverRaw(body, contentType, overrides);
  }

  /** The `app_home_opened` event for `userId` (with the current Home view, if published). */
  appHomeOpened(userId: string, options?: DeliveryOverrides): Promise<DeliveryResult> {
    return this.driver.appHomeOpened(userId, options);
  }

  // ── HTTP routes ──────────────────────────────────────────────────────────────────────────────────────────────

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.baseUrl);
    const apiMethod = /^\/api\/([\w.]+)$/.exec(url.pathname)?.[1];
    if (apiMethod !== undefined && (req.method === 'POST' || req.method === 'GET')) {
      const body = req.method === 'POST' ? await readBody(req) : url.searchParams.toString();
      const args = decodeArguments(req.method === 'POST' ? req.headers['content-type'] : undefined, body);
      const fault = this.faultSwitch.take(apiMethod);
      if (fault && fault.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
      if (fault?.status !== undefined) {
        this.answerFault(res, apiMethod, args ?? {}, fault.status, fault.retryAfterSeconds);
        return;
      }
      const token = tokenOf(req.headers.authorization, args ?? {});
      const tokens = { bot: this.botToken, app: this.appToken };
      sendJson(res, 200, callMethod(this.api, tokens, apiMethod, args, token));
      return;
    }
    if (url.pathname === '/standin/faults' || url.pathname.startsWith('/standin/faults/')) {
      await this.faultRoute(req, res, url.pathname.slice('/standin/faults/'.length) || undefined);
      return;
    }
    const responseId = /^\/response\/([\w-]+)$/.exec(url.pathname)?.[1];
    if (responseId !== undefined && req.method === 'POST') {
      const text = await readBody(req);
      const answer = postToResponseUrl(
        this.responseUrls,
        this.messageStore,
        responseId,
        this.responseBody(req, text),
      );
      sendJson(res, answer.status, answer.body);
      return;
    }
    sendJson(res, 404, { ok: false, error: 'not_found' });
  }

  /** Answers a Web API call as a fault switch says (the method does not run), and records the call as failed. */
  private answerFault(
    res: ServerResponse,
    method: string,
    args: JsonObject,
    status: 429 | 500 | 503,
    retryAfterSeconds = 1,
  ): void {
    const { token: _omitted, ...recordedArgs } = args;
    const error = status === 429 ? 'ratelimited' : `http_${status}`;
    const call: RecordedCall = { method, args: recordedArgs, at: this.now(), ok: false, error };
    this.recorder.calls.push(call);
    this.recorder.emit({ kind: 'call', call });
    if (status === 429) {
      sendJson(res, 429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(retryAfterSeconds) });
      return;
    }
    sendJson(res, status, { ok: false, error: status === 503 ? 'service_unavailable' : 'internal_error' });
  }

  /** `POST /standin/faults` (JSON fault) adds, `GET` lists, `DELETE` (optionally `/<id>`) removes. */
  private async faultRoute(req: IncomingMessage, res: ServerResponse, id: string | undefined): Promise<void> {
    if (req.method === 'GET') {
      sendJson(res, 200, { ok: true, faults: this.faultSwitch.list() });
      return;
    }
    if (req.method === 'DELETE') {
      sendJson(res, 200, { ok: true, removed: this.faultSwitch.clear(id) });
      return;
    }
    if (req.method === 'POST' && id === undefined) {
      try {
        const fault = this.faultSwitch.add(tryParseJson(await readBody(req)) as FaultInput);
        sendJson(res, 201, { ok: true, fault });
      } catch (error) {
        sendJson(res, 400, { ok: false, error: error instanceof Error ? error.message : String(error) });
      }
      return;
    }
    sendJson(res, 405, { ok: false, error: 'method_not_allowed' }, { allow: 'GET, POST, DELETE' });
  }

  /** A response_url body: JSON, or a form with a `payload` field holding JSON. */
  private responseBody(req: IncomingMessage, text: string): unknown {
    if ((req.headers['content-type'] ?? '').includes('application/x-www-form-urlencoded')) {
      const payload = new URLSearchParams(text).get('payload');
      return payload === null ? undefined : tryParseJson(payload);
    }
    return tryParseJson(text);
  }
}
