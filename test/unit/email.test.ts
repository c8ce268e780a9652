/**
 * Email addresses with internationalised domains (issue 9 §4b): the ASCII form stored and sent, the Unicode form
 * shown, and what stays refused.
 */
import { describe, expect, it } from 'vitest';
import { displayEmail, EmailAddress, normalizeEmail, toAsciiEmail } from '../../src/domain/email.js';

describe('toAsciiEmail', () => {
  it.each([
    ['info@räucher.de', 'info@xn--rucher-bua.de'],
    ['  INFO@RÄUCHER.DE ', 'info@xn--rucher-bua.de'],
    ['info@xn--rucher-bua.de', 'info@xn--rucher-bua.de'],
    ['kontakt@пример.рф', 'kontakt@xn--e1afmkfd.xn--p1ai'],
    ['ana@example.com', 'ana@example.com'],
    ["o'neil+tag@mail.example.co.uk", "o'neil+tag@mail.example.co.uk"],
  ])('%s → %s', (input, ascii) => {
    expect(toAsciiEmail(input)).toBe(ascii);
  });

  it.each([
    'jürgen@example.com', // non-ASCII local part (needs SMTPUTF8)
    '"quoted"@example.com',
    'a@localhost',
    'a@[192.0.2.1]',
    'a@exa_mple.com',
    'a..b@example.com',
    '.a@example.com',
    'a.@example.com',
    'a@-bad.de',
    'a@bad-.de',
    'a@example.c0m',
    'a@example',
    '@example.com',
    'a@',
    `${'a'.repeat(65)}@example.com`,
    `a@${'b'.repeat(64)}.com`,
    `${'a'.repeat(60)}@${'b.'.repeat(100)}com`,
  ])('refuses %s', (input) => {
    expect(toAsciiEmail(input)).toBeNull();
  });
});

describe('the forms of one address', () => {
  it('shows the Unicode form and compares in ASCII form', () => {
    expect(displayEmail('info@xn--rucher-bua.de')).toBe('info@räucher.de');
    expect(displayEmail('ana@example.com')).toBe('ana@example.com');
    expect(normalizeEmail('Info@Räucher.de')).toBe(normalizeEmail('info@xn--rucher-bua.de'));
    // Something invalid is left as typed (lower-cased), so a lookup simply finds nothing.
    expect(normalizeEmail(' Not An Address ')).toBe('not an address');
  });

  it('round-trips: the display form of an accepted address maps back to the same ASCII form', () => {
    for (const input of ['info@räucher.de', 'kontakt@пример.рф', 'x@bücher.example', 'y@例え.テスト']) {
      const ascii = toAsciiEmail(input);
      expect(ascii, input).not.toBeNull();
      expect(toAsciiEmail(displayEmail(ascii ?? '')), input).toBe(ascii);
    }
  });

  it('the zod schema outputs the ASCII form and words its refusals', () => {
    expect(EmailAddress.parse('info@räucher.de')).toBe('info@xn--rucher-bua.de');
    const bad = EmailAddress.safeParse('jürgen@example.com');
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.message).toContain('not a valid email address');
    const long = EmailAddress.safeParse(`${'a'.repeat(250)}@example.com`);
    expect(long.error?.issues[0]?.message).toBe('The email address is too long.');
  });
});
