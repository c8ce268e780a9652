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
import { base32 } from '../../lib/base32.js';

/** Prefix of client secrets. */
export const CLIENT_SECRET_PREFIX = 'abo_cs_';
/** Prefix of access tokens. */
export const ACCESS_TOKEN_PREFIX = 'abo_at_';
/** Prefix of client IDs (public identifiers, not secrets). */
export const CLIENT_ID_PREFIX = 'cli_';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
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
 * A new client secret: `abo_cs_`, 43 uniformly random base62 characters (≥ 256 bits), and a 6-character CRC32
 * checksum of everything before it. 56 characters.
 */
export function generateCredential(prefix: typeof CLIENT_SECRET_PREFIX): string {
  const body = randomBase62();
  return `${prefix}${body}${checksum(prefix + body)}`;
}

/** Base62 digits of the issue time at the head of an access token (62^8 ms reach past the year 8000). */
const ISSUED_AT_LENGTH = 8;

/** Length of an access token: prefix, issue time, 256 random bits, checksum. */
const ACCESS_TOKEN_LENGTH = ACCESS_TOKEN_PREFIX.length + ISSUED_AT_LENGTH + BODY_LENGTH + CHECKSUM_LENGTH;

/** `ms` as {@link ISSUED_AT_LENGTH} base62 digits, most significant first (so the text sorts as the number). */
function base62Time(ms: number): string {
  let v = Math.max(0, Math.floor(ms));
  let out = '';
  for (let i = 0; i < ISSUED_AT_LENGTH; i += 1) {
    out = BASE62[v % 62] + out;
    v = Math.floor(v / 62);
  }
  return out;
}

/**
 * A new access token: `abo_at_`, the issue time (8 base62 digits of Unix milliseconds), 43 uniformly random base62
 * characters (≥ 256 bits) and a 6-character CRC32 checksum of everything before it. 64 characters, opaque to
 * clients (RFC 6749 §1.4). The time leads so that the key the token is stored under ({@link accessTokenKey}) grows
 * with time: each insert lands at the end of the index instead of on a random page of it.
 * @param nowMs the issue time, Unix milliseconds
 */
export function generateAccessToken(nowMs: number = Date.now()): string {
  const body = base62Time(nowMs) + randomBase62();
  return `${ACCESS_TOKEN_PREFIX}${body}${checksum(ACCESS_TOKEN_PREFIX + body)}`;
}

/**
 * Whether `value` has the shape of a credential with `prefix` and a correct checksum. Checked before any lookup, so
 * a mistyped value costs no database work. Says nothing about whether the credential exists.
 * @param bodyLength base62 characters between the prefix and the checksum (43; an access token has 51)
 */
export function isWellFormedCredential(value: string, prefix: string, bodyLength = BODY_LENGTH): boolean {
  if (value.length !== prefix.length + bodyLength + CHECKSUM_LENGTH || !value.startsWith(prefix))
    return false;
  const head = value.slice(0, prefix.length + bodyLength);
  const tail = value.slice(prefix.length + bodyLength);
  if (!/^[0-9A-Za-z]+$/.test(value.slice(prefix.length))) return false;
  return checksum(head) === tail;
}

/**
 * Whether `value` has the shape of an access token: this version's (with the issue time) or the earlier one's
 * (without it; still accepted until such tokens expire).
 */
export function isWellFormedAccessToken(value: string): boolean {
  return value.length === ACCESS_TOKEN_LENGTH
    ? isWellFormedCredential(value, ACCESS_TOKEN_PREFIX, ISSUED_AT_LENGTH + BODY_LENGTH)
    : isWellFormedCredential(value, ACCESS_TOKEN_PREFIX);
}

/**
 * The key an access token is stored and looked up under (column `token_hash`): its issue-time digits, then the
 * SHA-256 of the whole token in hex (72 characters). The time is no secret (the token's holder knows when they got
 * it) and the 256 random bits are only ever stored hashed. A token of the earlier shape (no issue time) is keyed by
 * its hash alone (64 characters), as it was stored then.
 */
export function accessTokenKey(token: string): string {
  const hash = hashCredential(token);
  return token.length === ACCESS_TOKEN_LENGTH
    ? token.slice(ACCESS_TOKEN_PREFIX.length, ACCESS_TOKEN_PREFIX.length + ISSUED_AT_LENGTH) + hash
    : hash;
}

/**
 * Compares two stored keys or digests in constant time for their length (`crypto.timingSafeEqual`).
 * @returns false when the lengths differ
 */
export function keysEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
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
  return `${CLIENT_ID_PREFIX}${base32(randomBytes(13), 20)}`;
}

/** Whether `value` has the shape of a client ID (so a typo is refused with a clear message). */
export function isClientIdShape(value: string): boolean {
  return /^cli_[a-z2-7]{20}$/.test(value);
}
