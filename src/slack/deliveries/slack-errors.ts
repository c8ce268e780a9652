/**
 * What a failed Web API call means for a delivery: come back when Slack says (a 429 with `Retry-After`,
 * docs.slack.dev/apis/web-api/rate-limits), try again later with backoff (5xx, a network error, a timeout), or
 * give up at once (Slack refused this very request for good: the account is deactivated, the bot is not in the
 * channel…). Errors of @slack/web-api 7+: `WebAPIRateLimitedError` (`retryAfter`, seconds), `WebAPIHTTPError`
 * (`statusCode`), `WebAPIRequestError`, `WebAPIPlatformError` (`data.error`).
 */
import { ErrorCode } from '@slack/web-api';

/** How a delivery attempt failed. `reason` is one line for `last_error` and logs; never a token. */
export type SlackFailure =
  | { kind: 'rate_limited'; retryAfterMs: number; reason: string }
  | { kind: 'transient'; reason: string }
  | { kind: 'final'; code: string; reason: string };

/**
 * Slack error codes that no retry can fix: the recipient or conversation cannot be reached, the message is gone,
 * or the request itself is wrong.
 */
export const FINAL_SLACK_ERRORS: ReadonlySet<string> = new Set([
  'user_disabled',
  'account_inactive',
  'user_not_found',
  'users_not_found',
  'channel_not_found',
  'not_in_channel',
  'is_archived',
  'cannot_dm_bot',
  'user_not_in_channel',
  'restricted_action',
  'message_not_found',
  'cant_update_message',
  'edit_window_closed',
  'msg_too_long',
  'no_text',
  'invalid_blocks',
  'invalid_blocks_format',
  'invalid_arguments',
  'invalid_auth',
  'not_authed',
  'token_revoked',
  'token_expired',
  'missing_scope',
  'not_allowed_token_type',
  'team_access_not_granted',
  'ekm_access_denied',
]);

/** Final codes meaning the recipient's Slack account is deactivated. */
export const DEACTIVATED_ERRORS: ReadonlySet<string> = new Set(['user_disabled', 'account_inactive']);

/** Final codes meaning the bot cannot post to a conversation (the approvals channel fallback). */
export const CHANNEL_ERRORS: ReadonlySet<string> = new Set([
  'channel_not_found',
  'not_in_channel',
  'is_archived',
]);

/** The Slack error code of a failed Web API call (`data.error` of a platform error), when it is one. */
export function slackErrorCode(err: unknown): string | undefined {
  const data = (err as { data?: { error?: unknown } } | null)?.data;
  return typeof data?.error === 'string' ? data.error : undefined;
}

/** True when `err` is the Web API client's rate-limited error (a 429 with `Retry-After`). */
export function isRateLimited(err: unknown): err is { retryAfter: number } {
  return (err as { code?: unknown } | null)?.code === ErrorCode.RateLimitedError;
}

/**
 * True when `err` is a Web API call that Slack could not answer: an HTTP 5xx or 408 from Slack, or no answer at all
 * (network error, timeout) — `@slack/web-api`'s `slack_webapi_http_error` and `slack_webapi_request_error`.
 */
export function isSlackUnavailable(err: unknown): boolean {
  const e = err as { code?: unknown; statusCode?: unknown } | null;
  if (e?.code === ErrorCode.RequestError) return true;
  return (
    e?.code === ErrorCode.HTTPError &&
    typeof e.statusCode === 'number' &&
    (e.statusCode >= 500 || e.statusCode === 408)
  );
}

/**
 * Classifies a failed Web API call.
 * @param err what the call threw
 * @returns rate_limited with the delay Slack asked for (milliseconds; at least 1 s); final with Slack's error
 *   code for a code of {@link FINAL_SLACK_ERRORS} (`http_<status>` for a 4xx other than 408 and 429); else
 *   transient (5xx, network errors, timeouts, `internal_error`, `ratelimited` without a header, unknown codes)
 */
export function classifySlackFailure(err: unknown): SlackFailure {
  const e = err as { code?: unknown; retryAfter?: unknown; statusCode?: unknown; message?: unknown } | null;
  if (isRateLimited(err)) {
    const seconds = typeof e?.retryAfter === 'number' && e.retryAfter > 0 ? e.retryAfter : 1;
    return {
      kind: 'rate_limited',
      retryAfterMs: seconds * 1000,
      reason: `rate limited (Retry-After: ${seconds} s)`,
    };
  }
  if (e?.code === ErrorCode.HTTPError && typeof e.statusCode === 'number') {
    const status = e.statusCode;
    if (status >= 500 || status === 408 || status === 429) {
      return { kind: 'transient', reason: `Slack answered HTTP ${status}` };
    }
    return { kind: 'final', code: `http_${status}`, reason: `Slack answered HTTP ${status}` };
  }
  if (e?.code === ErrorCode.PlatformError) {
    const code = slackErrorCode(err) ?? 'unknown_error';
    if (FINAL_SLACK_ERRORS.has(code)) return { kind: 'final', code, reason: `Slack error ${code}` };
    // An unknown code is retried (up to the attempt limit) rather than dropped on the first answer.
    return { kind: 'transient', reason: `Slack error ${code}` };
  }
  if (e?.code === ErrorCode.RequestError) {
    return { kind: 'transient', reason: 'Slack could not be reached (network error or timeout)' };
  }
  const message = typeof e?.message === 'string' ? e.message.split('\n')[0]?.slice(0, 200) : String(err);
  return { kind: 'transient', reason: message ?? 'unknown error' };
}
