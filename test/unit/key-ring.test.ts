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

describe('TokenSealer over the key ring', () => {
  it('opens invitation tokens sealed in the earlier form (v1.<data>, before values named their key)', async () => {
    const { createCipheriv, hkdfSync, randomBytes } = await import('node:crypto');
    const { TokenSealer, UnsealError } = await import('../../src/domain/invitations/token.js');
    const secret = 'invitation-key-example-0123456789abcdef';
    // The earlier form, as the previous build wrote it into queued mail rows.
    const key = Buffer.from(
      hkdfSync('sha256', Buffer.from(secret), 'astrobee-org', 'invitation-token-seal v1', 32),
    );
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from('mail-row-1'));
    const body = Buffer.concat([cipher.update('abo_inv_token', 'utf8'), cipher.final()]);
    const legacy = `v1.${Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url')}`;
    const sealer = new TokenSealer(secret);
    expect(sealer.open(legacy, 'mail-row-1')).toBe('abo_inv_token');
    expect(() => sealer.open(legacy, 'mail-row-2')).toThrow(UnsealError);
    const fresh = sealer.seal('abo_inv_token', 'mail-row-1');
    expect(fresh.split('.')).toHaveLength(3);
    expect(sealer.open(fresh, 'mail-row-1')).toBe('abo_inv_token');
    expect(() => new TokenSealer('another-invitation-key-0123456789').open(fresh, 'mail-row-1')).toThrow(
      UnsealError,
    );
  });
});
