/**
 * Credentials of API clients: client IDs, client secrets and access tokens.
 *
 * Secrets and tokens are `<prefix><43 base62 characters><6 base62 characters of CRC32>`, the 43 characters drawn
 * uniformly from the CSPRNG (`crypto.randomFillSync`): 62^43 > 2^256, so at least 256 bits of entropy. The fixed prefix (`abo_cs_` for client secrets, `abo_at_` for access tokens) lets secret
 * scanners and our log scrubber spot a leaked one; the checksum lets a mistyped or truncated value be refused before
 * any database lookup (the scheme GitHub uses for its tokens). They are stored only as SHA-256 hashes: for 256-bit
 * random values a fast unsalted hash is enough, since guessing the input is as hard as guessing the secret.
 */
import { createHash, hash, randomBytes, randomFillSync, timingSafeEqual } from 'node:crypto';
import { crc32 } from 'node:zlib';

/** Prefix of client secrets. */
export const CLIENT_SECRET_PREFIX = 'abo_cs_';
/** Prefix of access tokens. */
export const ACCESS_TOKEN_PREFIX = 'abo_at_';
/** Prefix of client IDs (public identifiers, not secrets). */
export const CLIENT_ID_PREFIX = 'cli_';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';
/** Base62 characters for 256 bits (62^43 > 2^256). */
const BODY_LENGTH = 43;
/** Base62 characters for a CRC32 (62^6 > 2^32). */
const CHECKSUM_LENGTH = 6;

/** CRC32 of `text` as {@link CHECKSUM_LENGTH} base62 digits. */
function checksum(text: string): string {
  let v = crc32(text);
  let out = '';
  for (let i = 0; i < CHECKSUM_LENGTH; i += 1) {
    out = BASE62[v % 62] + out;
    v = Math.floor(v / 62);
  }
  return out;
}

/** Random bytes drawn from the CSPRNG in blocks, so a credential costs no allocation and no syscall of its own. */
const randomPool = Buffer.alloc(4096);
let randomPoolOffset = randomPool.length;

/** Bytes at or above this are rejected, so `byte % 62` is uniform (248 = 4 × 62). */
const REJECT_FROM = 248;

/**
 * {@link BODY_LENGTH} base62 characters, each uniform and independent: one CSPRNG byte per character, bytes
 * ≥ 248 skipped (rejection sampling), so no character is likelier than another.
 */
function randomBase62(): string {
  let out = '';
  while (out.length < BODY_LENGTH) {
    if (randomPoolOffset === randomPool.length) {
      randomFillSync(randomPool);
      randomPoolOffset = 0;
    }
    const byte = randomPool[randomPoolOffset] ?? REJECT_FROM;
    // Each byte is used once; wipe it so no copy of a credential's bits stays in memory.
    randomPool[randomPoolOffset] = 0;
    randomPoolOffset += 1;
    if (byte < REJECT_FROM) out += BASE62[byte % 62];
  }
  return out;
}

/**
 * A new secret or token: `prefix`, 43 uniformly random base62 characters (≥ 256 bits), and a 6-character CRC32
 * checksum of everything before it. 56 characters with a 7-character prefix.
 */
export function generateCredential(prefix: typeof CLIENT_SECRET_PREFIX | typeof ACCESS_TOKEN_PREFIX): string {
  const body = randomBase62();
  return `${prefix}${body}${checksum(prefix + body)}`;
}

/**
 * Whether `value` has the shape of a credential with `prefix` and a correct checksum. Checked before any lookup, so
 * a mistyped value costs no database work. Says nothing about whether the credential exists.
 */
export function isWellFormedCredential(value: string, prefix: string): boolean {
  if (value.length !== prefix.length + BODY_LENGTH + CHECKSUM_LENGTH || !value.startsWith(prefix))
    return false;
  const head = value.slice(0, prefix.length + BODY_LENGTH);
  const tail = value.slice(prefix.length + BODY_LENGTH);
  if (!/^[0-9A-Za-z]+$/.test(value.slice(prefix.length))) return false;
  return checksum(head) === tail;
}

/** SHA-256 of a credential, as 64 hex characters: the only form that is stored. */
export function hashCredential(value: string): string {
  // crypto.hash (Node ≥ 20.12) is the one-shot form, half the cost of createHash().update().digest().
  return typeof hash === 'function'
    ? hash('sha256', value, 'hex')
    : createHash('sha256').update(value, 'utf8').digest('hex');
}

/**
 * Compares two SHA-256 hex digests in constant time (`crypto.timingSafeEqual`).
 * @returns false when either is not a 64-character hex digest
 */
export function hashesEqual(a: string, b: string): boolean {
  if (a.length !== 64 || b.length !== 64) return false;
  return timingSafeEqual(Buffer.from(a, 'hex'), Buffer.from(b, 'hex'));
}

/** A new client ID: `cli_` and 20 base32 characters (100 random bits). Public; never reused (rows are kept). */
export function newClientId(): string {
  const bytes = randomBytes(13);
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = ((value << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 5 && out.length < 20) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return `${CLIENT_ID_PREFIX}${out}`;
}

/** Whether `value` has the shape of a client ID (so a typo is refused with a clear message). */
export function isClientIdShape(value: string): boolean {
  return /^cli_[a-z2-7]{20}$/.test(value);
}
