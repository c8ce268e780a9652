import { describe, expect, it } from 'vitest';
import { inertApp, recordRegistrations } from '../../manifest/scan.js';
import type { OrgContext } from '../../src/slack/context.js';
import {
  ACTION_IDS,
  ACTION_LISTENERS,
  assembleTables,
  COMMANDS,
  EVENT_NAMES,
  FEATURES,
  orgCommandTable,
  registerListeners,
  SUBCOMMANDS,
  VIEW_CALLBACK_IDS,
} from '../../src/slack/register.js';
import { exactIdPattern, handlerFor } from '../../src/slack/shared/dispatch.js';

describe('exactIdPattern', () => {
  it('matches each id whole and nothing else', () => {
    const pattern = exactIdPattern(['members_page_next', 'member_role', 'a.b+c']);
    for (const id of ['members_page_next', 'member_role', 'a.b+c']) expect(pattern.test(id)).toBe(true);
    for (const id of [
      'members_page_nextx',
      'xmember_role',
      'member',
      'aXb+c',
      'a.bbc',
      '',
      'member_role\n',
    ]) {
      expect(pattern.test(id)).toBe(false);
    }
  });

  it('refuses an empty list', () => {
    expect(() => exactIdPattern([])).toThrow(/at least one id/);
  });

  it('covers every action id and modal callback id the app lists', () => {
    const actions = exactIdPattern(ACTION_IDS);
    expect(ACTION_IDS.length).toBeGreaterThan(20);
    for (const id of ACTION_IDS) expect(actions.test(id)).toBe(true);
    const views = exactIdPattern(VIEW_CALLBACK_IDS);
    for (const id of VIEW_CALLBACK_IDS) expect(views.test(id)).toBe(true);
  });
});

describe('handlerFor', () => {
  const table = { members: 'members handler', help: 'help handler' };

  it('finds own entries', () => {
    expect(handlerFor(table, 'members')).toBe('members handler');
  });

  it('finds nothing for an unknown id, a missing id, or a name Object.prototype has', () => {
    for (const id of ['nope', undefined, 'constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      expect(handlerFor(table, id)).toBeUndefined();
    }
    expect(handlerFor(ACTION_LISTENERS, 'constructor')).toBeUndefined();
  });
});

describe('the dispatch tables assembled from the features', () => {
  const noop = async () => undefined;
  const help = [] as const;

  it('throw at start-up when two features register the same action id, naming both', () => {
    expect(() =>
      assembleTables({
        first: (t) => t.button('shared_button', noop),
        second: (t) => t.button('shared_button', noop),
      }),
    ).toThrow('action_id "shared_button" is registered twice: by first and by second');
  });

  it('throw on a duplicate subcommand, modal callback id or event, and on one feature registering an id twice', () => {
    expect(() =>
      assembleTables({
        a: (t) => t.subcommand('members', { handler: noop, help }),
        b: (t) => t.subcommand('members', { handler: noop, help }),
      }),
    ).toThrow('/org subcommand "members" is registered twice: by a and by b');
    expect(() =>
      assembleTables({ a: (t) => t.view('modal', noop), b: (t) => t.view('modal', noop) }),
    ).toThrow('view callback_id "modal" is registered twice: by a and by b');
    expect(() =>
      assembleTables({ a: (t) => t.event('user_change', noop), b: (t) => t.event('user_change', noop) }),
    ).toThrow('event "user_change" is registered twice: by a and by b');
    expect(() =>
      assembleTables({
        a: (t) => {
          t.staticSelect('x', noop);
          t.button('x', noop);
        },
      }),
    ).toThrow('action_id "x" is registered twice: by a and by a');
  });

  it("throw when a feature's registration repeats one of the build's own ids", () => {
    expect(() => assembleTables({ ...FEATURES, copy: FEATURES.members ?? (() => undefined) })).toThrow(
      /registered twice: by members and by copy/,
    );
  });

  it('keep /org and /org help for the router', () => {
    for (const name of ['help', '']) {
      expect(() => assembleTables({ a: (t) => t.subcommand(name, { handler: noop, help }) })).toThrow(
        /not a subcommand name a feature may register/,
      );
    }
  });

  it('keep a forged id such as __proto__ an own entry, never the prototype', () => {
    const tables = assembleTables({ a: (t) => t.button('__proto__', noop) });
    expect(Object.getPrototypeOf(tables.actions)).toBe(Object.prototype);
    expect(handlerFor(tables.actions, '__proto__')).toBeTypeOf('function');
    expect(handlerFor(tables.actions, 'constructor')).toBeUndefined();
  });

  it('list help and "did you mean" in the help order, whichever feature registers a subcommand', () => {
    expect(COMMANDS.map((c) => c.usage)).toEqual([
      '/org help',
      '/org setup [name]',
      '/org overview',
      '/org whoami',
      '/org members [page]',
      '/org rename [name]',
      '/org leave',
      '/org role <@user or email> <admin|member>',
      '/org remove <@user or email>',
      '/org audit [page]',
      '/org audit export [days]',
      '/org invite [email or @user] [admin|member] [note or reason]',
      '/org invites',
      '/org approvals [#channel|dm]',
      '/org clients [page]',
      '/org clients create [name] [--scopes a,b]',
      '/org clients <enable|disable|rotate|delete> <client id>',
      '/org recover',
      '/org nudges [mute|unmute <kind>]',
    ]);
    expect(SUBCOMMANDS).toEqual([
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
    ]);
    const table = orgCommandTable(
      assembleTables({ late: (t) => t.subcommand('zeta', { handler: noop, help: [] }), ...FEATURES }),
    );
    expect(table.names.at(-1)).toBe('zeta');
  });

  it('install one Bolt listener per payload kind: one /org command, one action, one view, one per event', () => {
    const kinds = recordRegistrations(registerListeners, inertApp<OrgContext>()).map((r) => r.kind);
    expect(kinds.filter((k) => k === 'command')).toHaveLength(1);
    expect(kinds.filter((k) => k === 'action')).toHaveLength(1);
    expect(kinds.filter((k) => k === 'view')).toHaveLength(1);
    expect(kinds.filter((k) => k === 'event')).toHaveLength(EVENT_NAMES.length);
    expect([...EVENT_NAMES].sort()).toEqual([
      'app_home_opened',
      'app_uninstalled',
      'message',
      'tokens_revoked',
      'user_change',
    ]);
  });
});
