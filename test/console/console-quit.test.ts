/**
 * How a console session ends: `quit` through a pipe (the real entry point in a child process) says `Bye.` and runs
 * nothing after it, as on a terminal (input flagged as a TTY, in process); the end of piped input says it too.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { runConsole as runInProcess } from '../../src/console/console.js';
import { expectInOrder, RUN_TIMEOUT_MS, runConsole } from '../support/console-run.js';

/** Runs the console in process on `script`, its input flagged as a TTY or not; everything it printed. */
async function inProcess(dir: string, script: string, tty: boolean): Promise<string> {
  const input = tty ? Object.assign(new PassThrough(), { isTTY: true }) : new PassThrough();
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
  input.end(script);
  expect(await runInProcess(config, { input, output })).toBe(0);
  return out;
}

describe('leaving the console', () => {
  const dir = mkdtempSync(join(tmpdir(), 'astrobee-console-quit-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it(
    '`quit` through a pipe says Bye. and runs nothing after it',
    async () => {
      const run = await runConsole(join(dir, 'piped.sqlite'), '/org setup Demo\nquit\n/org overview\n');
      expect(run.code, run.stderr).toBe(0);
      expectInOrder(run.stdout, ['> /org setup Demo', 'is set up', '> quit', 'Bye.']);
      expect(run.stdout.endsWith('Bye.\n'), run.stdout).toBe(true);
      expect(run.stdout).not.toContain('> /org overview');
      expect(run.stdout).not.toContain('== Demo ==');
    },
    RUN_TIMEOUT_MS,
  );

  it('says Bye. the same way on a terminal, and at the end of piped input', async () => {
    const tty = await inProcess(dir, '/org setup Demo\nexit\n/org overview\n', true);
    expect(tty.endsWith('Bye.\n'), tty).toBe(true);
    expect(tty).not.toContain('== Demo ==');
    const ended = await inProcess(dir, '/org overview\n', false);
    expect(ended).toContain('== Demo ==');
    expect(ended.endsWith('Bye.\n'), ended).toBe(true);
    expect(ended.match(/Bye\./g)).toHaveLength(1);
  }, 30_000);
});

describe('console mode on a PostgreSQL URL', () => {
  it('refuses to start, names what to set and hides the password: its demo workspaces never reach a real database', async () => {
    const output = new PassThrough();
    let out = '';
    output.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
    });
    // Port 1: nothing listens there, so a connection attempt would fail loudly instead of printing the refusal.
    const config = loadConfig({ DATABASE_URL: 'postgres://astrobee:hunter2-example@127.0.0.1:1/astrobee' });
    expect(config.mode).toBe('console');
    const input = new PassThrough();
    input.end('help\n');
    expect(await runInProcess(config, { input, output })).toBe(1);
    expect(out).toContain('Console mode runs on SQLite only');
    expect(out).toContain('postgres://astrobee:***@127.0.0.1:1/astrobee');
    expect(out).toContain('SLACK_SIGNING_SECRET');
    expect(out).not.toContain('hunter2-example');
  });
});
