import { z } from 'zod';
import { LIMITS } from './common.blocks.js';

/**
 * Encodes a modal's private_metadata as JSON, within Slack's 3000-character limit
 * (https://api.slack.com/reference/surfaces/views, `private_metadata`). Never put a secret in it.
 * @throws Error when the encoded form would exceed the limit
 */
export function encodePrivateMetadata(meta: unknown): string {
  const text = JSON.stringify(meta);
  if (text.length > LIMITS.privateMetadata) throw new Error('private_metadata over 3000 characters');
  return text;
}

/**
 * Decodes a modal's private_metadata with `schema`.
 * @returns the parsed value; null when missing, not JSON or not of the schema's shape (a forged or stale payload)
 */
export function decodePrivateMetadata<T>(schema: z.ZodType<T>, text: string | undefined): T | null {
  if (text === undefined) return null;
  try {
    const parsed = schema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** What our modals carry in private_metadata. Never a secret. */
const ViewMetadata = z.object({ responseUrl: z.string().url().optional() });
export type ViewMetadata = z.infer<typeof ViewMetadata>;

/**
 * Encodes view metadata as JSON, within Slack's 3000-character limit for private_metadata.
 * @throws Error when the encoded form would exceed the limit
 */
export function encodeViewMetadata(meta: ViewMetadata): string {
  return encodePrivateMetadata(meta);
}

/** Decodes view metadata; anything malformed reads as empty. */
export function decodeViewMetadata(text: string | undefined): ViewMetadata {
  return decodePrivateMetadata(ViewMetadata, text) ?? {};
}
