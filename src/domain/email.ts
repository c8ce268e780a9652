/**
 * Email addresses, with internationalised domains (IDNA, RFC 5890/5891 through UTS #46 as `node:url` implements
 * it). An address is stored, compared and sent in its ASCII form (`info@xn--rucher-bua.de`) and shown in its
 * Unicode form (`info@räucher.de`), so the two spellings are one address everywhere (duplicates, lookups).
 *
 * What stays refused: a local part (before the `@`) with anything but ASCII letters, digits and `_ ' + - .` (no
 * leading, trailing or double dot) — non-ASCII local parts need SMTPUTF8 (RFC 6531) end to end, which most mail
 * servers on the way cannot promise; quoted local parts, IP-address literals (`a@[192.0.2.1]`), single-label
 * domains (`a@localhost`), labels with `_` or longer than 63 characters, a top-level domain that is neither
 * letters nor an `xn--` label, a domain IDNA cannot map (forbidden code points, bad bidi), and addresses longer
 * than 254 characters in ASCII form (RFC 5321 §4.5.3.1).
 */
import { domainToASCII, domainToUnicode } from 'node:url';
import { z } from 'zod';

/** Longest address in ASCII form (RFC 5321 §4.5.3.1: 256 octets of path, less the angle brackets). */
export const MAX_EMAIL_LENGTH = 254;

const LOCAL_PART = /^(?:[a-z0-9_'+-]+\.)*[a-z0-9_'+-]*[a-z0-9_+-]$/;
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const TOP_LABEL = /^(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$/;

/**
 * The ASCII form of an address: trimmed, lower-cased, the domain mapped to ASCII (punycode) by IDNA.
 * @returns null when it is not an address this service accepts (see the module comment for what is refused)
 */
export function toAsciiEmail(raw: string): string | null {
  const text = raw.trim().toLowerCase();
  const at = text.lastIndexOf('@');
  if (at <= 0 || at === text.length - 1) return null;
  const local = text.slice(0, at);
  if (local.length > 64 || !LOCAL_PART.test(local)) return null;
  const domain = domainToASCII(text.slice(at + 1)).toLowerCase();
  if (!domain) return null;
  const labels = domain.split('.');
  if (labels.length < 2) return null;
  if (!labels.every((l) => LABEL.test(l)) || !TOP_LABEL.test(labels[labels.length - 1] ?? '')) return null;
  const address = `${local}@${domain}`;
  return address.length <= MAX_EMAIL_LENGTH ? address : null;
}

/**
 * The form of an address for lookups and comparisons: its ASCII form when it is valid, else trimmed and
 * lower-cased as given (so a lookup of something invalid simply finds nothing).
 */
export function normalizeEmail(raw: string): string {
  return toAsciiEmail(raw) ?? raw.trim().toLowerCase();
}

/** An address as people read it: the domain in Unicode (`info@räucher.de`); the local part as stored. */
export function displayEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at < 0) return email;
  const unicode = domainToUnicode(email.slice(at + 1));
  return unicode ? `${email.slice(0, at)}@${unicode}` : email;
}

/**
 * An email address as input (zod): trimmed, lower-cased, an internationalised domain accepted and turned into its
 * ASCII form (see {@link toAsciiEmail}); the output is the ASCII form.
 */
export const EmailAddress = z
  .string()
  .transform((s) => s.trim().toLowerCase())
  .pipe(
    z
      .string()
      .min(1, 'The email address must not be empty.')
      .max(MAX_EMAIL_LENGTH, 'The email address is too long.')
      .transform((s, ctx) => {
        const ascii = toAsciiEmail(s);
        if (ascii === null) {
          ctx.addIssue({
            code: 'custom',
            message: 'That is not a valid email address, as in `ana@example.com`.',
          });
          return z.NEVER;
        }
        return ascii;
      }),
  );
