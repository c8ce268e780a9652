/**
 * Slack's side of the conversation: builds the payloads a user's actions cause, delivers them to the app over HTTP
 * or Socket Mode, and applies the app's acks as Slack does (a slash command's ack body becomes a reply; a
 * view_submission ack updates, pushes, clears or closes the modal).
 */
import { buildAction } from './actions.js';
import { messageContent } from './api-context.js';
import { checkView, inputsOf, isEmptyStateValue } from './block-kit.js';
import { SlackApiError } from './errors.js';
import type { HttpDeliverer } from './http-delivery.js';
import type { IdFactory } from './ids.js';
import { cloneJson, isJsonObject, objectsOf } from './json.js';
import type { MessageStore } from './messages.js';
import {
  type BlockActionsSourcePart,
  blockActionsPayload,
  eventCallbackPayload,
  type PayloadIdentity,
  slashCommandPayload,
  viewClosedPayload,
  viewSubmissionPayload,
} from './payloads.js';
import type { Recorder } from './recorder.js';
import type { OriginalMessage, ResponseUrlRegistry } from './response-urls.js';
import type { SocketModeHub } from './socket-mode.js';
import type { TriggerRegistry } from './triggers.js';
import type {
  BlockActionInput,
  BlockActionOptions,
  BlockActionSource,
  CommandOptions,
  DeliveryKind,
  DeliveryOverrides,
  DeliveryResult,
  DeliveryTarget,
  EventOptions,
  IssuedCommand,
  JsonObject,
  RecordedDelivery,
  RecordedView,
  StandInChannel,
  StandInLogger,
  StandInUser,
  ViewStateValue,
  ViewSubmissionOptions,
} from './types.js';
import type { ViewStore } from './views.js';
import type { Workspace } from './workspace.js';

/** Where deliveries go and the last slash command, shared by the drivers of every workspace. */
export interface DeliveryRoute {
  target: DeliveryTarget | undefined;
  lastCommand: IssuedCommand | undefined;
}

/** What the driver works with. */
export interface DriverDeps {
  workspace: Workspace;
  /** True while the app is installed org-wide on the workspace's organization. */
  isEnterpriseInstall: () => boolean;
  route: DeliveryRoute;
  recorder: Recorder;
  messages: MessageStore;
  views: ViewStore;
  triggers: TriggerRegistry;
  responseUrls: ResponseUrlRegistry;
  ids: IdFactory;
  socket: SocketModeHub;
  http: HttpDeliverer;
  verificationToken: string;
  deliveryTimeoutMs: number;
  now: () => number;
  /** Base of response_urls, `http://127.0.0.1:<port>/response/`. */
  responseBaseUrl: () => string;
  logger: StandInLogger | undefined;
}

/** Plays the user and Slack towards the app, in one workspace. */
export class Driver {
  /** The slash command last sent in this workspace. */
  lastCommand: IssuedCommand | undefined;
  private readonly identity: PayloadIdentity;

  constructor(private readonly deps: DriverDeps) {
    this.identity = {
      workspace: deps.workspace,
      token: deps.verificationToken,
      isEnterpriseInstall: deps.isEnterpriseInstall,
    };
  }

  /** Where payloads go (shared by every workspace). */
  get target(): DeliveryTarget | undefined {
    return this.deps.route.target;
  }

  set target(target: DeliveryTarget | undefined) {
    this.deps.route.target = target;
  }

  /** Sends a slash command as `userId` typed it; see SlackStandIn.command. */
  async command(userId: string, text: string, options: CommandOptions = {}): Promise<DeliveryResult> {
    const { workspace, responseUrls, triggers } = this.deps;
    const user = this.requireUser(userId);
    const channel =
      options.channelId === undefined ? workspace.imWithBot(user.id) : this.requireChannel(options.channelId);
    const teamId = workspace.team.id;
    const responseUrl = responseUrls.issue(this.deps.responseBaseUrl(), {
      channel: channel.id,
      user: user.id,
      teamId,
    }).url;
    const triggerId = triggers.issue({ userId: user.id, teamId });
    const payload = slashCommandPayload(this.identity, {
      user,
      channel,
      command: options.command ?? '/org',
      text,
      responseUrl,
      triggerId,
    });
    this.lastCommand = { payload, responseUrl, triggerId, at: this.deps.now() };
    this.deps.route.lastCommand = this.lastCommand;
    const result = await this.deliver('slash_commands', payload, options, true);
    this.applyCommandAck(result, channel, user);
    return result;
  }

  /** Sends a block_actions payload for a click; see SlackStandIn.blockAction. */
  async blockAction(
    userId: string,
    action: BlockActionInput,
    source: BlockActionSource,
    options: BlockActionOptions = {},
  ): Promise<DeliveryResult> {
    const user = this.requireUser(userId);
    const actionTs = this.deps.ids.messageTs();
    let part: BlockActionsSourcePart;
    let blocks: JsonObject[];
    let triggerViewId: string | undefined;
    if ('viewId' in source) {
      const recorded = this.requireView(source.viewId, user.id);
      blocks = objectsOf(recorded.view.blocks);
      const current =
        isJsonObject(recorded.view.state) && isJsonObject(recorded.view.state.values)
          ? recorded.view.state.values
          : {};
      const view = { ...cloneJson(recorded.view), state: { values: options.stateValues ?? current } };
      part = { kind: 'view', view, viewId: recorded.id };
      triggerViewId = recorded.id;
    } else {
      const found = this.requireMessageSource(source, user.id);
      blocks = found.blocks;
      const responseUrl = this.deps.responseUrls.issue(this.deps.responseBaseUrl(), {
        channel: found.channel.id,
        user: user.id,
        teamId: this.deps.workspace.team.id,
        original: found.original,
      }).url;
      part = {
        kind: 'message',
        channel: found.channel,
        messageTs: source.messageTs,
        isEphemeral: found.original.kind === 'ephemeral',
        ...(found.message ? { message: found.message } : {}),
        responseUrl,
        stateValues: options.stateValues ?? {},
      };
    }
    const actions = [buildAction(blocks, action, actionTs)];
    const triggerId = this.deps.triggers.issue({
      userId: user.id,
      teamId: this.deps.workspace.team.id,
      ...(triggerViewId ? { viewId: triggerViewId } : {}),
    });
    const payload = blockActionsPayload(this.identity, {
      user,
      triggerId,
      actions,
      source: part,
      ...(options.teamNull ? { teamNull: true } : {}),
    });
    return this.deliver('interactive', payload, options, false);
  }

  /** Submits a modal; see SlackStandIn.viewSubmission. */
  async viewSubmission(
    userId: string,
    viewId: string,
    values: Record<string, Record<string, ViewStateValue>>,
    options: ViewSubmissionOptions = {},
  ): Promise<DeliveryResult> {
    const user = this.requireUser(userId);
    const recorded = this.requireView(viewId, user.id);
    if (recorded.type !== 'modal')
      throw new Error(`viewSubmission: view ${viewId} is a ${recorded.type} view, not a modal`);
    if (this.deps.views.topModal(user.id)?.id !== viewId) {
      throw new Error(
        `viewSubmission: view ${viewId} is not the modal ${userId} sees (another view is on top)`,
      );
    }
    recorded.view.state = {
      values: this.stateValues(recorded, values, options.skipClientValidation === true),
    };
    const triggerId = this.deps.triggers.issue({
      userId: user.id,
      teamId: this.deps.workspace.team.id,
      viewId,
    });
    const payload = viewSubmissionPayload(this.identity, {
      user,
      triggerId,
      view: cloneJson(recorded.view),
      ...(options.teamNull ? { teamNull: true } : {}),
    });
    const result = await this.deliver('interactive', payload, options, true);
    this.applySubmissionAck(recorded, user.id, result);
    return result;
  }

  /** The user closes their visible modal (Cancel / ×); see SlackStandIn.viewClosed. */
  async viewClosed(
    userId: string,
    viewId: string,
    options: DeliveryOverrides = {},
  ): Promise<DeliveryResult | undefined> {
    const user = this.requireUser(userId);
    const recorded = this.requireView(viewId, user.id);
    if (this.deps.views.topModal(user.id)?.id !== viewId) {
      throw new Error(`viewClosed: view ${viewId} is not the modal ${userId} sees`);
    }
    const isCleared = recorded.view.clear_on_close === true;
    if (isCleared) this.deps.views.closeAll(user.id);
    else this.deps.views.closeTop(user.id);
    if (recorded.view.notify_on_close !== true) return undefined;
    const payload = viewClosedPayload(this.identity, { user, view: cloneJson(recorded.view), isCleared });
    return this.deliver('interactive', payload, options, false);
  }

  /** Sends a recorded delivery's payload again, unchanged (a retry or duplicate); acks are not applied. */
  redeliver(delivery: RecordedDelivery, options: DeliveryOverrides = {}): Promise<DeliveryResult> {
    const acceptsResponsePayload =
      delivery.kind === 'slash_commands' || delivery.payload.type === 'view_submission';
    return this.deliver(delivery.kind, delivery.payload, options, acceptsResponsePayload);
  }

  /**
   * Sends an Events API event; see SlackStandIn.event.
   * @param isEnterpriseInstall the installation the event is for, when not the current one (an event about an
   *   org-wide install that was just removed).
   */
  event(
    event: JsonObject,
    options: EventOptions = {},
    isEnterpriseInstall?: boolean,
  ): Promise<DeliveryResult> {
    const { ids, now } = this.deps;
    const withTs = typeof event.event_ts === 'string' ? event : { ...event, event_ts: ids.messageTs() };
    const identity =
      isEnterpriseInstall === undefined
        ? this.identity
        : { ...this.identity, isEnterpriseInstall: () => isEnterpriseInstall };
    const payload = eventCallbackPayload(identity, {
      event: withTs,
      eventId: options.eventId ?? ids.eventId(),
      eventTimeSeconds: Math.floor(now() / 1000),
    });
    return this.deliver('events_api', payload, options, false);
  }

  /** The `app_home_opened` event of a user opening the app's Home tab. */
  appHomeOpened(userId: string, options: DeliveryOverrides = {}): Promise<DeliveryResult> {
    const user = this.requireUser(userId);
    const event: JsonObject = {
      type: 'app_home_opened',
      user: user.id,
      channel: this.deps.workspace.imWithBot(user.id).id,
      tab: 'home',
    };
    const home = this.deps.recorder.homeViews.get(user.id);
    if (home) event.view = cloneJson(home.view);
    return this.event(event, options);
  }

  /** Sends a raw body over HTTP; see SlackStandIn.deliverRaw. */
  deliverRaw(body: string, contentType: string, overrides: DeliveryOverrides = {}): Promise<DeliveryResult> {
    const target = this.target;
    if (target?.kind !== 'http')
      throw new Error('deliverRaw needs an HTTP delivery target: call deliverTo() first');
    return this.deps.http.sendRaw(target.url, body, contentType, overrides, this.deps.deliveryTimeoutMs);
  }

  private async deliver(
    kind: DeliveryKind,
    payload: JsonObject,
    overrides: DeliveryOverrides,
    acceptsResponsePayload: boolean,
  ): Promise<DeliveryResult> {
    const target = this.target;
    if (!target) throw new Error('The stand-in has no delivery target: call deliverTo() first');
    const { recorder, deliveryTimeoutMs } = this.deps;
    const delivery: RecordedDelivery = { kind, payload, at: this.deps.now() };
    recorder.deliveries.push(delivery);
    this.deps.logger?.debug(
      { kind, type: payload.type ?? payload.command },
      'stand-in delivering to the app',
    );
    try {
      const result =
        target.kind === 'http'
          ? await this.deps.http.send(target.url, kind, payload, overrides, deliveryTimeoutMs)
          : await this.deps.socket.deliver(kind, payload, {
              acceptsResponsePayload,
              timeoutMs: deliveryTimeoutMs,
              ...(overrides.retryNum !== undefined ? { retryAttempt: overrides.retryNum } : {}),
              ...(overrides.retryReason !== undefined ? { retryReason: overrides.retryReason } : {}),
            });
      delivery.result = result;
      recorder.emit({ kind: 'delivery', delivery });
      return result;
    } catch (error) {
      delivery.error = error instanceof Error ? error.message : String(error);
      recorder.emit({ kind: 'delivery', delivery });
      throw error;
    }
  }

  /** Slack shows a slash command's ack body as a reply: ephemeral unless `response_type: 'in_channel'`. */
  private applyCommandAck(result: DeliveryResult, channel: StandInChannel, user: StandInUser): void {
    if (result.status !== 200 || result.body === '') return;
    const { messages } = this.deps;
    if (!isJsonObject(result.json)) {
      const text = typeof result.json === 'string' ? result.json : result.body;
      messages.postEphemeral(channel.id, user.id, { text, blocks: [] }, 'ack');
      return;
    }
    const ack = result.json;
    if (ack.text === undefined && ack.blocks === undefined) return;
    try {
      const content = messageContent(ack);
      if (ack.response_type === 'in_channel') messages.post(channel.id, content, 'ack');
      else messages.postEphemeral(channel.id, user.id, content, 'ack');
    } catch (error) {
      if (!(error instanceof SlackApiError)) throw error;
      this.recordAckError('slash_command.ack', error, ack);
    }
  }

  /** Slack's handling of a view_submission ack (docs.slack.dev/surfaces/modals#updating_response). */
  private applySubmissionAck(recorded: RecordedView, userId: string, result: DeliveryResult): void {
    if (result.status !== 200) return;
    const { views } = this.deps;
    if (result.body === '') {
      views.closeTop(userId);
      return;
    }
    const ack = isJsonObject(result.json) ? result.json : undefined;
    const action = ack?.response_action;
    try {
      if (!ack)
        throw new SlackApiError('invalid_arguments', [
          '[ERROR] the ack of a view_submission must be empty or JSON',
        ]);
      if (action === 'errors') return;
      if (action === 'clear') {
        views.closeAll(userId);
        return;
      }
      if (action === 'update' || action === 'push') {
        const problems = checkView(ack.view, 'modal');
        if (!isJsonObject(ack.view) || problems.length > 0)
          throw new SlackApiError('invalid_arguments', problems);
        if (action === 'update') views.update(recorded, ack.view);
        else views.push(userId, ack.view);
        return;
      }
      views.closeTop(userId);
    } catch (error) {
      if (!(error instanceof SlackApiError)) throw error;
      this.recordAckError('view_submission.ack', error, ack ?? { body: result.body });
    }
  }

  private recordAckError(method: string, error: SlackApiError, args: JsonObject): void {
    const apiError = {
      method,
      error: error.code,
      args: cloneJson(args),
      at: this.deps.now(),
      messages: error.messages,
    };
    this.deps.recorder.apiErrors.push(apiError);
    this.deps.recorder.emit({ kind: 'api_error', apiError });
  }

  /** The view's `state.values` for a submission, as Slack's client builds it; checks required inputs. */
  private stateValues(
    recorded: RecordedView,
    values: Record<string, Record<string, ViewStateValue>>,
    skipClientValidation: boolean,
  ): Record<string, Record<string, ViewStateValue>> {
    const inputs = inputsOf(objectsOf(recorded.view.blocks));
    for (const [blockId, byAction] of Object.entries(values)) {
      const input = inputs.find((i) => i.blockId === blockId);
      if (!input) throw new Error(`viewSubmission: view ${recorded.id} has no input block "${blockId}"`);
      for (const actionId of Object.keys(byAction)) {
        if (actionId !== input.actionId) {
          throw new Error(
            `viewSubmission: input block "${blockId}" has action_id "${input.actionId}", not "${actionId}"`,
          );
        }
      }
    }
    const state: Record<string, Record<string, ViewStateValue>> = {};
    for (const input of inputs) {
      const value = values[input.blockId]?.[input.actionId] ?? input.untouched;
      if (!input.optional && !skipClientValidation && isEmptyStateValue(value)) {
        throw new Error(
          `viewSubmission: required input "${input.blockId}" is empty, and Slack's client would not submit`,
        );
      }
      state[input.blockId] = { [input.actionId]: value };
    }
    return state;
  }

  private requireUser(userId: string): StandInUser {
    const user = this.deps.workspace.users.get(userId);
    if (!user) throw new Error(`Unknown user ${userId}: add it with addUser() first`);
    if (user.deleted) throw new Error(`User ${userId} is deactivated: Slack sends nothing on their behalf`);
    return user;
  }

  private requireChannel(channelId: string): StandInChannel {
    const channel = this.deps.workspace.channels.get(channelId);
    if (!channel) throw new Error(`Unknown channel ${channelId}: add it with addChannel() first`);
    return channel;
  }

  private requireView(viewId: string, userId: string): RecordedView {
    const recorded = this.deps.views.find(viewId);
    if (!recorded) throw new Error(`Unknown view ${viewId}`);
    if (recorded.user !== userId)
      throw new Error(`View ${viewId} belongs to ${recorded.user}, not ${userId}`);
    if (recorded.state !== 'open') throw new Error(`View ${viewId} is closed`);
    return recorded;
  }

  private requireMessageSource(
    source: { channelId: string; messageTs: string },
    userId: string,
  ): { channel: StandInChannel; blocks: JsonObject[]; original: OriginalMessage; message?: JsonObject } {
    const channel = this.requireChannel(source.channelId);
    const message = this.deps.messages.find(channel.id, source.messageTs);
    if (message) {
      return {
        channel,
        blocks: message.blocks,
        original: { kind: 'message', channel: channel.id, ts: message.ts },
        message: this.deps.messages.messageObject(message),
      };
    }
    const ephemeral = this.deps.messages.findEphemeral(source.messageTs, channel.id);
    if (!ephemeral)
      throw new Error(`No message or visible ephemeral with ts ${source.messageTs} in ${channel.id}`);
    if (ephemeral.user !== userId)
      throw new Error(`The ephemeral ${source.messageTs} is shown to ${ephemeral.user}, not ${userId}`);
    return {
      channel,
      blocks: ephemeral.blocks,
      original: { kind: 'ephemeral', channel: channel.id, ts: ephemeral.ts },
    };
  }
}
