/**
 * Shortening text without breaking characters: the one place where text is cut. A user-perceived character (an
 * extended grapheme cluster, Unicode UAX #29: a family emoji, a flag, a letter with its combining marks) is never
 * split, so a cut never leaves a lone surrogate (which would make invalid UTF-8 / JSON downstream) or half an emoji.
 * Built on `Intl.Segmenter` with grapheme granularity.
 */

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** The ellipsis that marks a cut. */
export const ELLIPSIS = '…';

/** The extended grapheme clusters of `text`, in order. */
export function graphemes(text: string): string[] {
  return Array.from(segmenter.segment(text), (s) => s.segment);
}

/** How many user-perceived characters (extended grapheme clusters) `text` has. */
export function graphemeCount(text: string): number {
  let n = 0;
  for (const _ of segmenter.segment(text)) n += 1;
  return n;
}

/**
 * The longest prefix of `text` made of whole grapheme clusters and at most `maxUnits` UTF-16 code units long (the
 * unit of JavaScript's `length` and of Slack's and most APIs' character limits). A single cluster longer than
 * `maxUnits` is left out whole.
 * @param maxUnits a non-negative integer
 */
export function prefixWithin(text: string, maxUnits: number): string {
  if (text.length <= maxUnits) return text;
  let end = 0;
  for (const { segment, index } of segmenter.segment(text)) {
    const next = index + segment.length;
    if (next > maxUnits) break;
    end = next;
  }
  return text.slice(0, end);
}

/**
 * Shortens `text` to at most `maxUnits` UTF-16 code units, cut at a grapheme boundary and ending in
 * {@link ELLIPSIS} when cut. Text that fits is returned unchanged.
 * @param maxUnits at least 1 (room for the ellipsis)
 */
export function truncateText(text: string, maxUnits: number): string {
  if (text.length <= maxUnits) return text;
  return `${prefixWithin(text, Math.max(0, maxUnits - ELLIPSIS.length))}${ELLIPSIS}`;
}

/**
 * Shortens `text` to at most `maxGraphemes` user-perceived characters, ending in {@link ELLIPSIS} (which counts as
 * one) when cut; for text quoted back to a person, where characters as seen matter more than code units.
 * @param maxGraphemes at least 1
 */
export function truncateGraphemes(text: string, maxGraphemes: number): string {
  let count = 0;
  let keep = 0;
  for (const { segment, index } of segmenter.segment(text)) {
    count += 1;
    if (count > maxGraphemes) return `${text.slice(0, keep)}${ELLIPSIS}`;
    if (count < maxGraphemes) keep = index + segment.length;
  }
  return text;
}
