/**
 * A loopback stand-in for Slack: a fake of Slack's Web API, response_urls and Socket Mode on one local HTTP
 * server, plus a driver that delivers signed payloads to the app exactly as Slack would. Tests, the console mode
 * and the benchmarks run the real Bolt app against it.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { BodyTooLargeError, readBody as readBytes } from '../lib/http-body.js';
import { buttonsOf } from './block-kit.js';
import type { DeliveryRoute } from './driver.js';
import { type Fault, type FaultInput, FaultSwitch } from './faults.js';
import { FileStore, fileOfMultipart, MAX_FILE_BYTES } from './files.js';
import { decodeArguments, readBody, sendJson } from './http-body.js';
import { HttpDeliverer } from './http-delivery.js';
import { IdFactory } from './ids.js';
import { tryParseJson } from './json.js';
import { fileObject } from './methods-files.js';
import { OAuthServer } from './oauth.js';
import { Recorder, type RecordListener } from './recorder.js';
import { postToResponseUrl } from './response-url-post.js';
import { ResponseUrlRegistry } from './response-urls.js';
import { SocketModeHub } from './socket-mode.js';
import { StandInWorkspace } from './standin-workspace.js';
import { TokenRegistry } from './tokens.js';
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
  OAuthAppInput,
  RecordedApiError,
  RecordedCall,
  RecordedDelivery,
  RecordedEphemeral,
  RecordedFile,
  RecordedMessage,
  RecordedView,
  StandInChannel,
  StandInChannelInput,
  StandInEnterprise,
  StandInEnterpriseInput,
  StandInLogger,
  StandInOptions,
  StandInTeam,
  StandInUser,
  StandInUserInput,
  StandInWorkspaceInput,
  ViewStateValue,
  ViewSubmissionOptions,
} from './types.js';
import { callMethod, teamsOfToken, tokenOf, type WebApiDeps, type WorkspaceStores } from './web-api.js';
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
 *
 * Many workspaces: `addWorkspace` gives a handle (`StandInWorkspace`) with the same workspace methods (`addUser`,
 * `command`, `event`, …); each workspace has its own bot user and token, and a token sees its own workspace only.
 * `addEnterprise` models an Enterprise Grid organization, `oauthApp` + `authorizeUrl` + `oauth.v2.access` Slack's
 * OAuth v2 install (with token rotation if asked), `uninstall` / `revokeTokens` the end of an installation.
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
  private readonly botName: string;
  private readonly tokens = new TokenRegistry();
  private readonly oauth: OAuthServer;
  private readonly deliveryRoute: DeliveryRoute = { target: undefined, lastCommand: undefined };
  /** Workspaces by team id, the default one first. */
  private readonly workspaces = new Map<string, StandInWorkspace>();
  private readonly enterprises = new Map<string, StandInEnterprise>();
  private readonly main: StandInWorkspace;
  private readonly triggers: TriggerRegistry;
  private readonly responseUrls: ResponseUrlRegistry;
  private readonly socket: SocketModeHub;
  private readonly http: HttpDeliverer;
  private readonly api: WebApiDeps;
  private readonly faultSwitch: FaultSwitch;
  private readonly fileStore: FileStore;
  private readonly verificationToken: string;
  private readonly deliveryTimeoutMs: number;
  private server: Server | undefined;
  private listeningPort: number | undefined;
  private stopped = false;
  private readonly requestedPort: number;

  /** @param options see StandInOptions; only `signingSecret` is required. */
  constructor(options: StandInOptions) {
    this.signingSecret = options.signingSecret;
    this.requestedPort = options.port ?? 0;
    this.botToken = options.botToken ?? 'xoxb-standin';
    this.appToken = options.appToken ?? 'xapp-standin';
    this.team = withDomain(
      options.team ?? { id: 'T0STANDIN', name: 'Stand-in Workspace', domain: 'standin' },
    );
    this.botUserId = options.botUserId ?? 'U0BOT';
    this.botId = options.botId ?? 'B0BOT';
    this.appId = options.appId ?? 'A0STANDIN';
    this.botName = options.botName ?? 'standin-bot';
    this.logger = options.logger;
    this.now = options.now ?? Date.now;
    this.verificationToken = options.verificationToken ?? 'standin-verification-token';
    this.deliveryTimeoutMs = options.deliveryTimeoutMs ?? 10_000;

    this.ids = new IdFactory(this.now);
    this.recorder = new Recorder(this.logger);
    this.faultSwitch = new FaultSwitch(this.now);
    this.triggers = new TriggerRegistry(this.ids, this.now);
    this.fileStore = new FileStore(this.ids);
    this.responseUrls = new ResponseUrlRegistry(this.ids, this.now);
    this.socket = new SocketModeHub(
      this.ids,
      this.appId,
      this.recorder,
      this.logger,
      options.socketPingIntervalMs ?? 5000,
    );
    this.http = new HttpDeliverer(this.signingSecret);
    this.oauth = new OAuthServer({
      appId: this.appId,
      ids: this.ids,
      tokens: this.tokens,
      now: this.now,
      workspace: (teamId) => this.workspaces.get(teamId)?.workspace,
      enterprise: (id) => this.enterprises.get(id),
      workspaces: () => [...this.workspaces.values()].map((w) => w.workspace),
      enterprises: () => [...this.enterprises.values()],
    });
    this.main = this.createWorkspace({
      team: this.team,
      botToken: this.botToken,
      botUserId: this.botUserId,
      botId: this.botId,
    });
    const stores = (w: StandInWorkspace): WorkspaceStores => ({
      workspace: w.workspace,
      messages: w.messageStore,
      views: w.viewStore,
    });
    this.api = {
      recorder: this.recorder,
      triggers: this.triggers,
      files: this.fileStore,
      uploadUrl: (uploadKey) => `${this.baseUrl}/upload/${uploadKey}`,
      oauth: this.oauth,
      tokens: this.tokens,
      appToken: this.appToken,
      now: this.now,
      openSocketUrl: () => this.socket.issueUrl(`ws://${HOST}:${this.port}`),
      mainWorkspace: () => stores(this.main),
      workspaces: () => [...this.workspaces.values()].map(stores),
      enterprise: (id) => this.enterprises.get(id),
    };
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
      server.listen(this.requestedPort, HOST, () => {
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

  /** Adds (or replaces) a user of the default workspace. */
  addUser(user: StandInUserInput): StandInUser {
    return this.main.addUser(user);
  }

  /**
   * Changes a user of the default workspace (deactivates or reactivates them, say) and, with `notify`, delivers the
   * `user_change` event Slack sends then (docs.slack.dev/reference/events/user_change), its `user` in the shape of
   * `users.info`.
   * @returns the app's ack of the event, when delivered
   * @throws Error for an unknown user
   */
  changeUser(
    userId: string,
    changes: Partial<Omit<StandInUserInput, 'id'>>,
    notify = true,
  ): Promise<DeliveryResult | undefined> {
    return this.main.changeUser(userId, changes, notify);
  }

  /** Adds (or replaces) a conversation of the default workspace. The bot is in it only if `botUserId` is a member. */
  addChannel(channel: StandInChannelInput): StandInChannel {
    return this.main.addChannel(channel);
  }

  /** Users of the default workspace by id (the bot user included). */
  get users(): ReadonlyMap<string, StandInUser> {
    return this.main.users;
  }

  /** Conversations of the default workspace by id (DMs included). */
  get channels(): ReadonlyMap<string, StandInChannel> {
    return this.main.channels;
  }

  /** The id of the user's DM with the bot in the default workspace (created on demand, stable afterwards). */
  imChannelOf(userId: string): string {
    return this.main.imChannelOf(userId);
  }

  // ── many workspaces, Enterprise Grid ─────────────────────────────────────────────────────────────────────────

  /**
   * Adds an Enterprise Grid organization. Its workspaces (`addWorkspace` with `enterpriseId`) send payloads with
   * `enterprise_id` / `enterprise`; with `orgBotToken`, or after an org-wide OAuth install, the app is installed
   * org-wide: one token serves every workspace of the organization and payloads say `is_enterprise_install: true`.
   * @throws Error for an id that is not `E…` or is taken, or an `orgBotToken` that is taken
   */
  addEnterprise(input: StandInEnterpriseInput): StandInEnterprise {
    if (!/^E[A-Z0-9]+$/.test(input.id))
      throw new Error(`An enterprise id looks like E0123ABCD, not ${input.id}`);
    if (this.enterprises.has(input.id)) throw new Error(`Enterprise ${input.id} exists already`);
    const suffix = input.id.replace(/^E0?/, '');
    const enterprise: StandInEnterprise = {
      id: input.id,
      name: input.name,
      domain: input.domain ?? slug(input.name),
      botUserId: input.botUserId ?? `W0BOT${suffix}`,
      botId: input.botId ?? `B0BOT${suffix}`,
    };
    if (input.orgBotToken !== undefined) this.assertNewToken(input.orgBotToken);
    this.enterprises.set(enterprise.id, enterprise);
    if (input.orgBotToken !== undefined) {
      this.tokens.add({
        token: input.orgBotToken,
        installId: enterprise.id,
        teamId: undefined,
        enterpriseId: enterprise.id,
        isEnterpriseInstall: true,
        botUserId: enterprise.botUserId,
        botId: enterprise.botId,
        scopes: [],
        expiresAt: undefined,
      });
    }
    return enterprise;
  }

  /**
   * Adds another workspace, with its own bot user and (with `botToken`, or after an OAuth install) its own bot
   * token; Web API calls with that token see this workspace only. Returns its handle, to add users and channels and
   * to send payloads from it.
   * @throws Error for a team id or bot token that is taken, or an unknown `enterpriseId`
   */
  addWorkspace(input: StandInWorkspaceInput): StandInWorkspace {
    if (this.workspaces.has(input.team.id)) throw new Error(`Workspace ${input.team.id} exists already`);
    return this.createWorkspace(input);
  }

  /** The handle of a workspace by team id (the default workspace too). */
  workspace(teamId: string): StandInWorkspace | undefined {
    return this.workspaces.get(teamId);
  }

  /** Every workspace's handle, the default one first, then in the order they were added. */
  get allWorkspaces(): StandInWorkspace[] {
    return [...this.workspaces.values()];
  }

  /** The default workspace's handle. */
  get defaultWorkspace(): StandInWorkspace {
    return this.main;
  }

  // ── OAuth v2 and installations ───────────────────────────────────────────────────────────────────────────────

  /**
   * Registers the app's OAuth settings (client id and secret, redirect URL, scopes, token rotation), so that
   * `GET /oauth/v2/authorize` (see `authorizeUrl`) and `oauth.v2.access` work.
   * @throws Error without a client id or secret
   */
  oauthApp(app: OAuthAppInput): void {
    this.oauth.register(app);
  }

  /**
   * The install page, `http://127.0.0.1:<port>/oauth/v2/authorize`: give it to `@slack/oauth` as
   * `authorizationUrl`. With `team=<id>` (or `enterprise=<id>` for an org-wide install) it allows at once and
   * redirects to `redirect_uri?code=…&state=…`; `choice=deny` redirects with `error=access_denied`; without either,
   * an HTML page links each workspace. The installing user is `user=<id>`, else `setInstallingUser`'s, else the
   * workspace's first person.
   */
  get authorizeUrl(): string {
    return `${this.baseUrl}/oauth/v2/authorize`;
  }

  /** Who clicks "Allow" on the install page of a workspace (or, by enterprise id, of an org-wide install). */
  setInstallingUser(teamOrEnterpriseId: string, userId: string): void {
    this.oauth.setInstallingUser(teamOrEnterpriseId, userId);
  }

  /** How many token refreshes (`grant_type=refresh_token`) succeeded for a workspace (or org-wide) install. */
  refreshCount(teamOrEnterpriseId: string): number {
    return this.oauth.refreshCount(teamOrEnterpriseId);
  }

  /**
   * Uninstalls the app from a workspace (or, by enterprise id, an org-wide install): its tokens answer
   * `token_revoked` from now on and its refresh tokens are spent; then the `app_uninstalled` event is delivered
   * (docs.slack.dev/reference/events/app_uninstalled). For an org-wide install it comes from the organization's
   * first workspace, with `authorizations[0]` `{ team_id: null, is_enterprise_install: true }`.
   * @returns the app's ack of the event
   * @throws Error for an unknown team or enterprise, or when the app is not installed there
   */
  uninstall(teamOrEnterpriseId: string): Promise<DeliveryResult> {
    return this.endInstall(teamOrEnterpriseId, () => ({ type: 'app_uninstalled' }));
  }

  /**
   * Revokes the bot tokens of a workspace (or org-wide) install and delivers the `tokens_revoked` event, its
   * `tokens` listing the revoked tokens' owners as Slack does: `{ oauth: [], bot: [<bot user id>] }`
   * (docs.slack.dev/reference/events/tokens_revoked).
   * @returns the app's ack of the event
   * @throws Error for an unknown team or enterprise, or when the app is not installed there
   */
  revokeTokens(teamOrEnterpriseId: string): Promise<DeliveryResult> {
    return this.endInstall(teamOrEnterpriseId, (botUserIds) => ({
      type: 'tokens_revoked',
      tokens: { oauth: [], bot: botUserIds },
    }));
  }

  private async endInstall(
    installId: string,
    event: (botUserIds: string[]) => JsonObject,
  ): Promise<DeliveryResult> {
    const isEnterprise = this.enterprises.has(installId);
    const from = isEnterprise
      ? [...this.workspaces.values()].find((w) => w.enterprise?.id === installId)
      : this.workspaces.get(installId);
    if (!from) throw new Error(`No workspace ${isEnterprise ? 'of enterprise ' : ''}${installId}`);
    const revoked = this.tokens.revokeInstall(installId);
    if (revoked.length === 0) throw new Error(`The app is not installed on ${installId}`);
    this.oauth.revokeInstall(installId);
    const botUserIds = [...new Set(revoked.map((g) => g.botUserId))];
    return from.event(event(botUserIds), {}, isEnterprise);
  }

  private assertNewToken(token: string): void {
    if (this.tokens.find(token) || token === this.appToken) throw new Error(`The token ${token} is taken`);
  }

  private createWorkspace(input: StandInWorkspaceInput): StandInWorkspace {
    const enterprise =
      input.enterpriseId === undefined ? undefined : this.enterprises.get(input.enterpriseId);
    if (input.enterpriseId !== undefined && !enterprise) {
      throw new Error(`Unknown enterprise ${input.enterpriseId}: add it with addEnterprise() first`);
    }
    if (input.botToken !== undefined) this.assertNewToken(input.botToken);
    const team = withDomain(input.team);
    const suffix = team.id.replace(/^T0?/, '');
    const bot = {
      userId: input.botUserId ?? enterprise?.botUserId ?? `U0BOT${suffix}`,
      botId: input.botId ?? enterprise?.botId ?? `B0BOT${suffix}`,
      appId: this.appId,
      name: input.botName ?? this.botName,
    };
    const handle = new StandInWorkspace(new Workspace(team, bot, this.ids, enterprise), {
      recorder: this.recorder,
      ids: this.ids,
      triggers: this.triggers,
      responseUrls: this.responseUrls,
      socket: this.socket,
      http: this.http,
      tokens: this.tokens,
      route: this.deliveryRoute,
      verificationToken: this.verificationToken,
      deliveryTimeoutMs: this.deliveryTimeoutMs,
      now: this.now,
      responseBaseUrl: () => `${this.baseUrl}/response/`,
      logger: this.logger,
    });
    this.workspaces.set(team.id, handle);
    if (input.botToken !== undefined) {
      this.tokens.add({
        token: input.botToken,
        installId: team.id,
        teamId: team.id,
        enterpriseId: enterprise?.id,
        isEnterpriseInstall: false,
        botUserId: bot.userId,
        botId: bot.botId,
        scopes: [],
        expiresAt: undefined,
      });
    }
    return handle;
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

  /**
   * Every file of the external upload flow (`files.getUploadURLExternal`), in order: its bytes once POSTed to its
   * upload URL, whether `files.completeUploadExternal` accepted it, and where it was shared.
   */
  get files(): readonly RecordedFile[] {
    return this.fileStore.all;
  }

  /**
   * A file a user shares in a conversation, as Slack's own client uploads it: a snippet (`mode: 'snippet'`,
   * `filetype: 'text'`) or any upload (`mode: 'hosted'`, with its `mimetype` and `filetype`). Readable afterwards
   * with `files.info` by the bot of `teamId` only. Deliver the `message` event (subtype `file_share`) yourself,
   * with the returned file object in its `files`.
   * @returns the file object of Slack's events (docs.slack.dev/reference/objects/file-object), without its text
   */
  shareFile(input: {
    /** The workspace (the default one when absent). */
    teamId?: string;
    channel: string;
    user: string;
    name: string;
    content: string | Buffer;
    filetype?: string;
    mode?: 'snippet' | 'hosted';
    mimetype?: string;
  }): JsonObject {
    const file = this.fileStore.add(input.teamId ?? this.main.team.id, {
      name: input.name,
      bytes: typeof input.content === 'string' ? Buffer.from(input.content, 'utf8') : input.content,
      filetype: input.filetype ?? 'text',
      mode: input.mode ?? 'snippet',
      mimetype: input.mimetype ?? 'text/plain',
      user: input.user,
    });
    file.sharedIn.push(input.channel);
    return fileObject(file);
  }

  /** The files shared into one conversation (a DM's `D…` id, say), in order. */
  filesIn(channelId: string): RecordedFile[] {
    return this.fileStore.all.filter((f) => f.sharedIn.includes(channelId));
  }

  /** The slash command last sent with `command()` (its payload, response_url and trigger_id). */
  get lastCommand(): IssuedCommand | undefined {
    return this.deliveryRoute.lastCommand;
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
    return this.recorder.messages.find((m) => m.channel === channelId && m.ts === ts && !m.deleted);
  }

  /** The last ephemeral entry, for a user or anyone (a deletion entry has `deleteOriginal` and no content). */
  lastEphemeral(userId?: string): RecordedEphemeral | undefined {
    return this.recorder.ephemerals.findLast((e) => userId === undefined || e.user === userId);
  }

  /** The ephemerals the user still sees (not replaced or deleted), oldest first. */
  visibleEphemerals(userId: string): RecordedEphemeral[] {
    return this.recorder.ephemerals.filter((e) => e.user === userId && !e.superseded);
  }

  /** The modal the user sees now (top of their stack, in any workspace), if any. */
  openView(userId: string): RecordedView | undefined {
    for (const workspace of this.workspaces.values()) {
      const view = workspace.openView(userId);
      if (view) return view;
    }
    return undefined;
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
    this.deliveryRoute.target = target;
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
    return this.main.command(userId, text, options);
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
    return this.main.blockAction(userId, action, source, options);
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
    return this.main.viewSubmission(userId, viewId, values, options);
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
    return this.main.viewClosed(userId, viewId, options);
  }

  /**
   * An Events API `event_callback` around `event` (an `event_ts` is added when missing). To play Slack's retry,
   * pass the first delivery's `eventId` with `retryNum` / `retryReason`, or use `redeliver`.
   */
  event(event: JsonObject, options?: EventOptions): Promise<DeliveryResult> {
    return this.main.event(event, options);
  }

  /**
   * Sends a recorded delivery's payload again, unchanged (Slack's retry of an event, a duplicated delivery);
   * `overrides` can add `retryNum` / `retryReason`. Acks of redeliveries are not applied.
   */
  redeliver(delivery: RecordedDelivery, overrides?: DeliveryOverrides): Promise<DeliveryResult> {
    return this.main.redeliver(delivery, overrides);
  }

  /**
   * POSTs any body to the app's request URL, signed as Slack signs it (with `overrides`: another secret or
   * timestamp, no signature, extra headers), and returns the answer. Nothing is recorded or applied: it plays
   * requests Slack would never send (`payload=null`, JSON `null`, broken JSON, fuzzed payloads). HTTP only.
   * @throws Error without an HTTP delivery target, when the connection fails, or without an answer in time
   */
  deliverRaw(body: string, contentType: string, overrides?: DeliveryOverrides): Promise<DeliveryResult> {
    return this.main.deliverRaw(body, contentType, overrides);
  }

  /** The `app_home_opened` event for `userId` (with the current Home view, if published). */
  appHomeOpened(userId: string, options?: DeliveryOverrides): Promise<DeliveryResult> {
    return this.main.appHomeOpened(userId, options);
  }

  // ── HTTP routes ──────────────────────────────────────────────────────────────────────────────────────────────

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.baseUrl);
    const apiMethod = /^\/api\/([\w.]+)$/.exec(url.pathname)?.[1];
    if (apiMethod !== undefined && (req.method === 'POST' || req.method === 'GET')) {
      const body = req.method === 'POST' ? await readBody(req) : url.searchParams.toString();
      const args = decodeArguments(req.method === 'POST' ? req.headers['content-type'] : undefined, body);
      const teams = teamsOfToken(this.api, tokenOf(req.headers.authorization, args ?? {}));
      const fault = this.faultSwitch.take(apiMethod, teams);
      if (fault && fault.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
      if (fault?.status !== undefined) {
        this.answerFault(res, apiMethod, args ?? {}, fault.status, fault.retryAfterSeconds);
        return;
      }
      sendJson(res, 200, callMethod(this.api, apiMethod, args, req.headers.authorization));
      return;
    }
    if (url.pathname === '/oauth/v2/authorize' && req.method === 'GET') {
      const answer = this.oauth.authorize(url, this.authorizeUrl);
      res.writeHead(answer.status, { ...answer.headers, 'content-length': Buffer.byteLength(answer.body) });
      res.end(answer.body);
      return;
    }
    if (url.pathname === '/standin/command') {
      await this.commandRoute(req, res);
      return;
    }
    if (url.pathname === '/standin/message') {
      await this.messageRoute(req, res);
      return;
    }
    if (url.pathname === '/standin/faults' || url.pathname.startsWith('/standin/faults/')) {
      await this.faultRoute(req, res, url.pathname.slice('/standin/faults/'.length) || undefined);
      return;
    }
    if (
      (url.pathname === '/standin/files' || url.pathname.startsWith('/standin/files/')) &&
      req.method === 'GET'
    ) {
      this.fileRoute(res, url.pathname.slice('/standin/files/'.length) || undefined);
      return;
    }
    const uploadKey = /^\/upload\/([0-9a-f]+)$/.exec(url.pathname)?.[1];
    if (uploadKey !== undefined && req.method === 'POST') {
      await this.uploadRoute(req, res, uploadKey);
      return;
    }
    const responseId = /^\/response\/([\w-]+)$/.exec(url.pathname)?.[1];
    if (responseId !== undefined && req.method === 'POST') {
      const text = await readBody(req);
      const teamId = this.responseUrls.get(responseId)?.teamId;
      const workspace = (teamId === undefined ? undefined : this.workspaces.get(teamId)) ?? this.main;
      const answer = postToResponseUrl(
        this.responseUrls,
        workspace.messageStore,
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
    const {
      token: _omitted,
      client_secret: _secret,
      refresh_token: _refresh,
      code: _code,
      ...recordedArgs
    } = args;
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

  /**
   * The JSON body of `POST /standin/command` and `/standin/message`: `{ team?, user, text, … }`, with the workspace
   * (default the first) and the user (by id or name) looked up. Answers the request itself (405, 400
   * `invalid_json` / `user_not_found_or_no_text`, 404 `team_not_found`) and returns undefined when they are wrong.
   */
  private async personSpeaking(
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<
    | {
        input: Record<string, unknown> & { text: string };
        workspace: StandInWorkspace;
        user: StandInUser;
      }
    | undefined
  > {
    if (req.method !== 'POST') {
      sendJson(res, 405, { ok: false, error: 'method_not_allowed' });
      return;
    }
    let input: Record<string, unknown>;
    try {
      input = JSON.parse(await readBody(req)) as typeof input;
    } catch {
      sendJson(res, 400, { ok: false, error: 'invalid_json' });
      return;
    }
    const workspace = typeof input.team === 'string' ? this.workspaces.get(input.team) : this.main;
    if (!workspace) {
      sendJson(res, 404, { ok: false, error: 'team_not_found' });
      return;
    }
    const user = [...workspace.users.values()].find((u) => u.id === input.user || u.name === input.user);
    if (!user || typeof input.text !== 'string') {
      sendJson(res, 400, { ok: false, error: 'user_not_found_or_no_text' });
      return;
    }
    return { input: { ...input, text: input.text }, workspace, user };
  }

  /** `POST /standin/faults` (JSON fault) adds, `GET` lists, `DELETE` (optionally `/<id>`) removes. */
  /**
   * `POST /standin/command` with JSON `{ "team": "T…" (default the first workspace), "user": "<id or name>",
   * "text": "setup Acme" }`: a person types `/org <text>` in that workspace; answers `{ "status": <the app's HTTP
   * status>, "reply": "<what the user sees>" }` (the acknowledgement's message, or the first ephemeral sent to them
   * within 5 s; `null` when none came). For people driving the stand-in by hand (`npm run standin`).
   */
  private async commandRoute(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const person = await this.personSpeaking(req, res);
    if (!person) return;
    const { input, workspace, user } = person;
    const seen = new Set(this.recorder.ephemerals);
    const command = typeof input.command === 'string' ? input.command : '/org';
    const ack = await workspace.command(user.id, input.text, { command });
    const fromAck = ack.json && typeof ack.json === 'object' ? (ack.json as JsonObject) : undefined;
    let reply: string | null = fromAck ? visibleTextOf(fromAck) : null;
    if (!reply) {
      const ephemeral = await this.recorder
        .waitFor(() => this.recorder.ephemerals.find((e) => e.user === user.id && !seen.has(e)), 5000)
        .catch(() => undefined);
      reply = ephemeral ? visibleTextOf({ text: ephemeral.text, blocks: ephemeral.blocks }) : null;
    }
    sendJson(res, 200, { ok: true, status: ack.status, reply });
  }

  /**
   * `POST /standin/message` with JSON `{ "team": "T…" (default the first workspace), "user": "<id or name>",
   * "text": "…", "channel": "<id or name>" (default `general`, created with every user of the workspace and the bot
   * as members when the workspace has no such channel) }`: a person posts a message in a channel, and the app gets
   * the `message` event (docs.slack.dev/reference/events/message). Answers `{ "status": <the app's HTTP status>,
   * "channel": "<id>", "reply": "<the first ephemeral sent to the poster within 5 s>" | null }`. For people
   * driving the stand-in by hand (`npm run standin`), e.g. to try the leaked-secret guard.
   */
  private async messageRoute(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const person = await this.personSpeaking(req, res);
    if (!person) return;
    const { input, workspace, user } = person;
    const wanted = typeof input.channel === 'string' && input.channel ? input.channel : 'general';
    const channel =
      [...workspace.channels.values()].find((c) => c.id === wanted || c.name === wanted) ??
      (wanted === 'general'
        ? workspace.addChannel({
            id: 'C0GENERAL',
            name: 'general',
            members: [...[...workspace.users.values()].map((u) => u.id), workspace.botUserId],
          })
        : undefined);
    if (!channel) {
      sendJson(res, 404, { ok: false, error: 'channel_not_found' });
      return;
    }
    const seen = new Set(this.recorder.ephemerals);
    const delivered = await workspace.event({
      type: 'message',
      channel: channel.id,
      channel_type: channel.isIm ? 'im' : channel.isPrivate ? 'group' : 'channel',
      user: user.id,
      text: input.text,
      ts: `${Math.floor(Date.now() / 1000)}.${String(Date.now() % 1000).padStart(6, '0')}`,
    });
    const ephemeral = await this.recorder
      .waitFor(() => this.recorder.ephemerals.find((e) => e.user === user.id && !seen.has(e)), 5000)
      .catch(() => undefined);
    const reply = ephemeral ? visibleTextOf({ text: ephemeral.text, blocks: ephemeral.blocks }) : null;
    sendJson(res, 200, { ok: true, status: delivered.status, channel: channel.id, reply });
  }

  /**
   * `GET /standin/files`: the files uploaded through Slack's external upload flow (`{ ok, files: [{ id, team_id,
   * name, title, length, completed, shared_in }] }`); `GET /standin/files/<id>`: one file's bytes, as uploaded
   * (404 `file_not_found` for an unknown id or a file whose bytes never arrived).
   */
  private fileRoute(res: ServerResponse, id: string | undefined): void {
    if (id === undefined) {
      sendJson(res, 200, {
        ok: true,
        files: this.files.map((f) => ({
          id: f.id,
          team_id: f.teamId,
          name: f.name,
          title: f.title ?? null,
          length: f.length,
          completed: f.completed,
          shared_in: f.sharedIn,
        })),
      });
      return;
    }
    const file = this.files.find((f) => f.id === id);
    if (!file?.bytes) {
      sendJson(res, 404, { ok: false, error: 'file_not_found' });
      return;
    }
    res.writeHead(200, {
      'content-type': 'application/octet-stream',
      'content-length': file.bytes.length,
      'content-disposition': `attachment; filename="${file.name.replace(/["\\\r\n]/g, '_')}"`,
    });
    res.end(file.bytes);
  }

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

  /**
   * `POST /upload/<key>`: the bytes of a file issued by `files.getUploadURLExternal`, raw or as the file part of a
   * multipart form. Answers 200 `OK - <bytes>` as Slack's upload service does; 404 for an unknown or completed
   * upload, 400 for an unreadable form, 413 over {@link MAX_FILE_BYTES}.
   */
  private async uploadRoute(req: IncomingMessage, res: ServerResponse, uploadKey: string): Promise<void> {
    const plain = (status: number, text: string): void => {
      res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(text);
    };
    let body: Buffer;
    try {
      body = await readBytes(req, MAX_FILE_BYTES);
    } catch (error) {
      if (error instanceof BodyTooLargeError) return plain(413, 'file too large');
      throw error;
    }
    const contentType = req.headers['content-type'] ?? '';
    const bytes = contentType.startsWith('multipart/form-data')
      ? await fileOfMultipart(body, contentType)
      : body;
    if (bytes === undefined) return plain(400, 'unreadable multipart body');
    if (!this.fileStore.receive(uploadKey, bytes)) return plain(404, 'unknown upload');
    plain(200, `OK - ${bytes.length}`);
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

/** A team with its domain (default: derived from the name). */
function withDomain(team: StandInTeam): Required<StandInTeam> {
  return { ...team, domain: team.domain ?? slug(team.name) };
}

function slug(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '-');
}

/** The text a user sees in a message: `text`, then every `text` string of its blocks, one per line. */
function visibleTextOf(message: JsonObject): string {
  const out: string[] = [];
  if (typeof message.text === 'string' && message.text) out.push(message.text);
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) {
        if (key === 'text' && typeof value === 'string') out.push(value);
        else walk(value);
      }
    }
  };
  walk(message.blocks);
  return out.join('\n');
}
