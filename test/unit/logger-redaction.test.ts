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
