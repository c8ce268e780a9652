import { z } from 'zod';
import { graphemeCount } from '../graphemes.js';
import { hasLoneSurrogate } from '../validation.js';

/** Longest reason a Member may give with a request, or an Admin with a denial, in characters. */
export const MAX_REASON_LENGTH = 500;

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const CONTROL_EXCEPT_NEWLINE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/u;

/** An optional free-text reason: trimmed; empty means none; at most 500 characters, no control characters. */
export const Reason = z
  .string()
  .transform((s) => s.trim())
  .pipe(
    z
      .string()
      .refine(
        (s) => [...s].length <= MAX_REASON_LENGTH,
        `The reason must be at most ${MAX_REASON_LENGTH} characters.`,
      )
      .refine((s) => !CONTROL_EXCEPT_NEWLINE.test(s), 'The reason must not contain control characters.')
      .refine((s) => !hasLoneSurrogate(s), 'The reason must be valid Unicode text.'),
  )
  .transform((s) => (s === '' ? null : s));

/** Longest note an Admin may add to an invitation, in user-perceived characters (grapheme clusters). */
export const MAX_NOTE_GRAPHEMES = 300;
/** Longest note in UTF-16 code units (a bound on storage whatever the characters are made of). */
export const MAX_NOTE_UNITS = 4000;

/**
 * The inviting Admin's optional note to the invitee (as Slack and GitHub invitations carry one): trimmed; empty
 * means none; at most {@link MAX_NOTE_GRAPHEMES} characters as people count them (and {@link MAX_NOTE_UNITS} code
 * units); no control characters except line breaks. Stored as typed: each surface escapes it (mrkdwn, HTML).
 */
export const Note = z
  .string()
  .transform((s) => s.trim())
  .pipe(
    z
      .string()
      .refine(
        (s) => s.length <= MAX_NOTE_UNITS && graphemeCount(s) <= MAX_NOTE_GRAPHEMES,
        `The note must be at most ${MAX_NOTE_GRAPHEMES} characters.`,
      )
      .refine((s) => !CONTROL_EXCEPT_NEWLINE.test(s), 'The note must not contain control characters.')
      .refine((s) => !hasLoneSurrogate(s), 'The note must be valid Unicode text.'),
  )
  .transform((s) => (s === '' ? null : s));
