import { describe, expect, it } from 'vitest';
import {
  decodeEntities,
  escapeMrkdwn,
  normalizeTypography,
  parseCommand,
  sanitizeMrkdwn,
  tokenize,
} from '../../src/slack/shared/text.js';

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

describe('sanitizeMrkdwn', () => {
  it('escapes placeholders and markup that are not Slack references', () => {
    expect(sanitizeMrkdwn('`/org role <@user or email> <admin|member>`')).toBe(
      '`/org role &lt;@user or email&gt; &lt;admin|member&gt;`',
    );
    expect(sanitizeMrkdwn('<script>alert(1)</script>')).toBe('&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  it('keeps real references, and text already escaped', () => {
    const text =
      'Hi <@U0ADA>, see <https://example.com/docs|the docs> on <!date^1700000000^{date}|a date> in <#C0GEN>';
    expect(sanitizeMrkdwn(text)).toBe(text);
    expect(sanitizeMrkdwn('Fish &amp; Chips &lt;3')).toBe('Fish &amp; Chips &lt;3');
  });

  it('escapes a stray ampersand or bracket', () => {
    expect(sanitizeMrkdwn('R&D > Sales < Ops')).toBe('R&amp;D &gt; Sales &lt; Ops');
  });

  it('with a narrow allow list, turns @channel and links from stored data into plain text', () => {
    expect(
      sanitizeMrkdwn('Welcome to <!channel> & <https://evil.example.com|Orbit>, <@U0ADA>', ['user', 'date']),
    ).toBe('Welcome to &lt;!channel&gt; &amp; &lt;https://evil.example.com|Orbit&gt;, <@U0ADA>');
  });
});

describe('zero-width characters in command text', () => {
  it('drops zero-width spaces but keeps the joiner inside emoji sequences', () => {
    expect(normalizeTypography('a\u200bb👩\u200d💻')).toBe('ab👩\u200d💻');
  });
});
