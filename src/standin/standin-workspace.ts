/**
 * One workspace of the stand-in, as tests drive it: its users and conversations, and Slack's side of what happens
 * in it (slash commands, clicks, modal submissions, events), each payload carrying this workspace's team (and
 * organization, in an Enterprise Grid). `SlackStandIn` keeps one for its default workspace and gives one per
 * `addWorkspace`.
 */
import { type DeliveryRoute, Driver } from './driver.js';
import type { HttpDeliverer } from './http-delivery.js';
import type { IdFactory } from './ids.js';
import { MessageStore } from './messages.js';
import type { Recorder } from './recorder.js';
import type { ResponseUrlRegistry } from './response-urls.js';
import type { SocketModeHub } from './socket-mode.js';
import type { TokenRegistry } from './tokens.js';
import type { TriggerRegistry } from './triggers.js';
import type {
  BlockActionInput,
  BlockActionOptions,
  BlockActionSource,
  CommandOptions,
  DeliveryOverrides,
  DeliveryResult,
  EventOptions,
  IssuedCommand,
  JsonObject,
  RecordedDelivery,
  RecordedView,
  StandInChannel,
  StandInChannelInput,
  StandInEnterprise,
  StandInLogger,
  StandInTeam,
  StandInUser,
  StandInUserInput,
  ViewStateValue,
  ViewSubmissionOptions,
} from './types.js';
import { ViewStore } from './views.js';
import type { Workspace } from './workspace.js';

/** What every workspace shares: the recordings, the delivery machinery, the tokens. */
export interface SharedParts {
  recorder: Recorder;
  ids: IdFactory;
  triggers: TriggerRegistry;
  responseUrls: ResponseUrlRegistry;
  socket: SocketModeHub;
  http: HttpDeliverer;
  tokens: TokenRegistry;
  route: DeliveryRoute;
  verificationToken: string;
  deliveryTimeoutMs: number;
  /** Milliseconds since the epoch. */
  now: () => number;
  responseBaseUrl: () => string;
  logger: StandInLogger | undefined;
}

/** A workspace of the stand-in and Slack's side of it. */
export class StandInWorkspace {
  /** The workspace's messages (the recorder's, seen with this workspace's bot). */
  readonly messageStore: MessageStore;
  /** The workspace's modals and Home tabs. */
  readonly viewStore: ViewStore;
  private readonly driver: Driver;

  /**
   * @param workspace the model (team, users, conversations, bot).
   * @param shared what every workspace of the stand-in shares.
   */
  constructor(
    readonly workspace: Workspace,
    private readonly shared: SharedParts,
  ) {
    const { recorder, ids, now } = shared;
    const teamId = workspace.team.id;
    this.messageStore = new MessageStore(recorder, ids, workspace.bot, teamId, now);
    this.viewStore = new ViewStore(recorder, ids, workspace.bot, teamId, () =>
      this.isEnterpriseInstall && workspace.enterprise ? workspace.enterprise.id : teamId,
    );
    this.driver = new Driver({
      workspace,
      isEnterpriseInstall: () => this.isEnterpriseInstall,
      route: shared.route,
      recorder,
      messages: this.messageStore,
      views: this.viewStore,
      triggers: shared.triggers,
      responseUrls: shared.responseUrls,
      ids,
      socket: shared.socket,
      http: shared.http,
      verificationToken: shared.verificationToken,
      deliveryTimeoutMs: shared.deliveryTimeoutMs,
      now,
      responseBaseUrl: shared.responseBaseUrl,
      logger: shared.logger,
    });
  }

  /** The team: id, name, domain. */
  get team(): Required<StandInTeam> {
    return this.workspace.team;
  }

  /** The Enterprise Grid organization, if the workspace belongs to one. */
  get enterprise(): StandInEnterprise | undefined {
    return this.workspace.enterprise;
  }

  /** The bot's user id in this workspace. */
  get botUserId(): string {
    return this.workspace.bot.userId;
  }

  /** The bot's bot id in this workspace. */
  get botId(): string {
    return this.workspace.bot.botId;
  }

  /**
   * The newest unrevoked bot token of the workspace's own install (static or minted by OAuth; a rotating one may
   * have expired), or undefined while the app is not installed on the workspace itself.
   */
  get botToken(): string | undefined {
    return this.shared.tokens.latest(this.workspace.team.id)?.token;
  }

  /** True while the app is installed org-wide on this workspace's organization (payloads then say so). */
  get isEnterpriseInstall(): boolean {
    const enterprise = this.workspace.enterprise;
    return enterprise !== undefined && this.shared.tokens.hasUnrevoked(enterprise.id);
  }

  /** The slash command last sent in this workspace. */
  get lastCommand(): IssuedCommand | undefined {
    return this.driver.lastCommand;
  }

  /** Adds (or replaces) a user of the workspace (with `teamId`, a user of another workspace in shared channels). */
  addUser(user: StandInUserInput): StandInUser {
    return this.workspace.addUser(user);
  }

  /**
   * Changes a user and, with `notify`, delivers the `user_change` event (docs.slack.dev/reference/events/user_change).
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
      user: this.workspace.userObject(user, this.shared.now()),
      cache_ts: Math.floor(this.shared.now() / 1000),
    });
  }

  /** Adds (or replaces) a conversation. The bot is in it only if its user id is among `members`. */
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

  /** The modal the user sees now in this workspace (top of their stack), if any. */
  openView(userId: string): RecordedView | undefined {
    return this.viewStore.topModal(userId);
  }

  /** A slash command typed in this workspace; see SlackStandIn.command. */
  command(userId: string, text: string, options?: CommandOptions): Promise<DeliveryResult> {
    return this.driver.command(userId, text, options);
  }

  /** A click in this workspace; see SlackStandIn.blockAction (`teamNull` sends `team: null`). */
  blockAction(
    userId: string,
    action: BlockActionInput,
    source: BlockActionSource,
    options?: BlockActionOptions,
  ): Promise<DeliveryResult> {
    return this.driver.blockAction(userId, action, source, options);
  }

  /** A modal submission in this workspace; see SlackStandIn.viewSubmission (`teamNull` sends `team: null`). */
  viewSubmission(
    userId: string,
    viewId: string,
    values: Record<string, Record<string, ViewStateValue>>,
    options?: ViewSubmissionOptions,
  ): Promise<DeliveryResult> {
    return this.driver.viewSubmission(userId, viewId, values, options);
  }

  /** The user closes their modal; see SlackStandIn.viewClosed. */
  viewClosed(
    userId: string,
    viewId: string,
    options?: DeliveryOverrides,
  ): Promise<DeliveryResult | undefined> {
    return this.driver.viewClosed(userId, viewId, options);
  }

  /**
   * An Events API event in this workspace; see SlackStandIn.event.
   * @param isEnterpriseInstall the installation the event is for when not the current one (internal: an event
   *   about an org-wide install just removed).
   */
  event(event: JsonObject, options?: EventOptions, isEnterpriseInstall?: boolean): Promise<DeliveryResult> {
    return this.driver.event(event, options, isEnterpriseInstall);
  }

  /** The `app_home_opened` event for `userId` in this workspace. */
  appHomeOpened(userId: string, options?: DeliveryOverrides): Promise<DeliveryResult> {
    return this.driver.appHomeOpened(userId, options);
  }

  /** Sends a recorded delivery's payload again, unchanged; see SlackStandIn.redeliver. */
  redeliver(delivery: RecordedDelivery, overrides?: DeliveryOverrides): Promise<DeliveryResult> {
    return this.driver.redeliver(delivery, overrides);
  }

  /** Sends a raw body to the app; see SlackStandIn.deliverRaw. */
  deliverRaw(body: string, contentType: string, overrides?: DeliveryOverrides): Promise<DeliveryResult> {
    return this.driver.deliverRaw(body, contentType, overrides);
  }
}
