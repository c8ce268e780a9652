import { z } from 'zod';
import { InvalidInputError } from './errors.js';

/** Longest organization display name, in characters (code points). */
export const MAX_ORGANIZATION_NAME_LENGTH = 80;

// Control characters (C0 including tab and newline, DEL, C1) and the line/paragraph separators.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/u;

/**
 * An organization display name: trimmed, 1–80 characters, no control characters (a newline inside counts),
 * at least one letter or digit; runs of spaces fold to one.
 */
export const OrganizationName = z
  .string()
  .transform((s) => s.normalize('NFC').trim())
  .pipe(
    z
      .string()
      .min(1, 'The name must not be empty.')
      .refine(
        (s) => !CONTROL.test(s),
        'The name must not contain control characters such as line breaks or tabs.',
      )
      .transform((s) => s.replace(/ {2,}/g, ' '))
      .refine(
        (s) => [...s].length <= MAX_ORGANIZATION_NAME_LENGTH,
        `The name must be at most ${MAX_ORGANIZATION_NAME_LENGTH} characters.`,
      )
      .refine((s) => /[\p{L}\p{N}]/u.test(s), 'The name must contain at least one letter or digit.'),
  );

/**
 * Validates user input with a zod schema.
 * @param field the input's name, carried by the error so a modal can show it under that field
 * @throws InvalidInputError with the schema's first message
 */
export function parseInput<T>(schema: z.ZodType<T, unknown>, value: unknown, field: string): T {
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new InvalidInputError(result.error.issues[0]?.message ?? 'Invalid input.', field);
  }
  return result.data;
}
