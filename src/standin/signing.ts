/**
 * Request signing as Slack does it, so the app under test verifies the stand-in's deliveries with its real
 * verifier. Follows Slack's "Verifying requests from Slack": the signature is `v0=` + hex HMAC-SHA256, keyed with the
 * app's signing secret, of the basestring `v0:<timestamp>:<raw body>`.
 */
import { createHmac } from 'node:crypto';

/** The two headers Slack adds to every HTTP request it sends to an app (lower-cased, as Node exposes them). */
export interface SlackSignatureHeaders {
  'x-slack-signature': string;
  'x-slack-request-timestamp': string;
}

/**
 * Signs a request body as Slack would.
 *
 * @param signingSecret the app's signing secret.
 * @param body the exact raw body that will be sent (form-encoded or JSON text); any change breaks the signature.
 * @param timestampSeconds Unix time in **seconds** to sign with (default: now). Bolt rejects a timestamp more than
 *   5 minutes away from its clock, so an old value here makes a request that must be refused.
 * @returns `x-slack-signature` (`v0=<64 hex chars>`) and `x-slack-request-timestamp` (decimal seconds).
 */
export function signSlackRequest(
  signingSecret: string,
  body: string,
  timestampSeconds: number = Math.floor(Date.now() / 1000),
): SlackSignatureHeaders {
  const timestamp = String(Math.floor(timestampSeconds));
  const digest = createHmac('sha256', signingSecret).update(`v0:${timestamp}:${body}`).digest('hex');
  return { 'x-slack-signature': `v0=${digest}`, 'x-slack-request-timestamp': timestamp };
}
