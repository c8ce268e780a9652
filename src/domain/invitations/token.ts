/**
 * Invitation tokens: 256 random bits from the CSPRNG, shown as `abo_inv_<base64url>` (the prefix lets secret
 * scanners and our log scrubber spot a leak). Only the SHA-256 of a token is stored with the invitation. Until its
 * mail is sent, the outbox keeps the token sealed with AES-256-GCM under a key derived (HKDF-SHA256, RFC 5869)
 * from the server's invitation key, and clears it once the mail is out.
 */
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';

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

const SEAL_VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** Thrown when a sealed token cannot be opened (another key, or a damaged value). */
export class UnsealError extends Error {
  override name = 'UnsealError';
}

/**
 * Seals and opens tokens with AES-256-GCM (NIST SP 800-38D), a fresh 96-bit IV each time, and associated data that
 * binds a sealed value to its row (an outbox row id), so a value copied to another row does not open.
 */
export class TokenSealer {
  private readonly key: Buffer;

  /**
   * @param secret the server's invitation key material (any length; at least 32 characters recommended). The AES
   *   key is derived from it with HKDF-SHA256, so the same secret always gives the same key.
   */
  constructor(secret: string) {
    if (secret.length === 0) throw new Error('The invitation key must not be empty');
    this.key = Buffer.from(
      hkdfSync('sha256', Buffer.from(secret, 'utf8'), 'astrobee-org', 'invitation-token-seal v1', 32),
    );
  }

  /** A sealer with a random key: sealed values do not survive a restart (console mode and tests). */
  static random(): TokenSealer {
    return new TokenSealer(randomBytes(32).toString('base64url'));
  }

  /** Seals `token` for the row `aad`; returns `v1.<base64url(iv | ciphertext | tag)>`. */
  seal(token: string, aad: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(aad, 'utf8'));
    const body = Buffer.concat([cipher.update(token, 'utf8'), cipher.final()]);
    return `${SEAL_VERSION}.${Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url')}`;
  }

  /**
   * Opens a value made by {@link seal} for the same row.
   * @throws UnsealError when the key or the row differs, or the value is damaged
   */
  open(sealed: string, aad: string): string {
    const [version, data] = sealed.split('.', 2);
    if (version !== SEAL_VERSION || !data) throw new UnsealError('unknown sealed token format');
    const raw = Buffer.from(data, 'base64url');
    if (raw.length <= IV_BYTES + TAG_BYTES) throw new UnsealError('sealed token too short');
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, IV_BYTES));
      decipher.setAAD(Buffer.from(aad, 'utf8'));
      decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
      return Buffer.concat([
        decipher.update(raw.subarray(IV_BYTES, raw.length - TAG_BYTES)),
        decipher.final(),
      ]).toString('utf8');
    } catch {
      throw new UnsealError('the sealed token does not open with this key');
    }
  }
}
