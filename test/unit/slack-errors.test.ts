import { WebClient } from '@slack/web-api';
import { describe, expect, it } from 'vitest';
import {
  classifySlackFailure,
  FINAL_SLACK_ERRORS,
  isRateLimited,
} from '../../src/slack/deliveries/slack-errors.js';
import { SlackStandIn } from '../../src/standin/index.js';

/** What a real `WebClient` (no retries, 429s rejected) throws when the stand-in answers as told. */
async function thrownBy(
  standin: SlackStandIn,
  fault: Parameters<SlackStandIn['addFault']>[0] | null,
  args: { channel: string; text: string },
) {
  if (fault) standin.addFault(fault);
  const client = new WebClient(standin.botToken, {
    slackApiUrl: standin.apiUrl,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
  });
  try {
    await client.chat.postMessage(args);
  } catch (err) {
    return err;
  } finally {
    standin.clearFaults();
  }
  throw new Error('the call did not fail');
}

describe('classifySlackFailure', () => {
  it('reads real Web API client errors: 429 with Retry-After, 500, 503, final and unknown platform errors', async () => {
    const standin = new SlackStandIn({ signingSecret: 'x'.repeat(32) });
    await standin.start();
    try {
      standin.addUser({ id: 'U1', name: 'ada', email: 'ada@example.com' });
      standin.addUser({ id: 'U2', name: 'gone', email: 'gone@example.com', deleted: true });
      const msg = { channel: 'U1', text: 'hi' };

      const limited = await thrownBy(
        standin,
        { method: 'chat.postMessage', status: 429, retryAfterSeconds: 7 },
        msg,
      );
      expect(isRateLimited(limited)).toBe(true);
      expect(classifySlackFailure(limited)).toMatchObject({ kind: 'rate_limited', retryAfterMs: 7000 });

      for (const status of [500, 503] as const) {
        const err = await thrownBy(standin, { method: 'chat.postMessage', status }, msg);
        expect(classifySlackFailure(err)).toMatchObject({
          kind: 'transient',
          reason: `Slack answered HTTP ${status}`,
        });
        expect(isRateLimited(err)).toBe(false);
      }

      const disabled = await thrownBy(standin, null, { channel: 'U2', text: 'hi' });
      expect(classifySlackFailure(disabled)).toMatchObject({ kind: 'final', code: 'user_disabled' });

      const missing = await thrownBy(standin, null, { channel: 'C0NOPE', text: 'hi' });
      expect(classifySlackFailure(missing)).toMatchObject({ kind: 'final', code: 'channel_not_found' });
    } finally {
      await standin.stop();
    }
  });

  it('treats the final codes as final, network errors and unknown codes as worth retrying', () => {
    for (const code of [
      'user_disabled',
      'account_inactive',
      'channel_not_found',
      'not_in_channel',
      'is_archived',
      'users_not_found',
    ]) {
      expect(FINAL_SLACK_ERRORS.has(code)).toBe(true);
      const err = { code: 'slack_webapi_platform_error', data: { ok: false, error: code } };
      expect(classifySlackFailure(err)).toMatchObject({ kind: 'final', code });
    }
    expect(
      classifySlackFailure({ code: 'slack_webapi_platform_error', data: { error: 'internal_error' } }).kind,
    ).toBe('transient');
    expect(
      classifySlackFailure({ code: 'slack_webapi_request_error', original: new Error('ECONNRESET') }).kind,
    ).toBe('transient');
    expect(classifySlackFailure({ code: 'slack_webapi_http_error', statusCode: 404 })).toMatchObject({
      kind: 'final',
      code: 'http_404',
    });
    expect(classifySlackFailure({ code: 'slack_webapi_rate_limited_error', retryAfter: 0 })).toMatchObject({
      kind: 'rate_limited',
      retryAfterMs: 1000,
    });
  });
});
