/**
 * The one text-cutting helper (issue 9 §4): property-style checks over seeded random strings built from hard
 * cases — ZWJ family emoji, flags, skin tones, combining marks, Hangul jamo, CJK, CRLF, ASCII — for every limit:
 * the result fits, is a prefix of whole grapheme clusters of the input (plus the ellipsis when cut), and is
 * well-formed UTF-16 (no lone surrogate).
 */
import { describe, expect, it } from 'vitest';
import {
  ELLIPSIS,
  graphemeCount,
  graphemes,
  prefixWithin,
  truncateGraphemes,
  truncateText,
} from '../../src/domain/graphemes.js';

/** A surrogate code unit not paired (with the u flag, a pair is one code point and does not match). */
const LONE_SURROGATE = /\p{Cs}/u;
const FAMILY = '👩‍👩‍👧‍👦';
const PIECES = [
  FAMILY,
  '🇩🇪',
  '👍🏽',
  'é', // e + combining acute
  'Z̤͔ͧ̑',
  '한',
  '각', // Hangul jamo sequence
  '語',
  '\r\n',
  'a',
  ' ',
  '<',
  '&',
  '🏳️‍🌈',
];

/** A deterministic generator (mulberry32), so a failure names a reproducible case. */
function rng(seed: number): () => number {
  let t = seed >>> 0;
  return () => {
    t = (t + 0x6d2b79f5) >>> 0;
    let r = Math.imul(t ^ (t >>> 15), 1 | t);
    r ^= r + Math.imul(r ^ (r >>> 7), 61 | r);
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
}

function sample(random: () => number): string {
  const n = Math.floor(random() * 40);
  let s = '';
  for (let i = 0; i < n; i += 1) s += PIECES[Math.floor(random() * PIECES.length)];
  return s;
}

/** True when `cut` is made of the first clusters of `text`, whole. */
function isClusterPrefix(cut: string, text: string): boolean {
  const parts = graphemes(text);
  const mine = graphemes(cut);
  return mine.length <= parts.length && mine.every((p, i) => p === parts[i]);
}

describe('grapheme-safe cutting', () => {
  it('truncateText: fits in the limit, cuts between clusters, never leaves a lone surrogate (2,000 cases)', () => {
    const random = rng(9);
    for (let i = 0; i < 2000; i += 1) {
      const text = sample(random);
      const max = 1 + Math.floor(random() * 60);
      const out = truncateText(text, max);
      const label = JSON.stringify({ text, max });
      expect(out.length, label).toBeLessThanOrEqual(max);
      expect(LONE_SURROGATE.test(out), label).toBe(false);
      if (text.length <= max) {
        expect(out, label).toBe(text);
      } else {
        expect(out.endsWith(ELLIPSIS), label).toBe(true);
        expect(isClusterPrefix(out.slice(0, -ELLIPSIS.length), text), label).toBe(true);
      }
    }
  });

  it('prefixWithin and truncateGraphemes keep whole clusters and their limits (2,000 cases)', () => {
    const random = rng(4);
    for (let i = 0; i < 2000; i += 1) {
      const text = sample(random);
      const max = 1 + Math.floor(random() * 30);
      const label = JSON.stringify({ text, max });
      const prefix = prefixWithin(text, max);
      expect(prefix.length, label).toBeLessThanOrEqual(max);
      expect(isClusterPrefix(prefix, text), label).toBe(true);
      // The longest such prefix: one more cluster would not fit.
      const next = graphemes(text)[graphemes(prefix).length];
      if (next !== undefined) expect(prefix.length + next.length, label).toBeGreaterThan(max);

      const short = truncateGraphemes(text, max);
      expect(graphemeCount(short), label).toBeLessThanOrEqual(max);
      expect(LONE_SURROGATE.test(short), label).toBe(false);
      if (graphemeCount(text) <= max) expect(short, label).toBe(text);
      else expect(isClusterPrefix(short.slice(0, -ELLIPSIS.length), text), label).toBe(true);
    }
  });

  it('a run of family emoji is cut after a whole family', () => {
    const text = FAMILY.repeat(10);
    expect(truncateGraphemes(text, 4)).toBe(`${FAMILY.repeat(3)}${ELLIPSIS}`);
    expect(truncateText(text, 20)).toBe(`${FAMILY}${ELLIPSIS}`);
    expect(prefixWithin(text, FAMILY.length - 1)).toBe('');
  });
});
