import { z } from 'zod';
import { InvalidInputError } from './errors.js';

/** Longest organization display name, in characters (code points). */
export const MAX_ORGANIZATION_NAME_LENGTH = 80;

// Control characters (C0 including tab and newline, DEL, C1) and the line/paragraph separators.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/u;
// Bidirectional marks, embeddings, overrides and isolates: they make a name display as something else.
const BIDI_CONTROL = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;
// Invisible characters dropped from names: zero-width space and non-joiner, word joiner, byte-order mark. The
// zero-width joiner stays (emoji sequences need it).
const INVISIBLE = /[\u200b\u200c\u2060\ufeff]/gu;
// A UTF-16 surrogate without its pair (not a character: it cannot be stored or shown faithfully).
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
// Control characters no keyboard types into a Slack field: C0 but tab, line feed and carriage return; DEL; C1.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const UNTYPABLE_CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/u;

// A word shaped like one of our credentials (the prefixes of src/domain/clients/credentials.ts), whatever its
// checksum: a name is shown to everyone and kept in the audit log, so it never holds one.
const CREDENTIAL_SHAPED = /abo_(?:cs|at)_[0-9A-Za-z]{20,}/;

/**
 * Whether `text` can be stored and shown as it is: no NUL or other control character that no keyboard types (tab
 * and line breaks pass: each field's own rules decide about those) and no lone UTF-16 surrogate. The Slack edge
 * refuses command text, button values and modal inputs that fail this before any listener runs.
 */
export function isStorableText(text: string): boolean {
  return !UNTYPABLE_CONTROL.test(text) && !LONE_SURROGATE.test(text);
}

/** Whether `text` holds a UTF-16 surrogate without its pair (not a character: it cannot be stored faithfully). */
export function hasLoneSurrogate(text: string): boolean {
  return LONE_SURROGATE.test(text);
}

/**
 * A one-line display name (organization, API client, data source or layer): NFC, trimmed, runs of spaces folded,
 * 1–`max` characters (code points), no control or bidirectional-override characters, no lone surrogates, no word
 * shaped like a client secret or access token, and — unless `anyText` — at least one letter or digit.
 * @param what how messages name the field ("The name", "name")
 * @param empty the message for an empty name
 */
export function displayName(options: { max: number; what: string; empty: string; anyText?: boolean }) {
  const { max, what, empty } = options;
  const rules = z
    .string()
    .min(1, empty)
    .refine((s) => !LONE_SURROGATE.test(s), `${what} must be valid Unicode text.`)
    .refine(
      (s) => !CONTROL.test(s),
      `${what} must not contain control characters such as line breaks or tabs.`,
    )
    .refine((s) => !BIDI_CONTROL.test(s), `${what} must not contain text-direction control characters.`)
    .refine(
      (s) => !CREDENTIAL_SHAPED.test(s),
      `${what} must not contain a client secret or an access token (\`abo_cs_…\`, \`abo_at_…\`): names are shown to everyone and kept in the audit log. If it was a real one, rotate it.`,
    )
    .transform((s) => s.replace(/ {2,}/g, ' '))
    .refine((s) => [...s].length <= max, `${what} must be at most ${max} characters.`);
  return z
    .string({ error: `${what} must be a string.` })
    .transform((s) => (LONE_SURROGATE.test(s) ? s : s.normalize('NFC')).replace(INVISIBLE, '').trim())
    .pipe(
      options.anyText
        ? rules
        : rules.refine((s) => /[\p{L}\p{N}]/u.test(s), `${what} must contain at least one letter or digit.`),
    );
}

/** An organization display name (see {@link displayName}), at most 80 characters. */
export const OrganizationName = displayName({
  max: MAX_ORGANIZATION_NAME_LENGTH,
  what: 'The name',
  empty: 'The name must not be empty.',
});

/**
 * Validates user input with a zod schema.
 * @param field the input's name, carried by the error so a modal can show it under that field
 * @throws InvalidInputError with the schema's first message
 */
export function parseInput<T>(schema: z.ZodType<T, unknown>, value: unknown, field: string): T {
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new InvalidInputError(
      'invalid_value',
      { problem: result.error.issues[0]?.message ?? 'Invalid input.' },
      field,
    );
  }
  return result.data;
}
