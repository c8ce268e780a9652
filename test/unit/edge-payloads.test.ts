import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseSlackBody, verifySlackSignature } from '../../src/slack/edge/http-edge.js';
import { screenPayload } from '../../src/slack/edge/payloads.js';
import { HANDLED_PAYLOADS } from '../../src/slack/edge/screening.js';

const command = {
  command: '/org',
  text: 'help',
  user_id: 'U0ADA',
  team_id: 'T0HOME',
  channel_id: 'D0ADA',
  response_url: 'https://hooks.slack.com/commands/T0HOME/1/abc',
  trigger_id: '1.2.abc',
};

describe('screenPayload', () => {
  it('classifies as Bolt routes: an `event` key makes an event, then `command`, whatever `type` says', () => {
    // Bolt would route this as a slash command, so it is checked as one (and here it is a good one).
    expect(screenPayload({ ...command, type: 'block_actions' }, HANDLED_PAYLOADS)).toEqual({
      verdict: 'process',
      kind: 'slash_command',
    });
    // Bolt would route this as an event: without the envelope's fields it is malformed.
    expect(screenPayload({ ...command, event: { type: 'user_change' } }, HANDLED_PAYLOADS).verdict).toBe(
      'malformed',
    );
  });

  it('refuses what is not an object, and names the field that is wrong', () => {
    for (const body of [null, [], 1, 'payload', true]) {
      expect(screenPayload(body, HANDLED_PAYLOADS).verdict).toBe('malformed');
    }
    const verdict = screenPayload(
      { type: 'block_actions', user: { id: 'U0ADA' }, actions: 'x' },
      HANDLED_PAYLOADS,
    );
    expect(verdict).toMatchObject({
      verdict: 'malformed',
      reason: expect.stringMatching(/^block_actions: actions/),
    });
  });

  it('answers a block_actions payload whose first action is unknown, telling the clicker where they clicked', () => {
    const verdict = screenPayload(
      {
        type: 'block_actions',
        user: { id: 'U0ADA' },
        channel: { id: 'C0OPEN' },
        actions: [{ action_id: 'gone', type: 'button' }],
      },
      HANDLED_PAYLOADS,
    );
    expect(verdict).toMatchObject({ verdict: 'answer', note: { userId: 'U0ADA', channelId: 'C0OPEN' } });
  });

  it('keeps tab and line breaks for the fields to judge, and refuses NUL, ESC, DEL, C1 and lone surrogates', () => {
    const submission = (value: string) => ({
      type: 'view_submission',
      user: { id: 'U0ADA' },
      view: {
        id: 'V1',
        callback_id: HANDLED_PAYLOADS.viewSubmissions[0],
        state: { values: { note: { note: { type: 'plain_text_input', value } } } },
      },
    });
    for (const ok of ['plain', 'two\nlines', 'tab\there', 'crlf\r\n']) {
      expect(screenPayload(submission(ok), HANDLED_PAYLOADS).verdict, JSON.stringify(ok)).toBe('process');
    }
    for (const bad of ['nul\u0000', 'esc\u001b[0m', 'del\u007f', 'c1\u0085', 'half\ud83d']) {
      expect(screenPayload(submission(bad), HANDLED_PAYLOADS), JSON.stringify(bad)).toMatchObject({
        verdict: 'answer',
        ack: { response_action: 'errors', errors: { note: expect.any(String) } },
      });
    }
  });
});

describe('verifySlackSignature', () => {
  const secret = 'test-signing-secret';
  const body = Buffer.from('token=x&text=hello');
  const sign = (ts: string) =>
    `v0=${createHmac('sha256', secret).update(`v0:${ts}:`).update(body).digest('hex')}`;
  const now = 1_800_000_000;

  it('accepts a good signature within five minutes either way, and refuses one outside', () => {
    for (const offset of [0, 299, -299, 300, -300]) {
      const ts = String(now + offset);
      expect(verifySlackSignature(secret, { signature: sign(ts), timestamp: ts }, body, now)).toBeNull();
    }
    for (const offset of [301, -301, 86_400]) {
      const ts = String(now + offset);
      expect(verifySlackSignature(secret, { signature: sign(ts), timestamp: ts }, body, now)).toBe(
        'timestamp_outside_window',
      );
    }
  });

  it('names what is wrong with a missing, malformed or mismatched signature', () => {
    const ts = String(now);
    expect(verifySlackSignature(secret, { signature: undefined, timestamp: ts }, body, now)).toBe(
      'missing_headers',
    );
    expect(verifySlackSignature(secret, { signature: sign(ts), timestamp: '1e9' }, body, now)).toBe(
      'malformed_timestamp',
    );
    expect(verifySlackSignature(secret, { signature: 'v0=abc', timestamp: ts }, body, now)).toBe(
      'malformed_signature',
    );
    expect(
      verifySlackSignature(
        secret,
        { signature: sign(ts), timestamp: ts },
        Buffer.from('token=x&text=bye'),
        now,
      ),
    ).toBe('signature_mismatch');
  });
});

describe('parseSlackBody', () => {
  it('reads JSON, form fields and the payload field, and refuses other content types', () => {
    expect(parseSlackBody('application/json; charset=utf-8', 'null')).toEqual({ ok: true, value: null });
    expect(parseSlackBody('application/x-www-form-urlencoded', 'payload=null')).toEqual({
      ok: true,
      value: null,
    });
    expect(parseSlackBody('application/x-www-form-urlencoded', 'a=1&b=2')).toEqual({
      ok: true,
      value: { a: '1', b: '2' },
    });
    expect(parseSlackBody('application/x-www-form-urlencoded', 'payload=%7B')).toMatchObject({
      ok: false,
      status: 400,
    });
    expect(parseSlackBody('text/plain', '{}')).toMatchObject({ ok: false, status: 415 });
    expect(parseSlackBody(undefined, '{}')).toMatchObject({ ok: false, status: 415 });
  });
});
