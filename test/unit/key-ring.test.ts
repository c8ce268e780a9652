import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KeyRing, KeyRingError } from '../../src/lib/key-ring.js';

const OLD = 'old-installation-key-0123456789-abcdefgh';
const NEW = 'new-installation-key-0123456789-abcdefgh';

describe('KeyRing', () => {
  it('opens what it sealed, for the same row only, and never shows the plaintext', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 200 }),
        fc.string({ maxLength: 40 }),
        (secret, row) => {
          const ring = new KeyRing([NEW], 'test');
          const sealed = ring.seal(secret, row);
          expect(ring.open(sealed, row)).toBe(secret);
          if (secret.length >= 4) expect(sealed).not.toContain(secret);
          expect(() => ring.open(sealed, `${row}x`)).toThrow(KeyRingError);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('seals with the first key and opens with any key of the ring (rotation)', () => {
    const old = new KeyRing([OLD], 'test');
    const rotated = new KeyRing([NEW, OLD], 'test');
    const sealedOld = old.seal('xoxb-1-token', 'team:T1');
    expect(rotated.open(sealedOld, 'team:T1')).toBe('xoxb-1-token');
    expect(rotated.needsReseal(sealedOld)).toBe(true);
    const resealed = rotated.seal('xoxb-1-token', 'team:T1');
    expect(rotated.needsReseal(resealed)).toBe(false);
    expect(new KeyRing([NEW], 'test').open(resealed, 'team:T1')).toBe('xoxb-1-token');
    expect(() => new KeyRing([NEW], 'test').open(sealedOld, 'team:T1')).toThrow(/no key of the ring/);
  });

  it('derives unrelated keys for two purposes, and refuses damage', () => {
    const a = new KeyRing([NEW], 'purpose-a');
    const b = new KeyRing([NEW], 'purpose-b');
    const sealed = a.seal('secret', 'row');
    expect(a.currentKeyId).not.toBe(b.currentKeyId);
    expect(() => b.open(sealed, 'row')).toThrow(KeyRingError);
    const at = sealed.length - 2;
    const flipped = `${sealed.slice(0, at)}${sealed[at] === 'A' ? 'B' : 'A'}${sealed.slice(at + 1)}`;
    expect(flipped).not.toBe(sealed);
    expect(() => a.open(flipped, 'row')).toThrow(KeyRingError);
    expect(() => a.open('v2.x.y', 'row')).toThrow(/format/);
  });

  it('refuses short keys, no keys and the same key twice', () => {
    expect(() => new KeyRing([], 'test')).toThrow(/at least one/);
    expect(() => new KeyRing(['short'], 'test')).toThrow(/32 characters/);
    expect(() => new KeyRing([NEW, NEW], 'test')).toThrow(/twice/);
  });
});
