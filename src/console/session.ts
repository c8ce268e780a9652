/**
 * One console session: who is acting, where slash commands are typed, what can be clicked, what has been filled
 * into the open modal. It turns console commands into what a Slack user does (through the stand-in's driver) and
 * prints everything the app does in reply, as the stand-in records it.
 *
 * The stand-in may play several workspaces: the session acts in the acting user's own workspace (commands, clicks,
 * submissions and the Home tab are sent from it), and output from another workspace names that workspace.
 */
import { buttonsOf, inputsOf } from '../standin/block-kit.js';
import { isJsonObject, objectsOf, textOf } from '../standin/json.js';
import type { SlackStandIn } from '../standin/slack-standin.js';
import type { StandInWorkspace } from '../standin/standin-workspace.js';
import type {
  BlockActionSource,
  DeliveryResult,
  InteractiveElement,
  JsonObject,
  RecordedEphemeral,
  RecordedMessage,
  RecordedView,
  StandInChannel,
  StandInRecord,
  StandInUser,
  ViewStateValue,
} from '../standin/types.js';
import type { Activity } from './activity.js';
import { type ConsoleCommand, encodeSlashText, type SlashDirectory } from './commands.js';
import { draftFor, findInput, isEmptyInput, type ModalInput, modalInputs, stateValueOf } from './modal.js';
import type { MrkdwnContext } from './mrkdwn.js';
import {
  CONSOLE_HELP,
  type DraftValue,
  heading,
  type Rendered,
  renderHome,
  renderMessageBody,
  renderModal,
  renderTextObject,
  renderUsersByWorkspace,
} from './render.js';
import type { Terminal } from './terminal.js';

/** One key per message (channel and ts) or view (id). */
function sourceKey(source: BlockActionSource): string {
  return 'viewId' in source ? `view:${source.viewId}` : `message:${source.channelId}:${source.messageTs}`;
}

/** Something shown with a number, and where clicking it acts. */
interface Clickable {
  element: InteractiveElement;
  source: BlockActionSource;
  /** Whose screen it is on (a DM, an ephemeral, a modal or a Home tab); undefined for a channel message. */
  owner: string | undefined;
}

/** What the session needs. */
export interface SessionDeps {
  standin: SlackStandIn;
  terminal: Terminal;
  activity: Activity;
  /** The user acting first. */
  actingUserId: string;
  /** What the bot is called in headings. */
  botName: string;
  /** Runs once the app's reactions to a payload have settled (console mode sends queued mail then). */
  afterPayload?: () => Promise<void>;
}

/** See the module comment. */
export class ConsoleSession {
  private actingUserId: string;
  /** Where slash commands are typed, per workspace (team id → channel id); absent: the user's DM with the app. */
  private readonly channelByTeam = new Map<string, string>();
  /** Increases with every command; numbering starts again at [1] in each command's output. */
  private turn = 0;
  private clickTurn = -1;
  private readonly clickables = new Map<number, Clickable>();
  private readonly drafts = new Map<string, Map<string, DraftValue>>();
  private readonly errors = new Map<string, Record<string, string>>();
  /** Modals the user closed with `cancel` (the stand-in keeps them until the app opens another). */
  private readonly dismissed = new Set<string>();
  private homePublishedThisTurn = false;
  private readonly directory: SlashDirectory;

  constructor(private readonly deps: SessionDeps) {
    this.actingUserId = deps.actingUserId;
    // As in Slack's client, a mention or channel reference reaches only the people and channels of one's workspace.
    this.directory = {
      userId: (name) => this.personIn(this.actingWorkspace, name)?.id,
      channelId: (name) =>
        [...this.actingWorkspace.channels.values()].find((c) => !c.isIm && c.name === name)?.id,
    };
  }

  /** The acting user's name, for the prompt. */
  get actingName(): string {
    return this.user(this.actingUserId).name;
  }

  /** Prints what the stand-in recorded; give it to `standin.on('record', …)`. */
  readonly onRecord = (record: StandInRecord): void => {
    this.deps.activity.touch();
    switch (record.kind) {
      case 'message':
        this.showMessage(record.message, '');
        break;
      case 'message_changed':
        this.showMessage(record.message, 'updated');
        break;
      case 'message_deleted':
        this.forget({ channelId: record.message.channel, messageTs: record.message.ts });
        this.print([heading([this.where(record.message.channel), 'message deleted'])]);
        break;
      case 'ephemeral':
        this.showEphemeral(record.ephemeral);
        break;
      case 'view_opened':
        if (record.view.type === 'modal') this.dismissed.delete(record.view.id);
        this.showView(record.view);
        break;
      case 'view_updated':
        this.keepDraftsOf(record.view);
        this.errors.delete(record.view.id);
        this.showView(record.view);
        break;
      case 'view_closed':
        this.forget({ viewId: record.view.id });
        this.drafts.delete(record.view.id);
        this.errors.delete(record.view.id);
        if (!this.dismissed.has(record.view.id)) {
          this.print([
            heading([`modal "${textOf(record.view.view.title)}" closed`, this.ownerNote(record.view.user)]),
          ]);
        }
        break;
      case 'home_published':
        this.homePublishedThisTurn = true;
        this.showView(record.view);
        break;
      case 'api_error':
        this.print([
          `⚠ Slack would refuse the app's ${record.apiError.method}: ${record.apiError.error}`,
          ...record.apiError.messages.map((m) => `  ${m}`),
        ]);
        break;
      default:
        break;
    }
  };

  /**
   * Runs one console command.
   * @returns 'quit' when the session should end
   */
  async run(command: ConsoleCommand): Promise<'quit' | undefined> {
    this.turn += 1;
    this.homePublishedThisTurn = false;
    switch (command.kind) {
      case 'empty':
        return undefined;
      case 'quit':
        return 'quit';
      case 'invalid':
        this.print(command.message);
        return undefined;
      case 'help':
        this.print(CONSOLE_HELP);
        return undefined;
      case 'users':
        this.print(
          renderUsersByWorkspace(
            this.deps.standin.allWorkspaces.map((w) => ({ team: w.team, users: this.peopleOf(w) })),
            this.actingUserId,
          ),
        );
        return undefined;
      case 'as':
        this.switchUser(command.user);
        return undefined;
      case 'channel':
        this.switchChannel(command.channel);
        return undefined;
      case 'slash':
        await this.slash(command.command, command.text);
        return undefined;
      case 'click':
        await this.click(command.number);
        return undefined;
      case 'fill':
        this.fill(command.field, command.value);
        return undefined;
      case 'submit':
        await this.submit();
        return undefined;
      case 'cancel':
        this.cancel();
        return undefined;
      case 'modal': {
        const modal = this.openModal();
        if (modal) this.showView(modal);
        else this.print('No modal is open.');
        return undefined;
      }
      case 'home':
        await this.home();
        return undefined;
    }
  }

  // ── commands ─────────────────────────────────────────────────────────────────────────────────────────────────

  private switchUser(name: string): void {
    const user = this.findUser(name);
    if (!user) {
      this.print(`No Slack user "${name}". Type users to list them.`);
      return;
    }
    const before = this.actingWorkspace;
    this.actingUserId = user.id;
    const role = user.isOwner ? 'workspace owner' : user.isAdmin ? 'workspace admin' : 'workspace member';
    this.print(`Now acting as ${user.name} (${user.realName}, ${role}).`);
    const now = this.actingWorkspace;
    if (now !== before) {
      const channelId = this.channelByTeam.get(now.team.id);
      this.print(
        `Now in workspace "${now.team.name}" (${now.team.id}): commands, clicks, modals and Home act there` +
          `${channelId ? `; slash commands are typed in ${this.where(channelId)}` : ''}.`,
      );
    }
    this.showScreenOf(user.id);
  }

  /**
   * Shows again what the user can still click: the latest message with buttons in their DM with the app, their
   * latest visible ephemeral with buttons, their open modal (numbered afresh, so `click` works after `as`).
   */
  private showScreenOf(userId: string): void {
    const { standin } = this.deps;
    const clickable = (m: { blocks: unknown[] }) => buttonsOf(m.blocks).length > 0;
    const dm = [...this.workspaceOf(userId).channels.values()].find(
      (c) => c.isIm && c.members.includes(userId),
    );
    const message = dm ? standin.messagesIn(dm.id).findLast((m) => !m.deleted && clickable(m)) : undefined;
    const ephemeral = standin.visibleEphemerals(userId).findLast((e) => !e.deleteOriginal && clickable(e));
    const modal = this.openModal();
    if (!message && !ephemeral && !modal) return;
    this.print('Still on screen:');
    if (message) this.showMessage(message, 'earlier');
    if (ephemeral) this.showEphemeral(ephemeral, 'earlier');
    if (modal) this.showView(modal);
  }

  private switchChannel(name: string): void {
    const team = this.actingWorkspace.team.id;
    if (name.toLowerCase() === 'dm') {
      this.channelByTeam.delete(team);
      this.print('Slash commands are now typed in your DM with the app.');
      return;
    }
    const id = this.directory.channelId(name.replace(/^#/, ''));
    if (!id) {
      const names = [...this.actingWorkspace.channels.values()]
        .filter((c) => !c.isIm)
        .map((c) => `#${c.name}`);
      this.print(`No channel ${name}. Channels: ${names.join(', ')}, or dm.`);
      return;
    }
    this.channelByTeam.set(team, id);
    this.print(`Slash commands are now typed in ${this.where(id)}.`);
  }

  private async slash(command: string, typed: string): Promise<void> {
    const text = encodeSlashText(typed, this.directory);
    const workspace = this.actingWorkspace;
    const channelId = this.channelByTeam.get(workspace.team.id);
    const options = { command, ...(channelId ? { channelId } : {}) };
    await this.deliver(`${command} ${typed}`.trim(), () =>
      workspace.command(this.actingUserId, text, options),
    );
  }

  private async click(n: number): Promise<void> {
    const clickable = this.clickables.get(n);
    if (clickable && !this.isStillShown(clickable)) {
      // The message or view was replaced, updated or closed since it was numbered: its old buttons are gone.
      this.clickables.delete(n);
      this.print(`No [${n}] on screen: the message or modal that showed it has changed.`);
      return;
    }
    if (!clickable) {
      this.print(
        this.clickables.size === 0
          ? `No [${n}] on screen: no button or option is.`
          : `No [${n}] on screen; on screen now: ${[...this.clickables.keys()]
              .sort((a, b) => a - b)
              .map((k) => `[${k}]`)
              .join(' ')}.`,
      );
      return;
    }
    const { element, source, owner } = clickable;
    if (owner !== undefined && owner !== this.actingUserId) {
      const name = this.user(owner).name;
      this.print(`[${n}] is on ${name}'s screen, not ${this.actingName}'s: type as ${name} first.`);
      return;
    }
    const workspace = this.actingWorkspace;
    const sourceWorkspace = 'viewId' in source ? workspace : this.workspaceOfChannel(source.channelId);
    if (sourceWorkspace && sourceWorkspace !== workspace) {
      this.print(
        `[${n}] is in "${sourceWorkspace.team.name}", where ${this.actingName} is not: act as one of its people first (users lists them).`,
      );
      return;
    }
    if (element.confirm && !(await this.confirm(element.confirm))) {
      this.print('Cancelled: nothing was sent.');
      return;
    }
    if (element.url) this.print(`(Slack opens ${element.url} in the browser.)`);
    const stateValues = 'viewId' in source ? this.viewState(source.viewId) : undefined;
    const action = {
      actionId: element.actionId,
      blockId: element.blockId,
      type: element.type,
      ...(element.value !== undefined ? { value: element.value } : {}),
      ...(element.selectedOption ? { selectedOption: element.selectedOption } : {}),
    };
    await this.deliver(`click [${n}] ${element.text}`, () =>
      workspace.blockAction(this.actingUserId, action, source, stateValues ? { stateValues } : {}),
    );
  }

  /**
   * Whether the element is still in its source as the stand-in holds it now: the live message, the user's visible
   * ephemeral with that ts, or the open view. A `chat.update` or `replace_original` without it removes it.
   */
  private isStillShown({ element, source, owner }: Clickable): boolean {
    const { standin } = this.deps;
    let blocks: readonly unknown[] | undefined;
    if ('viewId' in source) {
      const view =
        standin.views.get(source.viewId) ??
        [...standin.homeViews.values()].find((v) => v.id === source.viewId);
      blocks =
        view && view.state === 'open' && Array.isArray(view.view.blocks) ? view.view.blocks : undefined;
    } else {
      const message = standin.findMessage(source.channelId, source.messageTs);
      const ephemeral = standin
        .visibleEphemerals(owner ?? this.actingUserId)
        .find((e) => e.channel === source.channelId && e.ts === source.messageTs && !e.deleteOriginal);
      blocks = (message ?? ephemeral)?.blocks;
    }
    return (blocks ? buttonsOf(blocks) : []).some(
      (b) =>
        b.actionId === element.actionId &&
        b.blockId === element.blockId &&
        (element.value === undefined || b.value === element.value),
    );
  }

  /** Shows a `confirm` dialog; asks on a terminal, confirms by itself when input is piped. */
  private async confirm(dialog: JsonObject): Promise<boolean> {
    const ctx = this.ctx();
    const yes = renderTextObject(dialog.confirm, ctx) || 'Yes';
    const no = renderTextObject(dialog.deny, ctx) || 'Cancel';
    this.print([
      `┌─ ${renderTextObject(dialog.title, ctx) || 'Are you sure?'}`,
      ...renderTextObject(dialog.text, ctx)
        .split('\n')
        .map((l) => `│ ${l}`),
      `└─ [y] ${yes}  [n] ${no}`,
    ]);
    if (!this.deps.terminal.interactive) {
      this.print(`(confirmed automatically — input is not a terminal: "${yes}")`);
      return true;
    }
    if (this.deps.terminal.hasTypeAhead) {
      // Lines typed ahead are the next commands, not an answer to a question they could not have seen.
      this.print('Not confirmed: lines were typed ahead of the question. Click again to answer it.');
      return false;
    }
    const answer = await this.deps.terminal.read(`${yes}? (y/n) `);
    return answer !== null && /^\s*y(es)?\s*$/i.test(answer);
  }

  private fill(field: string, typed: string): void {
    const modal = this.openModal();
    if (!modal) {
      this.print('No modal is open: fill works on an open modal (for example after /org rename).');
      return;
    }
    const input = findInput(modal.view, field);
    if (!input) {
      const fields = modalInputs(modal.view)
        .map((i) => `${i.blockId} (${i.label})`)
        .join(', ');
      this.print(`The modal has no field "${field}". Fields: ${fields || 'none'}.`);
      return;
    }
    if (this.setDraft(modal.id, input, typed)) {
      this.print(`${input.label} (field "${input.blockId}") ${typed === '' ? 'emptied' : `= ${typed}`}`);
    }
  }

  private setDraft(viewId: string, input: ModalInput, typed: string): boolean {
    const result = draftFor(input, typed, this.directory);
    if ('error' in result) {
      this.print(result.error);
      return false;
    }
    const drafts = this.drafts.get(viewId) ?? new Map<string, DraftValue>();
    drafts.set(input.blockId, result.draft);
    this.drafts.set(viewId, drafts);
    return true;
  }

  private async submit(): Promise<void> {
    const modal = this.openModal();
    if (!modal) {
      this.print('No modal is open.');
      return;
    }
    const drafts = this.drafts.get(modal.id);
    const missing = modalInputs(modal.view).filter(
      (i) => !i.optional && isEmptyInput(i, drafts?.get(i.blockId)),
    );
    if (missing.length > 0 && !(await this.fillMissing(modal.id, missing))) return;
    const inputs = modalInputs(modal.view);
    const values: Record<string, Record<string, ViewStateValue>> = {};
    for (const [blockId, draft] of this.drafts.get(modal.id) ?? []) {
      const input = inputs.find((i) => i.blockId === blockId);
      if (input) values[blockId] = { [input.actionId]: stateValueOf(input, draft, this.directory) };
    }
    const workspace = this.actingWorkspace;
    const result = await this.deliver(`submit "${textOf(modal.view.title)}"`, () =>
      workspace.viewSubmission(this.actingUserId, modal.id, values),
    );
    const ack = result && isJsonObject(result.json) ? result.json : undefined;
    if (ack?.response_action === 'errors' && isJsonObject(ack.errors)) {
      const errors: Record<string, string> = {};
      for (const [key, message] of Object.entries(ack.errors)) errors[key] = String(message);
      this.errors.set(modal.id, errors);
      this.print('The app refused the submission; the modal stays open:');
      this.showView(modal);
    }
  }

  /**
   * Asks for each empty required input on a terminal (an empty answer gives up); with piped input, says what to
   * fill instead.
   * @returns true when every required input now has a value
   */
  private async fillMissing(viewId: string, missing: ModalInput[]): Promise<boolean> {
    // Lines already typed ahead are the next commands: a prompt now would take one of them as a field's value.
    if (!this.deps.terminal.interactive || this.deps.terminal.hasTypeAhead) {
      this.print(
        `Not submitted: ${missing.map((i) => `"${i.label}"`).join(', ')} ${missing.length === 1 ? 'is' : 'are'} required. ` +
          `Fill ${missing.length === 1 ? 'it' : 'them'} first: ${missing.map((i) => `fill ${i.blockId} <value>`).join(', ')}.`,
      );
      return false;
    }
    this.print('Some required fields are empty; type their values (an empty line gives up):');
    for (const input of missing) {
      for (;;) {
        const typed = await this.deps.terminal.read(`  ${input.label}: `);
        if (typed === null || typed.trim() === '') {
          this.print('Not submitted.');
          return false;
        }
        if (this.setDraft(viewId, input, typed.trim())) break;
      }
    }
    return true;
  }

  private cancel(): void {
    const modal = this.openModal();
    if (!modal) {
      this.print('No modal is open.');
      return;
    }
    this.dismissed.add(modal.id);
    this.forget({ viewId: modal.id });
    this.drafts.delete(modal.id);
    this.errors.delete(modal.id);
    this.print(heading([`modal "${textOf(modal.view.title)}" closed without submitting`]));
  }

  private async home(): Promise<void> {
    const workspace = this.actingWorkspace;
    await this.deliver('open the Home tab', () => workspace.appHomeOpened(this.actingUserId));
    if (this.homePublishedThisTurn) return;
    const home = this.deps.standin.homeView(this.actingUserId);
    if (home) this.showView(home);
    else this.print(`(The app has published no Home tab for ${this.actingName}.)`);
  }

  /**
   * Delivers a payload and waits until the app's reactions have settled, so they are printed before the next line.
   * @returns the app's ack, or undefined when the delivery failed (the failure is printed)
   */
  private async deliver(
    what: string,
    send: () => Promise<DeliveryResult>,
  ): Promise<DeliveryResult | undefined> {
    let result: DeliveryResult | undefined;
    try {
      result = await send();
      if (result.status !== 200)
        this.print(`The app answered ${what} with HTTP ${result.status}: ${result.body}`);
    } catch (error) {
      this.print(`Could not ${what}: ${error instanceof Error ? error.message : String(error)}`);
    }
    const settled = await this.deps.activity.settle();
    if (!settled) this.print(`(The app is still working on ${what}; its output will appear when it comes.)`);
    try {
      await this.deps.afterPayload?.();
    } catch (error) {
      this.print(`Mail could not be sent: ${error instanceof Error ? error.message : String(error)}`);
    }
    return result;
  }

  // ── rendering ────────────────────────────────────────────────────────────────────────────────────────────────

  private showMessage(message: RecordedMessage, change: string): void {
    const channel = this.channel(message.channel);
    const owner = channel?.isIm ? this.humanOf(channel) : undefined;
    const rendered = this.numbered((first) => renderMessageBody(message, this.ctx(), first));
    this.register(rendered, { channelId: message.channel, messageTs: message.ts }, owner);
    const who =
      message.via === 'ack' || message.via === 'response_url' ? 'reply' : `from ${this.deps.botName}`;
    this.print([heading([this.where(message.channel), who, change]), ...rendered.lines]);
  }

  private showEphemeral(ephemeral: RecordedEphemeral, note = ''): void {
    const where = this.where(ephemeral.channel);
    const visible =
      ephemeral.user === this.actingUserId
        ? 'only visible to you'
        : `only visible to @${this.user(ephemeral.user).name}`;
    if (ephemeral.deleteOriginal) {
      this.forget({ channelId: ephemeral.channel, messageTs: ephemeral.ts });
      this.print([heading([where, `the message ${visible} was dismissed`])]);
      return;
    }
    const rendered = this.numbered((first) => renderMessageBody(ephemeral, this.ctx(), first));
    this.register(rendered, { channelId: ephemeral.channel, messageTs: ephemeral.ts }, ephemeral.user);
    const replaces = ephemeral.replaceOriginal && !note ? 'replaces the previous one' : '';
    this.print([heading([where, visible, replaces, note]), ...rendered.lines]);
  }

  private showView(recorded: RecordedView): void {
    const owner = recorded.user === this.actingUserId ? undefined : `@${this.user(recorded.user).name}`;
    const drafts = this.drafts.get(recorded.id);
    const errors = this.errors.get(recorded.id);
    const rendered = this.numbered((first) =>
      recorded.type === 'home'
        ? renderHome(recorded.view, this.ctx(), first, owner ?? 'you')
        : renderModal(
            { view: recorded.view, ...(drafts ? { drafts } : {}), ...(errors ? { errors } : {}) },
            this.ctx(),
            first,
            owner,
          ),
    );
    this.register(rendered, { viewId: recorded.id }, recorded.user);
    this.print(rendered.lines);
  }

  /** Renders with numbers that continue this command's numbering (or start it at 1). */
  private numbered(render: (firstNumber: number) => Rendered): Rendered {
    const first = this.clickTurn === this.turn ? Math.max(0, ...this.clickables.keys()) + 1 : 1;
    return render(first);
  }

  /**
   * Makes the rendered elements clickable by their numbers. What the same message or view showed before is no longer
   * clickable: it was replaced (updated, possibly without buttons).
   */
  private register(rendered: Rendered, source: BlockActionSource, owner: string | undefined): void {
    this.forget(source);
    if (rendered.elements.length === 0) return;
    if (this.clickTurn !== this.turn) {
      this.clickables.clear();
      this.clickTurn = this.turn;
    }
    for (const element of rendered.elements) this.clickables.set(element.index, { element, source, owner });
  }

  /** Drops the numbers of whatever `source` showed (a message or view updated, deleted or closed). */
  private forget(source: BlockActionSource): void {
    const key = sourceKey(source);
    for (const [n, c] of this.clickables) if (sourceKey(c.source) === key) this.clickables.delete(n);
  }

  /** Drafts of inputs the app kept (same block id) survive a `views.update`. */
  private keepDraftsOf(recorded: RecordedView): void {
    const drafts = this.drafts.get(recorded.id);
    if (!drafts) return;
    const kept = new Set(modalInputs(recorded.view).map((i) => i.blockId));
    for (const blockId of [...drafts.keys()]) if (!kept.has(blockId)) drafts.delete(blockId);
  }

  /** `state.values` of a view: untouched inputs as Slack sends them, filled ones with their drafts. */
  private viewState(viewId: string): Record<string, Record<string, ViewStateValue>> | undefined {
    const recorded = this.deps.standin.views.get(viewId);
    if (!recorded) return undefined;
    const drafts = this.drafts.get(viewId);
    const inputs = modalInputs(recorded.view);
    const state: Record<string, Record<string, ViewStateValue>> = {};
    for (const untouched of inputsOf(objectsOf(recorded.view.blocks))) {
      const draft = drafts?.get(untouched.blockId);
      const input = inputs.find((i) => i.blockId === untouched.blockId);
      state[untouched.blockId] = {
        [untouched.actionId]:
          draft && input ? stateValueOf(input, draft, this.directory) : untouched.untouched,
      };
    }
    return state;
  }

  // ── lookups ──────────────────────────────────────────────────────────────────────────────────────────────────

  private openModal(): RecordedView | undefined {
    const modal = this.deps.standin.openView(this.actingUserId);
    return modal && !this.dismissed.has(modal.id) ? modal : undefined;
  }

  /** The people of a workspace (its own users, not bots nor guests from other workspaces), as added. */
  private peopleOf(workspace: StandInWorkspace): StandInUser[] {
    return [...workspace.users.values()].filter((u) => !u.isBot && u.teamId === workspace.team.id);
  }

  /** A person of one workspace by name or id (`@` before it allowed, case ignored). */
  private personIn(workspace: StandInWorkspace, nameOrId: string): StandInUser | undefined {
    const wanted = nameOrId.replace(/^@/, '').toLowerCase();
    return this.peopleOf(workspace).find(
      (u) => u.name.toLowerCase() === wanted || u.id.toLowerCase() === wanted,
    );
  }

  /** A person by name or id, in the acting user's workspace first, then in the others. */
  private findUser(nameOrId: string): StandInUser | undefined {
    const acting = this.actingWorkspace;
    const others = this.deps.standin.allWorkspaces.filter((w) => w !== acting);
    for (const workspace of [acting, ...others]) {
      const found = this.personIn(workspace, nameOrId);
      if (found) return found;
    }
    return undefined;
  }

  /** The workspace a user belongs to (the stand-in's default workspace for a user it does not know). */
  private workspaceOf(userId: string): StandInWorkspace {
    const { standin } = this.deps;
    return (
      standin.allWorkspaces.find((w) => w.users.get(userId)?.teamId === w.team.id) ?? standin.defaultWorkspace
    );
  }

  /** The acting user's workspace: where their commands, clicks, submissions and Home tab are sent from. */
  private get actingWorkspace(): StandInWorkspace {
    return this.workspaceOf(this.actingUserId);
  }

  private workspaceOfChannel(channelId: string): StandInWorkspace | undefined {
    return this.deps.standin.allWorkspaces.find((w) => w.channels.has(channelId));
  }

  private channel(channelId: string): StandInChannel | undefined {
    return this.workspaceOfChannel(channelId)?.channels.get(channelId);
  }

  private user(id: string): StandInUser {
    const found = this.workspaceOf(id).users.get(id);
    if (found) return found;
    return {
      id,
      name: id,
      realName: id,
      email: undefined,
      isAdmin: false,
      isOwner: false,
      teamId: this.deps.standin.team.id,
      isBot: false,
      deleted: false,
      tz: 'UTC',
    };
  }

  private humanOf(channel: StandInChannel): string | undefined {
    const bot = this.workspaceOfChannel(channel.id)?.botUserId ?? this.deps.standin.botUserId;
    return channel.members.find((m) => m !== bot);
  }

  /**
   * `#general`, `your DM with AstroBee`, `@bob's DM with AstroBee`; with ` in "Nebula Works"` after it when the
   * conversation is in another workspace than the acting user's.
   */
  private where(channelId: string): string {
    const workspace = this.workspaceOfChannel(channelId);
    const channel = workspace?.channels.get(channelId);
    if (!workspace || !channel) return channelId;
    const elsewhere = workspace === this.actingWorkspace ? '' : ` in "${workspace.team.name}"`;
    if (!channel.isIm) return `#${channel.name}${elsewhere}`;
    const human = this.humanOf(channel);
    if (human === undefined || human === this.actingUserId) return `your DM with ${this.deps.botName}`;
    return `@${this.user(human).name}'s DM with ${this.deps.botName}${elsewhere}`;
  }

  private ownerNote(userId: string): string {
    return userId === this.actingUserId ? '' : `on @${this.user(userId).name}'s screen`;
  }

  private ctx(): MrkdwnContext {
    return {
      userName: (id) => this.workspaceOf(id).users.get(id)?.name,
      channelName: (id) => this.channel(id)?.name,
      timeZone: this.user(this.actingUserId).tz,
    };
  }

  private print(lines: string | readonly string[]): void {
    this.deps.terminal.print(lines);
  }
}
