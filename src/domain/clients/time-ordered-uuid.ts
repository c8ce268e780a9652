import { randomUUID } from 'node:crypto';

/**
 * A version 7 UUID (RFC 9562 §5.7: 48-bit Unix milliseconds, then random bits — here those of a `randomUUID()`).
 * Rows keyed by it are appended at the end of the primary-key index instead of at a random page, which cuts the
 * pages each batch of token rows dirties in SQLite's write-ahead log.
 * @param ms Unix time in milliseconds (default: now)
 */
export function timeOrderedUuid(ms = Date.now()): string {
  const random = randomUUID();
  const time = ms.toString(16).padStart(12, '0');
  // xxxxxxxx-xxxx-4xxx-… → tttttttt-tttt-7xxx-…: the variant bits (10) of the v4 UUID stay as they are.
  return `${time.slice(0, 8)}-${time.slice(8, 12)}-7${random.slice(15)}`;
}
