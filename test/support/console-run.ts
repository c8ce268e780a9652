/**
 * Console mode as `printf '…' | npm start` runs it: the real entry point in a child process, no Slack variables (so
 * console mode), a given SQLite file, PORT=0, a script on standard input.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { expect } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
/** Each run starts a Node process with tsx (~2 s idle); headroom for a loaded machine. */
export const RUN_TIMEOUT_MS = 30_000;

/** How a console run ended: its exit code and everything it printed. */
export interface ConsoleRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `src/main.ts` with `input` piped to it and waits for it to exit by itself. */
export function runConsole(databaseFile: string, input: string): Promise<ConsoleRun> {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('SLACK_')) env[key] = value;
  Object.assign(env, { DATABASE_URL: `sqlite:${databaseFile}`, PORT: '0', LOG_LEVEL: 'debug' });
  delete env.NODE_OPTIONS;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { cwd: ROOT, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

/** Asserts the fragments occur in this order in `text`. */
export function expectInOrder(text: string, fragments: (string | RegExp)[]): void {
  let from = 0;
  for (const fragment of fragments) {
    const rest = text.slice(from);
    const match = typeof fragment === 'string' ? rest.indexOf(fragment) : rest.search(fragment);
    expect(match, `${String(fragment)} after offset ${from} in:\n${text}`).toBeGreaterThanOrEqual(0);
    from += match + 1;
  }
}

/**
 * A piped run's transcript cut at its echoed lines (`> line`): one entry per script line, with what was printed
 * before the next one (the banner, before the first line, is left out).
 */
export function transcript(stdout: string): { line: string; output: string }[] {
  return stdout
    .split(/^> /m)
    .slice(1)
    .map((part) => {
      const end = part.indexOf('\n');
      return end < 0 ? { line: part, output: '' } : { line: part.slice(0, end), output: part.slice(end + 1) };
    });
}
