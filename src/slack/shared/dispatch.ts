import type { AllMiddlewareArgs, App, SlackEventMiddlewareArgs } from '@slack/bolt';
import type { OrgContext } from '../context.js';
import type { CommandHelp } from './help.blocks.js';
import type {
  ActionArgs,
  ButtonArgs,
  DirectoryHandler,
  StaticSelectArgs,
  SubcommandHandler,
  ViewSubmissionArgs,
} from './listener-types.js';

/**
 * One Bolt listener per payload kind, dispatching by id.
 *
 * Bolt runs the middleware chain of every registered listener for every payload it receives (`App#processEvent`
 * maps over all listeners, and each chain builds its own argument objects and promises before its first
 * middleware, `onlyActions` or `onlyCommands`, turns the payload away). With a listener per action id, a slash
 * command paid for some thirty chains it never used: measured, it halved the throughput of an acknowledgement. So
 * each kind registers one listener whose constraint matches exactly the ids of its table, and the table picks the
 * handler.
 */

/** Escapes the characters that have a meaning in a regular expression. */
function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/**
 * A regular expression that matches exactly one of `ids`, whole (anchored), and nothing else.
 * @throws Error when `ids` is empty (the pattern would match nothing, and a listener with it would be dead code)
 */
export function exactIdPattern(ids: readonly string[]): RegExp {
  if (ids.length === 0) throw new Error('exactIdPattern needs at least one id');
  return new RegExp(`^(?:${ids.map(escapeRegExp).join('|')})$`);
}

/**
 * Looks up the handler of `id` in `table`, own properties only (an id such as `constructor` or `__proto__` from a
 * forged payload finds nothing).
 */
export function handlerFor<H>(table: Readonly<Record<string, H>>, id: string | undefined): H | undefined {
  return id !== undefined && Object.hasOwn(table, id) ? table[id] : undefined;
}

/** A listener of `block_actions` for the ids it is registered under, whatever the element. */
export type ActionListener = (args: ActionArgs) => Promise<void>;

/** A listener of `view_submission` for the callback ids it is registered under. */
export type ViewListener = (args: ViewSubmissionArgs) => Promise<void>;

/** What a feature registers for one `/org` subcommand. */
export interface SubcommandEntry {
  /** Runs the subcommand for any caller. */
  handler: SubcommandHandler;
  /**
   * Answers a linked member from the team directory with no SQL (read-only subcommands); anyone the directory does
   * not know takes {@link handler}.
   */
  fromDirectory?: DirectoryHandler;
  /** The subcommand's lines in `/org help` (several when it has several forms; none to stay unlisted). */
  help: readonly CommandHelp[];
}

/** Subcommand names the `/org` router answers itself (help), which no feature may take. */
export const ROUTER_SUBCOMMANDS: readonly string[] = ['', 'help'];

/**
 * The dispatch tables every feature adds its entries to (`register(tables)` in `src/slack/<feature>/register.ts`),
 * then installed behind one Bolt listener per payload kind (src/slack/register.ts): `/org` subcommands with their
 * help lines, action ids, modal callback ids, and Events API events. An id may be registered once: a second
 * registration, by the same feature or another, throws at start-up with both features named.
 */
export class ListenerTables {
  /** `/org` subcommand → handler. */
  readonly subcommands: Record<string, SubcommandHandler> = {};
  /** `/org` subcommand → its team-directory handler (see {@link SubcommandEntry.fromDirectory}). */
  readonly directoryHandlers: Record<string, DirectoryHandler> = {};
  /** Help lines with the subcommand they belong to, in registration order. */
  readonly help: { subcommand: string; line: CommandHelp }[] = [];
  /** `action_id` → listener. */
  readonly actions: Record<string, ActionListener> = {};
  /** Modal `callback_id` → view_submission listener. */
  readonly views: Record<string, ViewListener> = {};
  /** Events API event name → what installs its one `app.event` listener. */
  private readonly events = new Map<string, (app: App<OrgContext>) => void>();
  /** Which feature registered each id, by kind, for the duplicate message. */
  private readonly owners = new Map<string, string>();
  private feature = '(none)';

  /**
   * Runs a feature's `register` against these tables, recording the feature's name as the owner of what it adds.
   * @throws Error when it registers an id already registered (see {@link ListenerTables})
   */
  addFeature(name: string, register: (tables: ListenerTables) => void): void {
    this.feature = name;
    try {
      register(this);
    } finally {
      this.feature = '(none)';
    }
  }

  /**
   * Registers `/org <name>`.
   * @throws Error for a name registered already or answered by the router (`help`), or one that is not a lower-case
   *   word (the router looks the first word up as typed, lower-cased)
   */
  subcommand(name: string, entry: SubcommandEntry): void {
    if (!/^[a-z][a-z0-9-]*$/.test(name) || ROUTER_SUBCOMMANDS.includes(name)) {
      throw new Error(`/org ${name}: not a subcommand name a feature may register (${this.feature})`);
    }
    this.claim('/org subcommand', name);
    put(this.subcommands, name, entry.handler);
    if (entry.fromDirectory) put(this.directoryHandlers, name, entry.fromDirectory);
    for (const line of entry.help) this.help.push({ subcommand: name, line });
  }

  /**
   * Registers the listener of a button's `action_id`.
   * @throws Error when the id is registered already
   */
  button(actionId: string, listener: (args: ButtonArgs) => Promise<void>): void {
    // The action_id says the element is a button.
    this.action(actionId, (args) => listener(args as ButtonArgs));
  }

  /**
   * Registers the listener of a static select's `action_id`.
   * @throws Error when the id is registered already
   */
  staticSelect(actionId: string, listener: (args: StaticSelectArgs) => Promise<void>): void {
    this.action(actionId, (args) => listener(args as StaticSelectArgs));
  }

  /**
   * Registers the `view_submission` listener of a modal's `callback_id`.
   * @throws Error when the id is registered already
   */
  view(callbackId: string, listener: ViewListener): void {
    this.claim('view callback_id', callbackId);
    put(this.views, callbackId, listener);
  }

  /**
   * Registers the listener of an Events API event (docs.slack.dev/reference/events): one `app.event` per name.
   * @throws Error when the event has a listener already
   */
  event<E extends string>(
    name: E,
    listener: (args: SlackEventMiddlewareArgs<E> & AllMiddlewareArgs<OrgContext>) => Promise<void>,
  ): void {
    this.claim('event', name);
    this.events.set(name, (app) => app.event(name, listener));
  }

  /** The `action_id`s registered, in registration order. */
  get actionIds(): string[] {
    return Object.keys(this.actions);
  }

  /** The modal `callback_id`s registered, in registration order. */
  get viewCallbackIds(): string[] {
    return Object.keys(this.views);
  }

  /** The Events API event names registered, in registration order. */
  get eventNames(): string[] {
    return [...this.events.keys()];
  }

  /** Installs one `app.event` listener per registered event. */
  installEvents(app: App<OrgContext>): void {
    for (const install of this.events.values()) install(app);
  }

  private action(actionId: string, listener: ActionListener): void {
    this.claim('action_id', actionId);
    put(this.actions, actionId, listener);
  }

  /** Records the current feature as the owner of `id` of `kind`; throws when it has one. */
  private claim(kind: string, id: string): void {
    const key = `${kind} ${id}`;
    const owner = this.owners.get(key);
    if (owner !== undefined) {
      throw new Error(`${kind} "${id}" is registered twice: by ${owner} and by ${this.feature}`);
    }
    this.owners.set(key, this.feature);
  }
}

/** Sets an own, enumerable property (never the prototype, even for an id such as `__proto__`). */
function put<H>(table: Record<string, H>, id: string, value: H): void {
  Object.defineProperty(table, id, { value, enumerable: true, writable: false, configurable: false });
}
