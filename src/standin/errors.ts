/** Slack Web API errors as the stand-in answers them: `{ ok: false, error: <code>, … }`. */
import type { JsonObject } from './types.js';

/**
 * Error codes that mean the request itself was wrong (bad arguments or blocks, bad token, stale trigger): Slack
 * would refuse it whatever the workspace holds, so the stand-in also keeps such calls in `apiErrors`.
 */
export const REQUEST_FAULT_CODES: ReadonlySet<string> = new Set([
  'invalid_arguments',
  'invalid_blocks',
  'invalid_blocks_format',
  'no_text',
  'msg_too_long',
  'not_authed',
  'invalid_auth',
  'not_allowed_token_type',
  'unknown_method',
  'invalid_trigger_id',
  'expired_trigger_id',
  'hash_conflict',
  'duplicate_external_id',
  'push_limit_reached',
  'invalid_json',
  'invalid_client_id',
  'bad_client_secret',
  'invalid_grant_type',
  'bad_redirect_uri',
]);

/** A refusal of a Web API call, thrown by method handlers and turned into Slack's error answer. */
export class SlackApiError extends Error {
  /**
   * @param code Slack's error code (`channel_not_found`, `invalid_blocks`, …).
   * @param messages details as in Slack's `response_metadata.messages` (`[ERROR] …`).
   * @param extra more top-level fields of the answer (e.g. `needed`).
   */
  constructor(
    readonly code: string,
    readonly messages: string[] = [],
    readonly extra: JsonObject = {},
  ) {
    super(messages.length > 0 ? `${code}: ${messages.join('; ')}` : code);
    this.name = 'SlackApiError';
  }

  /** The JSON body Slack sends for this error. */
  toBody(): JsonObject {
    const body: JsonObject = { ok: false, error: this.code, ...this.extra };
    if (this.messages.length > 0) body.response_metadata = { messages: this.messages };
    return body;
  }
}
