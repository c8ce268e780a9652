/**
 * Wires the Slack side: every feature (`src/slack/<feature>/register.ts`) adds its `/org` subcommands, action ids,
 * modal callback ids and events to one set of dispatch tables, and {@link registerListeners} installs ONE Bolt
 * listener per payload kind in front of them (one `app.command('/org')`, one `app.action`, one `app.view`, one
 * `app.event` per event name): Bolt runs every registered listener's middleware for every payload, which was
 * measured to halve the throughput with a listener per id (see shared/dispatch.ts). The id lists below are read by
 * the edge (which payloads are ours), the manifest check and the tests.
 */
import type { App, BlockAction, ViewSubmitAction } from '@slack/bolt';
import * as clients from './clients/register.js';
import type { OrgContext } from './context.js';
import * as home from './home/register.js';
import * as installations from './installations/register.js';
import * as invitations from './invitations/register.js';
import * as leaks from './leaks/register.js';
import * as members from './members/register.js';
import * as nudgeMessages from './nudges/messages.register.js';
import * as organization from './organization/register.js';
import { exactIdPattern, handlerFor, ListenerTables } from './shared/dispatch.js';
import { HELP_COMMAND } from './shared/help.blocks.js';
import { type OrgCommandTable, orgCommand } from './shared/org-command.js';

/** A feature's registration: adds its entries to the tables. */
export type FeatureRegister = (tables: ListenerTables) => void;

/** Every feature of the Slack side, by name (the name shows in a duplicate-id error). */
export const FEATURES: Readonly<Record<string, FeatureRegister>> = {
  organization: organization.register,
  members: members.register,
  invitations: invitations.register,
  clients: clients.register,
  home: home.register,
  installations: installations.register,
  leaks: leaks.register,
  nudgeMessages: nudgeMessages.register,
};

/**
 * The order `/org help` lists the subcommands in, and "did you mean" tries them (the first of equally close names
 * wins). A subcommand not named here follows these, in the order the features register it.
 */
const HELP_ORDER: readonly string[] = [
  'help',
  'setup',
  'overview',
  'whoami',
  'members',
  'rename',
  'leave',
  'role',
  'remove',
  'audit',
  'invite',
  'invites',
  'approvals',
  'clients',
  'recover',
  'nudges',
];

/**
 * Builds the dispatch tables from `features`.
 * @throws Error when two registrations claim the same subcommand, action id, callback id or event (naming both
 *   features), or a feature claims a subcommand the router answers (`help`)
 */
export function assembleTables(
  features: Readonly<Record<string, FeatureRegister>> = FEATURES,
): ListenerTables {
  const tables = new ListenerTables();
  for (const [name, register] of Object.entries(features)) tables.addFeature(name, register);
  return tables;
}

/** Where `name` goes in {@link HELP_ORDER}; names it does not list go after (a stable sort keeps their order). */
function helpRank(name: string): number {
  const at = HELP_ORDER.indexOf(name);
  return at === -1 ? HELP_ORDER.length : at;
}

/** The `/org` router's table from the assembled tables: help lines and names in {@link HELP_ORDER}. */
export function orgCommandTable(tables: ListenerTables): OrgCommandTable {
  const help = [{ subcommand: 'help', line: HELP_COMMAND }, ...tables.help].sort(
    (a, b) => helpRank(a.subcommand) - helpRank(b.subcommand),
  );
  const names = ['help', ...Object.keys(tables.subcommands)].sort((a, b) => helpRank(a) - helpRank(b));
  return {
    subcommands: tables.subcommands,
    directoryHandlers: tables.directoryHandlers,
    commands: help.map((h) => h.line),
    names,
  };
}

/** The tables of this build, assembled once at start-up (a duplicate id fails the start). */
const TABLES = assembleTables();
const ORG_COMMAND = orgCommandTable(TABLES);

/** The slash commands this app registers (checked against slack-manifest.yml). */
export const COMMAND_NAMES = ['/org'] as const;
/** The action ids this app handles. */
export const ACTION_IDS: readonly string[] = TABLES.actionIds;
/** The action listener of each action id (own properties only: look up with `handlerFor`). */
export const ACTION_LISTENERS = TABLES.actions;
/** The modal callback ids whose view_submission this app handles. */
export const VIEW_CALLBACK_IDS: readonly string[] = TABLES.viewCallbackIds;
/** The Events API events this app subscribes to (checked against slack-manifest.yml). */
export const EVENT_NAMES: readonly string[] = TABLES.eventNames;
/** Every `/org` help line, in the order help lists them. */
export const COMMANDS = ORG_COMMAND.commands;
/** Every `/org` subcommand name, for "did you mean". */
export const SUBCOMMANDS = ORG_COMMAND.names;

/** Installs the app's listeners: one per payload kind, each dispatching through the tables. */
export function registerListeners(app: App<OrgContext>): void {
  app.command(COMMAND_NAMES[0], orgCommand(ORG_COMMAND));
  app.action<BlockAction>({ type: 'block_actions', action_id: exactIdPattern(ACTION_IDS) }, async (args) => {
    await handlerFor(TABLES.actions, args.action.action_id)?.(args);
  });
  app.view<ViewSubmitAction>(
    { type: 'view_submission', callback_id: exactIdPattern(VIEW_CALLBACK_IDS) },
    async (args) => {
      await handlerFor(TABLES.views, args.view.callback_id)?.(args);
    },
  );
  TABLES.installEvents(app);
}
