import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, scrubCredentials } from '../../src/logger.js';

describe('credential redaction', () => {
  it('scrubs rotating bot tokens and refresh tokens from free text', () => {
    const text =
      'refresh with xoxe-1-My0xLTItMTIzNDU2 failed; token xoxe.xoxb-1-MS0yLTM0NTY3 and xoxb-2-abc stay hidden';
    const scrubbed = scrubCredentials(text);
    expect(scrubbed).not.toMatch(/My0xLTItMTIzNDU2|MS0yLTM0NTY3|xoxb-2-abc/);
    expect(scrubbed.match(/\[Redacted\]/g)).toHaveLength(3);
  });

  it('redacts refresh token fields in log lines', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString('utf8'));
        done();
      },
    });
    const log = createLogger('info', sink);
    log.info({ bot: { refreshToken: 'r-secret-1', token: 'x' }, refresh_token: 'r-secret-2' }, 'refreshed');
    const out = lines.join('');
    expect(out).toContain('refreshed');
    expect(out).not.toMatch(/r-secret-1|r-secret-2/);
  });
});

describe("Bolt's and the Web API client's log lines", () => {
  it('hide the client secret, code and tokens of a logged OAuth request body', async () => {
    const { toSlackLogger } = await import('../../src/logger.js');
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString('utf8'));
        done();
      },
    });
    const slack = toSlackLogger(createLogger('debug', sink));
    slack.debug(
      'http request body: {"code":"5795.abc","client_id":"1000.2000","client_secret":"demo-s3cr3t","refresh_token":"r-9"}',
    );
    const out = lines.join('');
    expect(out).toContain('client_id');
    expect(out).not.toMatch(/demo-s3cr3t|5795\.abc|r-9/);
  });
});
