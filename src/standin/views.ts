/**
 * Modals and Home tabs: the per-user modal stack (at most 3 views, docs.slack.dev/surfaces/modals), view objects
 * in the shape `views.*` return, hash checks, and the closing rules of view submissions.
 */
import { withGeneratedIds } from './block-kit.js';
import { SlackApiError } from './errors.js';
import type { IdFactory } from './ids.js';
import { objectsOf, stringAt } from './json.js';
import type { Recorder } from './recorder.js';
import type { JsonObject, RecordedView } from './types.js';
import type { BotIdentity } from './workspace.js';

/** Slack keeps at most 3 views in a modal stack. */
export const MAX_MODAL_STACK = 3;

interface ViewMeta {
  id: string;
  rootViewId: string;
  previousViewId: string | null;
}

/** Stores views and applies Slack's view lifecycle. */
export class ViewStore {
  /** user id → ids of their open modals, root first. */
  private readonly stacks = new Map<string, string[]>();

  /**
   * @param teamId the workspace whose views this store keeps (views of other workspaces are not found).
   * @param installedTeamId the views' `app_installed_team_id`: the workspace, or the enterprise id while the app is
   *   installed org-wide.
   */
  constructor(
    private readonly recorder: Recorder,
    private readonly ids: IdFactory,
    private readonly bot: BotIdentity,
    private readonly teamId: string,
    private readonly installedTeamId: () => string = () => teamId,
  ) {}

  /** A view of this workspace by id. */
  find(viewId: string): RecordedView | undefined {
    const view = this.recorder.views.get(viewId);
    return view && view.view.team_id === this.teamId ? view : undefined;
  }

  /** A view of this workspace by the app's `external_id`. */
  findByExternalId(externalId: string): RecordedView | undefined {
    for (const view of this.recorder.views.values()) {
      if (view.view.external_id === externalId && view.view.team_id === this.teamId) return view;
    }
    return undefined;
  }

  /** The modal the user sees now (top of their stack), if any. */
  topModal(userId: string): RecordedView | undefined {
    const stack = this.stacks.get(userId) ?? [];
    const top = stack.at(-1);
    return top === undefined ? undefined : this.find(top);
  }

  /** `views.open`: a new modal stack for the user (a modal already open is replaced, as in Slack's client). */
  open(userId: string, input: JsonObject): RecordedView {
    this.assertExternalIdFree(input, undefined);
    this.closeAll(userId);
    const id = this.ids.viewId();
    const recorded = this.store(userId, 'modal', input, { id, rootViewId: id, previousViewId: null });
    this.stacks.set(userId, [id]);
    this.recorder.emit({ kind: 'view_opened', view: recorded });
    return recorded;
  }

  /**
   * `views.push`: a view on top of the user's open modal.
   * @throws SlackApiError `not_found` without an open modal, `push_limit_reached` with 3 views in the stack.
   */
  push(userId: string, input: JsonObject): RecordedView {
    const stack = this.stacks.get(userId) ?? [];
    const top = stack.at(-1);
    const root = stack[0];
    if (top === undefined || root === undefined)
      throw new SlackApiError('not_found', ['[ERROR] no modal is open to push onto']);
    if (stack.length >= MAX_MODAL_STACK) throw new SlackApiError('push_limit_reached');
    this.assertExternalIdFree(input, undefined);
    const id = this.ids.viewId();
    const recorded = this.store(userId, 'modal', input, { id, rootViewId: root, previousViewId: top });
    stack.push(id);
    this.recorder.emit({ kind: 'view_opened', view: recorded });
    return recorded;
  }

  /**
   * `views.update` (and `response_action: 'update'`): new content for an existing view, same id, new hash.
   * @throws SlackApiError `not_found` for a closed modal, `hash_conflict` when `hash` is not the current one.
   */
  update(recorded: RecordedView, input: JsonObject, hash?: string): RecordedView {
    if (recorded.state === 'closed') throw new SlackApiError('not_found', ['[ERROR] the view was closed']);
    if (hash !== undefined && hash !== recorded.view.hash) throw new SlackApiError('hash_conflict');
    this.assertExternalIdFree(input, recorded.id);
    recorded.history.push(recorded.view);
    recorded.view = this.build(recorded.type, input, {
      id: recorded.id,
      rootViewId: stringAt(recorded.view, 'root_view_id') ?? recorded.id,
      previousViewId: stringAt(recorded.view, 'previous_view_id') ?? null,
    });
    this.recorder.emit({ kind: 'view_updated', view: recorded });
    return recorded;
  }

  /**
   * `views.publish`: the user's Home tab (one per user; its id stays the same across publishes).
   * @throws SlackApiError `hash_conflict` when `hash` is given and is not the current one.
   */
  publish(userId: string, input: JsonObject, hash?: string): RecordedView {
    const current = this.recorder.homeViews.get(userId);
    if (current && hash !== undefined && hash !== current.view.hash) throw new SlackApiError('hash_conflict');
    this.assertExternalIdFree(input, current?.id);
    if (current) {
      current.history.push(current.view);
      current.view = this.build('home', input, {
        id: current.id,
        rootViewId: current.id,
        previousViewId: null,
      });
      this.recorder.emit({ kind: 'home_published', view: current });
      return current;
    }
    const id = this.ids.viewId();
    const recorded = this.store(userId, 'home', input, { id, rootViewId: id, previousViewId: null });
    this.recorder.homeViews.set(userId, recorded);
    this.recorder.emit({ kind: 'home_published', view: recorded });
    return recorded;
  }

  /** Closes the top modal of the user's stack (a submission acked with an empty body). */
  closeTop(userId: string): void {
    const stack = this.stacks.get(userId) ?? [];
    const top = stack.pop();
    if (top !== undefined) this.markClosed(top);
  }

  /** Closes every modal of the user (`response_action: 'clear'`, or a new `views.open`). */
  closeAll(userId: string): void {
    const stack = this.stacks.get(userId) ?? [];
    while (stack.length > 0) {
      const id = stack.pop();
      if (id !== undefined) this.markClosed(id);
    }
  }

  private markClosed(viewId: string): void {
    const recorded = this.find(viewId);
    if (!recorded || recorded.state === 'closed') return;
    recorded.state = 'closed';
    this.recorder.emit({ kind: 'view_closed', view: recorded });
  }

  private store(userId: string, type: RecordedView['type'], input: JsonObject, meta: ViewMeta): RecordedView {
    const recorded: RecordedView = {
      id: meta.id,
      type,
      user: userId,
      view: this.build(type, input, meta),
      state: 'open',
      history: [],
    };
    this.recorder.views.set(recorded.id, recorded);
    return recorded;
  }

  private assertExternalIdFree(input: JsonObject, ownViewId: string | undefined): void {
    const externalId = stringAt(input, 'external_id');
    if (externalId === undefined || externalId === '') return;
    const holder = this.findByExternalId(externalId);
    if (holder && holder.id !== ownViewId) throw new SlackApiError('duplicate_external_id');
  }

  /** The view object as Slack returns it from `views.open` / `update` / `push` / `publish`. */
  private build(type: RecordedView['type'], input: JsonObject, meta: ViewMeta): JsonObject {
    return {
      id: meta.id,
      team_id: this.teamId,
      type,
      title: input.title ?? null,
      close: input.close ?? null,
      submit: input.submit ?? null,
      blocks: withGeneratedIds(objectsOf(input.blocks), this.ids),
      private_metadata: stringAt(input, 'private_metadata') ?? '',
      callback_id: stringAt(input, 'callback_id') ?? '',
      external_id: stringAt(input, 'external_id') ?? '',
      state: { values: {} },
      hash: this.ids.viewHash(),
      clear_on_close: input.clear_on_close === true,
      notify_on_close: input.notify_on_close === true,
      root_view_id: meta.rootViewId,
      previous_view_id: meta.previousViewId,
      app_id: this.bot.appId,
      app_installed_team_id: this.installedTeamId(),
      bot_id: this.bot.botId,
    };
  }
}
