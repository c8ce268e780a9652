/**
 * A key ring for secrets kept at rest: AES-256-GCM (NIST SP 800-38D) with a fresh 96-bit IV per value and associated
 * data that binds each value to its row, under keys derived with HKDF-SHA256 (RFC 5869) from operator secrets. The
 * first key seals; every key opens, so a key can be rotated without losing what the older one sealed: put the new
 * secret first, keep the old one after it until everything is sealed again (see {@link KeyRing.needsReseal}).
 */
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';

const FORMAT = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** Thrown when a sealed value does not open: none of the ring's keys sealed it, another row's, or it is damaged. */
export class KeyRingError extends Error {
  override name = 'KeyRingError';
}

/** One key of the ring: its id (a fingerprint, safe to store and log) and the AES key. */
interface RingKey {
  id: string;
  key: Buffer;
}

/**
 * Secrets sealed with the first of several keys and opened with any of them.
 *
 * Sealed form: `v1.<key id>.<base64url(iv | ciphertext | tag)>`; the key id is the first 8 bytes of the SHA-256 of
 * the derived key, in base64url (11 characters): it names the key without revealing it.
 */
export class KeyRing {
  private readonly keys: readonly RingKey[];

  /**
   * @param secrets operator secrets, newest first; each at least 32 characters. The AES keys are derived with
   *   HKDF-SHA256 under `purpose` (so one secret used for two purposes gives two unrelated keys).
   * @param purpose what the ring seals, e.g. `slack-installation-token`
   * @param options `minLength` of a secret (default 32); `legacyUnkeyed`: also open values of the older form
   *   `v1.<base64url(iv | ciphertext | tag)>` (sealed before values named their key) with the current key
   * @throws Error when there is no secret, or one is shorter than `minLength`, or two are the same
   */
  constructor(
    secrets: readonly string[],
    purpose: string,
    private readonly options: { minLength?: number; legacyUnkeyed?: boolean } = {},
  ) {
    if (secrets.length === 0) throw new Error('A key ring needs at least one key');
    const minLength = options.minLength ?? 32;
    this.keys = secrets.map((secret) => {
      if (secret.length < minLength) {
        throw new Error(`Each key of a key ring must be at least ${minLength} characters`);
      }
      const key = Buffer.from(
        hkdfSync('sha256', Buffer.from(secret, 'utf8'), 'astrobee-org', `${purpose} ${FORMAT}`, 32),
      );
      return { id: createHash('sha256').update(key).digest().subarray(0, 8).toString('base64url'), key };
    });
    if (new Set(this.keys.map((k) => k.id)).size !== this.keys.length) {
      throw new Error('A key ring must not hold the same key twice');
    }
  }

  /** The id of the key that seals (the first). */
  get currentKeyId(): string {
    return (this.keys[0] as RingKey).id;
  }

  /** Seals `plaintext` for the row `aad` with the current key. */
  seal(plaintext: string, aad: string): string {
    const { id, key } = this.keys[0] as RingKey;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from(aad, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return `${FORMAT}.${id}.${Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url')}`;
  }

  /**
   * Opens a value made by {@link seal} (with any key of the ring) for the same row.
   * @throws KeyRingError when the format is unknown, no key of the ring has its id, the row differs or the value
   *   is damaged
   */
  open(sealed: string, aad: string): string {
    const parts = sealed.split('.');
    if (parts.length === 2 && parts[0] === FORMAT && parts[1] && this.options.legacyUnkeyed) {
      return this.decrypt(this.keys[0] as RingKey, parts[1], aad);
    }
    const [format, keyId, data] = parts;
    if (parts.length !== 3 || format !== FORMAT || !keyId || !data) {
      throw new KeyRingError('unknown sealed value format');
    }
    const ringKey = this.keys.find((k) => k.id === keyId);
    if (!ringKey) throw new KeyRingError(`no key of the ring has the id ${keyId}`);
    return this.decrypt(ringKey, data, aad);
  }

  private decrypt(ringKey: RingKey, data: string, aad: string): string {
    const raw = Buffer.from(data, 'base64url');
    if (raw.length <= IV_BYTES + TAG_BYTES) throw new KeyRingError('sealed value too short');
    try {
      const decipher = createDecipheriv('aes-256-gcm', ringKey.key, raw.subarray(0, IV_BYTES));
      decipher.setAAD(Buffer.from(aad, 'utf8'));
      decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
      return Buffer.concat([
        decipher.update(raw.subarray(IV_BYTES, raw.length - TAG_BYTES)),
        decipher.final(),
      ]).toString('utf8');
    } catch {
      throw new KeyRingError('the sealed value does not open (another row, or damaged)');
    }
  }

  /** True when `sealed` was sealed with a key other than the current one (seal it again to retire the old key). */
  needsReseal(sealed: string): boolean {
    return sealed.split('.')[1] !== this.currentKeyId;
  }
}
