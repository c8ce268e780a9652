import { describe, expect, it } from 'vitest';
import { encodeSlashText, parseConsoleLine, type SlashDirectory } from '../../src/console/commands.js';
import { draftFor, findInput, isEmptyInput, stateValueOf } from '../../src/console/modal.js';
import { RENAME_VIEW, renameModal } from '../../src/slack/organization/rename.blocks.js';
import { parseCommand } from '../../src/slack/shared/text.js';
import type { JsonObject } from '../../src/standin/types.js';

const directory: SlashDirectory = {
  userId: (name) => ({ ada: 'U0ADA', bob: 'U0BOB' })[name],
  channelId: (name) => ({ general: 'C0GENERAL' })[name],
};

describe('console lines', () => {
  it('reads slash commands, keeping the text as typed', () => {
    expect(parseConsoleLine('/org setup  Demo Labs ')).toEqual({
      kind: 'slash',
      command: '/org',
      text: 'setup  Demo Labs',
    });
    expect(parseConsoleLine('/ORG')).toEqual({ kind: 'slash', command: '/org', text: '' });
  });

  it('reads the console’s own commands', () => {
    expect(parseConsoleLine('as @bob')).toEqual({ kind: 'as', user: 'bob' });
    expect(parseConsoleLine('/as bob')).toEqual({ kind: 'as', user: 'bob' });
    expect(parseConsoleLine('click 12')).toEqual({ kind: 'click', number: 12 });
    expect(parseConsoleLine('fill name Demo  Labs')).toEqual({
      kind: 'fill',
      field: 'name',
      value: 'Demo  Labs',
    });
    expect(parseConsoleLine('fill name')).toEqual({ kind: 'fill', field: 'name', value: '' });
    expect(parseConsoleLine('channel #general')).toEqual({ kind: 'channel', channel: '#general' });
    for (const word of ['users', 'submit', 'cancel', 'modal', 'home', 'help'] as const) {
      expect(parseConsoleLine(` ${word} `)).toEqual({ kind: word });
    }
    expect(parseConsoleLine('exit')).toEqual({ kind: 'quit' });
    expect(parseConsoleLine('quit')).toEqual({ kind: 'quit' });
    expect(parseConsoleLine('')).toEqual({ kind: 'empty' });
    expect(parseConsoleLine('# a comment in a script')).toEqual({ kind: 'empty' });
  });

  it('answers bad input with a specific message', () => {
    const message = (line: string) => {
      const parsed = parseConsoleLine(line);
      return parsed.kind === 'invalid' ? parsed.message : `not invalid: ${parsed.kind}`;
    };
    expect(message('click')).toMatch(/^Usage: click <n>/);
    expect(message('click 0')).toMatch(/^Usage: click <n>/);
    expect(message('click two')).toMatch(/^Usage: click <n>/);
    expect(message('as')).toMatch(/^Usage: as <user>/);
    expect(message('as bob cleo')).toMatch(/^Usage: as <user>/);
    expect(message('fill')).toMatch(/^Usage: fill/);
    expect(message('users now')).toBe('users takes no arguments.');
    expect(message('/deploy prod')).toMatch(/^\/deploy is not a slash command of this workspace/);
    expect(message('hello there')).toBe(
      'Unknown input "hello there". Type help for the console commands, or /org help for the app\'s.',
    );
    // A credential typed by mistake is not echoed back, not even in part.
    const pasted = message('here is abo_cs_s6rehfguVMVx0XpQ7TtY2kN9wLmZ4aBc');
    expect(pasted).not.toContain('abo_cs_s6re');
    expect(pasted).toContain('[Redacted]');
  });
});

describe('slash text as Slack sends it (should_escape: true)', () => {
  it('escapes &, <, > and links known users, channels, emails and URLs', () => {
    expect(encodeSlashText('role @bob admin', directory)).toBe('role <@U0BOB|bob> admin');
    expect(encodeSlashText('invite carol@example.com, @nobody #general #nowhere', directory)).toBe(
      'invite <mailto:carol@example.com|carol@example.com>, @nobody <#C0GENERAL|general> #nowhere',
    );
    expect(encodeSlashText('ask @bob, then @ada.', directory)).toBe('ask <@U0BOB|bob>, then <@U0ADA|ada>.');
    expect(encodeSlashText('rename A & B <C>  https://example.com/a?b=1&c', directory)).toBe(
      'rename A &amp; B &lt;C&gt;  <https://example.com/a?b=1&amp;c>',
    );
  });

  it('round-trips through the app’s own decoder', () => {
    const parsed = parseCommand(encodeSlashText('role @bob a&b carol@example.com', directory));
    expect(parsed.subcommand).toBe('role');
    expect(parsed.args).toEqual([
      { kind: 'user', id: 'U0BOB', label: 'bob' },
      { kind: 'word', text: 'a&b' },
      { kind: 'email', email: 'carol@example.com' },
    ]);
  });
});

describe('filling a modal', () => {
  const view: JsonObject = JSON.parse(JSON.stringify(renameModal('Demo', '{}')));
  const select = {
    number: 2,
    blockId: 'role',
    actionId: 'pick',
    label: 'Role',
    optional: false,
    element: {
      type: 'static_select',
      action_id: 'pick',
      options: [
        { text: { type: 'plain_text', text: 'Admin' }, value: 'admin' },
        { text: { type: 'plain_text', text: 'Member' }, value: 'member' },
      ],
    },
  };

  it('finds an input by block id, action id, label or number', () => {
    for (const field of [RENAME_VIEW.blockId, RENAME_VIEW.actionId, 'display NAME', '1']) {
      expect(findInput(view, field)?.blockId).toBe(RENAME_VIEW.blockId);
    }
    expect(findInput(view, 'nope')).toBeUndefined();
    expect(findInput(view, '2')).toBeUndefined();
  });

  it('takes text as typed, refuses more than max_length as Slack’s client does, and empties on no text', () => {
    const input = findInput(view, 'name');
    if (!input) throw new Error('no name input');
    expect(draftFor(input, 'Demo Labs', directory)).toEqual({ draft: { kind: 'text', value: 'Demo Labs' } });
    expect(draftFor(input, 'x'.repeat(81), directory)).toEqual({
      error: '"Display name" takes at most 80 characters (Slack\'s client stops you there).',
    });
    const emptied = draftFor(input, '', directory);
    expect(emptied).toEqual({ draft: { kind: 'text', value: '' } });
    if ('draft' in emptied) {
      expect(isEmptyInput(input, emptied.draft)).toBe(true);
      expect(stateValueOf(input, emptied.draft, directory)).toEqual({
        type: 'plain_text_input',
        value: null,
      });
    }
    expect(isEmptyInput(input, undefined)).toBe(false);
  });

  it('chooses an option by label, value or number and submits the option object', () => {
    for (const typed of ['member', 'MEMBER', '2']) {
      const result = draftFor(select, typed, directory);
      expect(result).toEqual({ draft: { kind: 'options', values: ['Member'] } });
      if ('draft' in result) {
        expect(stateValueOf(select, result.draft, directory)).toEqual({
          type: 'static_select',
          selected_option: { text: { type: 'plain_text', text: 'Member' }, value: 'member' },
        });
      }
    }
    expect(draftFor(select, 'owner', directory)).toEqual({
      error: '"owner" is not a choice of "Role". Choices: Admin, Member.',
    });
    expect(isEmptyInput(select, undefined)).toBe(true);
  });

  it('takes user pickers by name and refuses unknown users', () => {
    const picker = { ...select, element: { type: 'users_select', action_id: 'who' } };
    const result = draftFor(picker, '@bob', directory);
    expect(result).toEqual({ draft: { kind: 'options', values: ['bob'] } });
    if ('draft' in result) {
      expect(stateValueOf(picker, result.draft, directory)).toEqual({
        type: 'users_select',
        selected_user: 'U0BOB',
      });
    }
    expect(draftFor(picker, 'zed', directory)).toEqual({ error: 'No user named "zed" (see `users`).' });
  });
});
