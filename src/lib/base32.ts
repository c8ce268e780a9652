/** Lower-case base32 (RFC 4648 §6's alphabet, lower-cased, no padding), for public identifiers. A leaf module. */

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/**
 * Encodes bytes as lower-case base32 (RFC 4648 §6 alphabet `a`–`z`, `2`–`7`, no padding): five bits a character,
 * most significant first; trailing bits short of five are dropped.
 * @param length at most this many characters (default: all whole five-bit groups)
 */
export function base32(bytes: Uint8Array, length = Number.POSITIVE_INFINITY): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = ((value << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 5 && out.length < length) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return out;
}
