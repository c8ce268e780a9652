/**
 * Console mode on a terminal (input flagged as a TTY), in process: `submit` with an empty required field asks for
 * it, but never takes a line typed (or pasted) ahead as the answer — such lines are the next commands.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { runConsole } from '../../src/console/console.js';

describe('console mode on a terminal', () => {
  const dir = mkdtempSync(join(tmpdir(), 'astrobee-console-tty-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a required-field prompt does not swallow a command typed ahead', async () => {
    const input = Object.assign(new PassThrough(), { isTTY: true });
    const output = new PassThrough();
    let out = '';
    output.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
    });
    const config = loadConfig({
      DATABASE_URL: `sqlite:${join(dir, 'astrobee.sqlite')}`,
      PORT: '0',
      LOG_LEVEL: 'info',
    });
    // Pasted at once: every line is queued before the console reads the first.
    input.end('/org setup Demo\n/org rename\nfill name\nsubmit\n/org overview\n');
    expect(await runConsole(config, { input, output })).toBe(0);
    const notSubmitted = out.indexOf('Not submitted: "Display name" is required.');
    expect(notSubmitted, out).toBeGreaterThan(0);
    expect(out.indexOf('== Demo ==', notSubmitted), out).toBeGreaterThan(notSubmitted);
    expect(out).not.toContain('Renamed');
    expect(out).not.toContain('Display name: ');
  }, 30_000);
});
