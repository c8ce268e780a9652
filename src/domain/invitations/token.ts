/**
 * Invitation tokens: 256 random bits from the CSPRNG, shown as `abo_inv_<base64url>` (the prefix lets secret
 * scanners and our log scrubber spot a leak). Only the SHA-256 of a token is stored with the invitation. Until its
 * mail is sent, the outbox keeps the token sealed with AES-256-GCM under a key derived (HKDF-SHA256, RFC 5869)
 * from the server's invitation key, and clears it once the mail is out.
 */
import { createHash, randomBytes } from 'node:crypto';
import { KeyRing, KeyRingError } from '../../lib/key-ring.js';

/** Prefix of every invitation token. */
export const INVITATION_TOKEN_PREFIX = 'abo_inv_';

/** Shape of a well-formed token: the prefix and 43 base64url characters (32 bytes). */
export const INVITATION_TOKEN_PATTERN = /^abo_inv_[A-Za-z0-9_-]{43}$/;

/** A new invitation token: `abo_inv_` + base64url of 32 random bytes (256 bits). */
export function newInvitationToken(): string {
  return `${INVITATION_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
}

/** The stored form of a token: SHA-256, lower-case hex (64 characters). */
export function hashInvitationToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Thrown when a sealed token cannot be opened (another key, or a damaged value). */
export class UnsealError extends Error {
  override name = 'UnsealError';
}

/**
 * Seals and opens tokens with one key of a {@link KeyRing} (AES-256-GCM, NIST SP 800-38D; a fresh 96-bit IV each
 * time; associated data that binds a sealed value to its row, an outbox row id, so a value copied to another row
 * does not open). Values sealed before sealed values named their key (`v1.<data>`) still open.
 */
export class TokenSealer {
  private readonly ring: KeyRing;

  /**
   * @param secret the server's invitation key material (any length; at least 32 characters recommended). The AES
   *   key is derived from it with HKDF-SHA256 (RFC 5869), so the same secret always gives the same key.
   * @throws Error when the secret is empty
   */
  constructor(secret: string) {
    if (secret.length === 0) throw new Error('The invitation key must not be empty');
    this.ring = new KeyRing([secret], 'invitation-token-seal', { minLength: 1, legacyUnkeyed: true });
  }

  /** A sealer with a random key: sealed values do not survive a restart (console mode and tests). */
  static random(): TokenSealer {
    return new TokenSealer(randomBytes(32).toString('base64url'));
  }

  /** Seals `token` for the row `aad` (see {@link KeyRing.seal} for the form). */
  seal(token: string, aad: string): string {
    return this.ring.seal(token, aad);
  }

  /**
   * Opens a value made by {@link seal} for the same row.
   * @throws UnsealError when the key or the row differs, or the value is damaged
   */
  open(sealed: string, aad: string): string {
    try {
      return this.ring.open(sealed, aad);
    } catch (err) {
      if (err instanceof KeyRingError) throw new UnsealError(err.message);
      throw err;
    }
  }
}
