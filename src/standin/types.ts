/**
 * Public types of the Slack stand-in: its options, the workspace it models, what it records, and the inputs and
 * results of its driver (the part that plays Slack's side and delivers payloads to the app).
 */

/** A JSON object as Slack sends or receives it (payloads, blocks, views). */
export type JsonObject = Record<string, unknown>;

/** The subset of a pino logger the stand-in uses; a pino `Logger` fits. */
export interface StandInLogger {
  debug(obj: JsonObject, msg?: string): void;
  info(obj: JsonObject, msg?: string): void;
  warn(obj: JsonObject, msg?: string): void;
}

/** The workspace ("team") the stand-in pretends to be. */
export interface StandInTeam {
  id: string;
  name: string;
  /** Subdomain, as in `<domain>.slack.com`; default derived from the name. */
  domain?: string;
}

/** An Enterprise Grid organization, as given to `addEnterprise`. */
export interface StandInEnterpriseInput {
  /** `E…` */
  id: string;
  name: string;
  /** Subdomain, as in `<domain>.enterprise.slack.com`; default derived from the name. */
  domain?: string;
  /**
   * The app's bot user in this organization (Grid user ids are organization-wide, `W…`); the default bot user of
   * its workspaces and of an org-wide install. Default `W0BOT<enterprise id without its E or E0>`.
   */
  botUserId?: string;
  /** Default `B0BOT<enterprise id without its E or E0>`. */
  botId?: string;
  /**
   * A static org-wide bot token, as if the app were already installed on the whole organization
   * (`is_enterprise_install: true`). Absent: not installed until an org-wide OAuth install.
   */
  orgBotToken?: string;
}

/** An Enterprise Grid organization as stored (defaults applied). */
export interface StandInEnterprise {
  readonly id: string;
  readonly name: string;
  readonly domain: string;
  readonly botUserId: string;
  readonly botId: string;
}

/** Another workspace, as given to `addWorkspace`. */
export interface StandInWorkspaceInput {
  team: StandInTeam;
  /** The Enterprise Grid organization it belongs to (added with `addEnterprise` first). */
  enterpriseId?: string;
  /**
   * A static bot token, as if the app were already installed on this workspace. Absent: not installed until an
   * OAuth install (`authorizeUrl` → `oauth.v2.access`).
   */
  botToken?: string;
  /** Default: the enterprise's bot user in a Grid workspace, else `U0BOT<team id without its T or T0>`. */
  botUserId?: string;
  /** Default: the enterprise's bot id in a Grid workspace, else `B0BOT<team id without its T or T0>`. */
  botId?: string;
  /** The bot user's name. Default the stand-in's bot name. */
  botName?: string;
}

/** The app as registered with `oauthApp` (Slack's app settings: Basic Information and OAuth & Permissions). */
export interface OAuthAppInput {
  clientId: string;
  clientSecret: string;
  /**
   * The redirect URL configured in the app's settings: an authorize request's `redirect_uri` must start with it;
   * without one in the request, Slack redirects here. Absent: every authorize request must give `redirect_uri`.
   */
  redirectUri?: string;
  /** The bot scopes the app may request; absent: any. */
  scopes?: string[];
  /**
   * Token rotation: installs give an expiring `xoxe.xoxb-…` access token with a single-use `xoxe-1-…` refresh token
   * (docs.slack.dev/authentication/using-token-rotation). Default false (tokens never expire).
   */
  tokenRotation?: boolean;
  /** Lifetime in seconds of a rotating access token (`expires_in`). Default 43200 (12 hours), as Slack. */
  tokenLifetimeSeconds?: number;
}

/** Options of `new SlackStandIn(options)`. */
export interface StandInOptions {
  /** Signing secret used to sign every HTTP delivery to the app. */
  signingSecret: string;
  /** Bot token (`xoxb-…`) the app must present to Web API methods. Default `xoxb-standin`. */
  botToken?: string;
  /** App-level token (`xapp-…`) for `apps.connections.open`. Default `xapp-standin`. */
  appToken?: string;
  /** Default `{ id: 'T0STANDIN', name: 'Stand-in Workspace', domain: 'standin' }`. */
  team?: StandInTeam;
  /** The bot's user id. Default `U0BOT`. */
  botUserId?: string;
  /** The bot's bot id. Default `B0BOT`. */
  botId?: string;
  /** The app id (`api_app_id`). Default `A0STANDIN`. */
  appId?: string;
  /** The bot user's name (`auth.test` `user`). Default `standin-bot`. */
  botName?: string;
  /** The deprecated verification token placed in payloads' `token` field. Default `standin-verification-token`. */
  verificationToken?: string;
  logger?: StandInLogger;
  /**
   * Clock in milliseconds since the epoch, for the expiry rules (trigger ids, response_urls, OAuth codes, rotating
   * tokens). Default `Date.now` (which `vi.useFakeTimers({ toFake: ['Date'] })` moves together with `@slack/oauth`'s
   * own expiry checks).
   */
  now?: () => number;
  /** Interval in milliseconds between WebSocket pings to Socket Mode clients. Default 5000. */
  socketPingIntervalMs?: number;
  /** How long, in milliseconds, a delivery waits for the app's ack before rejecting. Default 10000. */
  deliveryTimeoutMs?: number;
  /** The TCP port to listen on (127.0.0.1). Default 0: a free port. */
  port?: number;
}

/** A person (or bot) in the workspace, as given to `addUser`. */
export interface StandInUserInput {
  id: string;
  name: string;
  realName?: string;
  email?: string;
  isAdmin?: boolean;
  isOwner?: boolean;
  isBot?: boolean;
  deleted?: boolean;
  /** IANA time zone, e.g. `Europe/Paris`. Default `America/Los_Angeles` (Slack's default). */
  tz?: string;
  /**
   * The user's own workspace. Default the stand-in's team; another id makes a user of another workspace (a Slack
   * Connect partner) who can appear in shared channels: their payloads carry `user.team_id` of their workspace,
   * `users.info` answers with it, and `users.lookupByEmail` (which searches this workspace) does not find them.
   */
  teamId?: string;
  /**
   * The Enterprise Grid organization the user belongs to: default the workspace's enterprise for a user of this
   * workspace, none otherwise. Give it for a user of a sibling workspace of the same enterprise (their `users.info`
   * then carries `enterprise_user`, as Slack's does).
   */
  enterpriseId?: string;
}

/** A user as stored by the stand-in (defaults applied). */
export interface StandInUser {
  readonly id: string;
  readonly name: string;
  readonly realName: string;
  readonly email: string | undefined;
  readonly isAdmin: boolean;
  readonly isOwner: boolean;
  readonly isBot: boolean;
  readonly deleted: boolean;
  readonly tz: string;
  /** The user's own workspace (the stand-in's team unless a user of another workspace). */
  readonly teamId: string;
  /** The user's Enterprise Grid organization, if any. */
  readonly enterpriseId?: string | undefined;
}

/** A conversation, as given to `addChannel`. */
export interface StandInChannelInput {
  /** `C…` public (or private with `isPrivate`), `G…` private or multi-person DM, `D…` direct message. */
  id: string;
  name: string;
  isPrivate?: boolean;
  isIm?: boolean;
  /** An archived channel: posting there fails with `is_archived`. */
  isArchived?: boolean;
  /** Member user ids; the bot is in the conversation only if its user id is listed. */
  members: string[];
}

/** A conversation as stored by the stand-in. */
export interface StandInChannel {
  readonly id: string;
  readonly name: string;
  readonly isPrivate: boolean;
  readonly isIm: boolean;
  readonly isArchived: boolean;
  readonly members: readonly string[];
}

/** One Web API call the app made (args decoded; JSON-string fields such as `blocks` and `view` parsed back). */
export interface RecordedCall {
  method: string;
  /** The call's arguments without the `token`. */
  args: JsonObject;
  /** Milliseconds since the epoch. */
  at: number;
  ok: boolean;
  /**
   * Slack's error code when `ok` is false; for a call answered by a fault switch (src/standin/faults.ts)
   * `ratelimited` (HTTP 429) or `http_500` / `http_503`.
   */
  error?: string;
}

/**
 * A file of Slack's external upload flow (`files.getUploadURLExternal`, a POST to its `upload_url`,
 * `files.completeUploadExternal`), as the stand-in keeps it.
 */
export interface RecordedFile {
  /** `F…` */
  id: string;
  /** The workspace whose token asked for the upload URL. */
  teamId: string;
  /** `filename` of `files.getUploadURLExternal`. */
  name: string;
  /** `length` of `files.getUploadURLExternal`, in bytes. */
  length: number;
  /** The bytes POSTed to the upload_url (raw, or the file part of a multipart form); undefined until then. */
  bytes?: Buffer;
  /** `title` given at completion; undefined until completed. */
  title?: string;
  /** True once `files.completeUploadExternal` accepted it. */
  completed: boolean;
  /** Conversations it was shared into by the completion (none: a private file). */
  sharedIn: string[];
  /** Slack's `filetype` (`text`, `python`, `png`…), for files a test shares with {@link SlackStandIn.shareFile}. */
  filetype?: string;
  /** Slack's `mode`: `snippet` for a text snippet, `hosted` for an uploaded file. */
  mode?: string;
  /** Slack's `mimetype` (`text/plain`, `image/png`…). */
  mimetype?: string;
  /** The Slack user who shared it (`user` of the file object). */
  user?: string;
}

/** A Web API call that Slack would have refused, kept apart so tests can assert there were none. */
export interface RecordedApiError {
  method: string;
  error: string;
  args: JsonObject;
  at: number;
  /** Slack's `response_metadata.messages`, e.g. which Block Kit limit was broken. */
  messages: string[];
}

/** How a message or ephemeral reached the channel. `ack` is a slash command answered in the HTTP/socket ack. */
export type MessageVia = 'chat.postMessage' | 'chat.update' | 'response_url' | 'ack';

/** One version of a message. */
export interface MessageVersion {
  text: string;
  blocks: JsonObject[];
  /** Milliseconds since the epoch. */
  at: number;
  via: MessageVia;
}

/** A message the app posted to a conversation; updated in place by `chat.update` or `replace_original`. */
export interface RecordedMessage {
  channel: string;
  ts: string;
  threadTs: string | undefined;
  /** The poster (the bot user). */
  user: string;
  /** Current text. */
  text: string;
  /** Current blocks, with the `block_id`s and `action_id`s Slack fills in when absent. */
  blocks: JsonObject[];
  via: Exclude<MessageVia, 'chat.update'>;
  deleted: boolean;
  /** Every version, oldest first; the last is the current one. */
  history: MessageVersion[];
}

/** An ephemeral message shown to one user. Entries are never changed except `superseded`. */
export interface RecordedEphemeral {
  channel: string;
  user: string;
  text: string;
  blocks: JsonObject[];
  via: 'chat.postEphemeral' | 'response_url' | 'ack';
  /** The ephemeral's `message_ts` (a replacement keeps the ts of the message it replaces). */
  ts: string;
  /** Milliseconds since the epoch. */
  at: number;
  /** Set when this entry replaced an earlier ephemeral (`replace_original` on a response_url). */
  replaceOriginal?: boolean;
  /** Set when this entry records the deletion of an earlier ephemeral (`delete_original`). */
  deleteOriginal?: boolean;
  /** True once a later entry replaced or deleted this one: the user no longer sees it. */
  superseded: boolean;
}

/** A modal or Home tab view the app opened or published. */
export interface RecordedView {
  id: string;
  type: 'modal' | 'home';
  user: string;
  /** The view object as Slack's `views.*` methods return it (id, hash, blocks, state, private_metadata, …). */
  view: JsonObject;
  /** Modals: open until submitted (with an empty ack or `clear`) or closed; Home tabs stay open. */
  state: 'open' | 'closed';
  /** Earlier versions of `view`, oldest first. */
  history: JsonObject[];
}

/** Where the app under test receives Slack's requests. */
export type DeliveryTarget = { kind: 'http'; url: string } | { kind: 'socket' };

/** Test-only changes to a delivery, to play a wrong or replayed request. */
export interface DeliveryOverrides {
  /** Sign with this secret instead of the app's. */
  signingSecret?: string;
  /**
   * Sign with this Unix time in seconds (`X-Slack-Request-Timestamp`): one more than five minutes from the app's
   * clock, in the past or the future, must be refused.
   */
  timestampSeconds?: number;
  /** Send no `X-Slack-Signature` / `X-Slack-Request-Timestamp` headers at all. HTTP only. */
  omitSignature?: boolean;
  /** Extra or replacing HTTP headers (e.g. `X-Slack-Retry-Num`). HTTP only. */
  headers?: Record<string, string>;
  /** Retry number: `X-Slack-Retry-Num` over HTTP, `retry_attempt` over Socket Mode (events only). */
  retryNum?: number;
  /** Retry reason: `X-Slack-Retry-Reason` over HTTP, `retry_reason` over Socket Mode (events only). */
  retryReason?: string;
}

/** The app's answer to a delivery. */
export interface DeliveryResult {
  /** HTTP status; 200 for a Socket Mode ack. */
  status: number;
  /** Raw body (HTTP) or the JSON text of the ack's payload (Socket Mode; `''` when it had none). */
  body: string;
  /** The body parsed as JSON, when it is JSON. */
  json?: unknown;
  /** Milliseconds between sending and the ack; Slack shows an error to the user past 3000. */
  elapsedMs: number;
}

/** Kind of a delivery, as named by Socket Mode envelopes. */
export type DeliveryKind = 'slash_commands' | 'interactive' | 'events_api';

/** A payload the stand-in delivered to the app, and the app's ack. */
export interface RecordedDelivery {
  kind: DeliveryKind;
  payload: JsonObject;
  at: number;
  result?: DeliveryResult;
  error?: string;
}

/** Options of `command()`. */
export interface CommandOptions extends DeliveryOverrides {
  /** Where the command is typed; default the user's direct message with the bot. */
  channelId?: string;
  /** Default `/org`. */
  command?: string;
}

/** The slash command last sent by `command()`. */
export interface IssuedCommand {
  payload: Record<string, string>;
  responseUrl: string;
  triggerId: string;
  at: number;
}

/** An option of a select or overflow menu as chosen by a user. */
export interface SelectedOptionInput {
  value: string;
  text?: string;
}

/** What the user clicked or chose, for `blockAction()`. Missing fields are filled from the source's blocks. */
export interface BlockActionInput {
  actionId: string;
  blockId?: string;
  value?: string;
  selectedOption?: SelectedOptionInput;
  /** Element type (`button`, `static_select`, `overflow`, …). */
  type?: string;
}

/**
 * Where the clicked element is: a message the app posted (or an ephemeral, found by its ts) in a channel, or a
 * view (modal or Home tab).
 */
export type BlockActionSource = { channelId: string; messageTs: string } | { viewId: string };

/** Payload options for Enterprise Grid contexts. */
export interface OrgContextOption {
  /**
   * Sends `team: null`, as Slack does for org-wide contexts of an org-wide install (a shortcut or a Home tab outside
   * any one workspace); the user's own workspace stays in `user.team_id`.
   */
  teamNull?: boolean;
}

/** Options of `blockAction()`. */
export interface BlockActionOptions extends DeliveryOverrides, OrgContextOption {
  /** `state.values` to send (input elements' current values). Default: the view's state, or empty. */
  stateValues?: Record<string, Record<string, ViewStateValue>>;
}

/** One clickable thing found in blocks by `buttonsOf()`, in display order; can be passed to `blockAction()`. */
export interface InteractiveElement extends BlockActionInput {
  /** 1-based position in display order. */
  index: number;
  blockId: string;
  type: string;
  /** What the user sees: the button text, or the option's text for select and overflow options. */
  text: string;
  /** Slack's `confirm` dialog object, when the element asks for confirmation. */
  confirm?: JsonObject;
  style?: string;
  url?: string;
}

/** One element's value in `view.state.values` (`{ type, value }`, `{ type, selected_option }`, …). */
export type ViewStateValue = { type: string } & JsonObject;

/** Options of `event()`. */
export interface EventOptions extends DeliveryOverrides {
  /** Reuse an event id, as Slack does when it retries a delivery. Default: a new `Ev…` id. */
  eventId?: string;
}

/** Options of `viewSubmission()`. */
export interface ViewSubmissionOptions extends DeliveryOverrides, OrgContextOption {
  /**
   * Slack's client refuses to submit a modal whose required inputs are empty; so does the stand-in (it throws)
   * unless this is true.
   */
  skipClientValidation?: boolean;
}

/** What the stand-in announces on `on('record', …)`, as it happens. */
export type StandInRecord =
  | { kind: 'call'; call: RecordedCall }
  | { kind: 'api_error'; apiError: RecordedApiError }
  | { kind: 'message'; message: RecordedMessage }
  | { kind: 'message_changed'; message: RecordedMessage }
  | { kind: 'message_deleted'; message: RecordedMessage }
  | { kind: 'ephemeral'; ephemeral: RecordedEphemeral }
  | { kind: 'view_opened'; view: RecordedView }
  | { kind: 'view_updated'; view: RecordedView }
  | { kind: 'view_closed'; view: RecordedView }
  | { kind: 'home_published'; view: RecordedView }
  | { kind: 'delivery'; delivery: RecordedDelivery }
  | { kind: 'socket_connected'; connections: number }
  | { kind: 'socket_disconnected'; connections: number };
