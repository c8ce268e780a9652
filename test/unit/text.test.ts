import { describe, expect, it } from 'vitest';
import {
  decodeEntities,
  escapeMrkdwn,
  normalizeTypography,
  parseCommand,
  tokenize,
} from '../../src/slack/text.js';

describe('Slack text decoding', () => {
  it('reads user mentions with and without a label', () => {
    expect(tokenize('<@U012ABC> <@W0XYZ|ada.lovelace>')).toEqual([
      { kind: 'user', id: 'U012ABC' },
      { kind: 'user', id: 'W0XYZ', label: 'ada.lovelace' },
    ]);
  });

  it('reads mailto links as lower-cased emails', () => {
    expect(tokenize('<mailto:Ada.Lovelace@Example.com|Ada.Lovelace@Example.com> admin')).toEqual([
      { kind: 'email', email: 'ada.lovelace@example.com' },
      { kind: 'word', text: 'admin' },
    ]);
  });

  it('reads channel references', () => {
    expect(tokenize('<#C0APPROVE|approvals>')).toEqual([
      { kind: 'channel', id: 'C0APPROVE', label: 'approvals' },
    ]);
  });

  it('decodes the three entities once, leaving a literal entity typed by the user intact', () => {
    expect(decodeEntities('Fish &amp; Chips &lt;3 &gt;')).toBe('Fish & Chips <3 >');
    expect(decodeEntities('&amp;lt;')).toBe('&lt;');
  });

  it('does not mistake an escaped angle bracket typed by the user for a mention', () => {
    expect(tokenize('&lt;@U123&gt;')).toEqual([{ kind: 'word', text: '<@U123>' }]);
  });

  it('turns every kind of Unicode space into a plain space and drops zero-width characters', () => {
    expect(normalizeTypography('a\u00a0b\u2003c\u202fd\u3000e\u200bf')).toBe('a b c d ef');
    expect(parseCommand('rename\u00a0Acme\u2009Labs')).toEqual({
      subcommand: 'rename',
      args: [
        { kind: 'word', text: 'Acme' },
        { kind: 'word', text: 'Labs' },
      ],
      rest: 'Acme Labs',
    });
  });

  it('treats curly quotes as straight quotes and keeps a quoted phrase together', () => {
    expect(tokenize('\u201cAcme Labs\u201d member')).toEqual([
      { kind: 'word', text: 'Acme Labs' },
      { kind: 'word', text: 'member' },
    ]);
    expect(parseCommand('rename \u201cAcme & Co\u201d').rest).toBe('Acme & Co');
  });

  it('lower-cases the subcommand and keeps the rest as typed', () => {
    const parsed = parseCommand('  RENAME   Orbit &amp; Co  ');
    expect(parsed.subcommand).toBe('rename');
    expect(parsed.rest).toBe('Orbit & Co');
  });

  it('parses empty text as no subcommand', () => {
    expect(parseCommand('   ')).toEqual({ subcommand: '', args: [], rest: '' });
  });

  it('escapes mrkdwn control characters for display', () => {
    expect(escapeMrkdwn('<@U1> & <!channel>')).toBe('&lt;@U1&gt; &amp; &lt;!channel&gt;');
  });
});
