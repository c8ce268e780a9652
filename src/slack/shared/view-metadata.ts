import { z } from 'zod';
import { LIMITS } from '../blocks/common.js';

/** What our modals carry in private_metadata. Never a secret. */
const ViewMetadata = z.object({ responseUrl: z.string().url().optional() });
export type ViewMetadata = z.infer<typeof ViewMetadata>;

/**
 * Encodes view metadata as JSON, within Slack's 3000-character limit for private_metadata.
 * @throws Error when the encoded form would exceed the limit
 */
export function encodeViewMetadata(meta: ViewMetadata): string {
  const text = JSON.stringify(meta);
  if (text.length > LIMITS.privateMetadata) throw new Error('private_metadata over 3000 characters');
  return text;
}

/** Decodes view metadata; anything malformed reads as empty. */
export function decodeViewMetadata(text: string | undefined): ViewMetadata {
  try {
    const parsed = ViewMetadata.safeParse(JSON.parse(text ?? '{}'));
    return parsed.success ? parsed.data : {};
  } catch {
    return {};
  }
}
