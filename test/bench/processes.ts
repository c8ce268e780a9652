/**
 * Child processes for the benchmark: each one runs a TypeScript entry point under `node --import tsx` (not the
 * `tsx` CLI, which would put a wrapper process between us and the app, so that /proc/<pid> and `--cpu-prof`
 * would measure the wrapper).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';

/** Repository root (this file is test/bench/processes.ts). */
export const REPO_ROOT = new URL('../../', import.meta.url).pathname;

/** A running child and what it printed. */
export interface Child {
  name: string;
  pid: number;
  process: ChildProcess;
  /** Lines printed on stdout, at most the last {@link MAX_KEPT_LINES}. */
  stdout: string[];
  /** Lines printed on stderr, at most the last {@link MAX_KEPT_LINES}. */
  stderr: string[];
  /** How many stdout lines it printed in all. */
  stdoutCount: number;
  /**
   * Resolves with the first stdout line (already printed or to come) that satisfies `test`.
   * @throws Error when the child exits first or `timeoutMs` passes
   */
  waitForLine(test: (line: string) => boolean, timeoutMs: number): Promise<string>;
  /** SIGTERM, then SIGKILL after `graceMs` milliseconds; resolves when it has exited. */
  stop(graceMs?: number): Promise<void>;
}

const MAX_KEPT_LINES = 2000;

/**
 * Starts `node [nodeArgs] --import tsx [--import <preload>…] <entry>` in the repository root with exactly `env`
 * (plus PATH and HOME), so no variable of the caller's environment (a real SLACK_APP_TOKEN, say) changes the child's
 * mode. `preloads` are TypeScript modules loaded before the entry (such as test/bench/query-counter.ts).
 */
export function startChild(
  name: string,
  entry: string,
  env: Record<string, string>,
  nodeArgs: string[] = [],
  preloads: string[] = [],
): Child {
  const imports = preloads.flatMap((p) => ['--import', p.startsWith('.') ? p : `./${p}`]);
  const proc = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', ...imports, entry], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (proc.pid === undefined) throw new Error(`${name}: could not start`);
  const waiters: { test: (line: string) => boolean; resolve: (line: string) => void }[] = [];
  let exited = false;
  const exitListeners: (() => void)[] = [];
  const child: Child = {
    name,
    pid: proc.pid,
    process: proc,
    stdout: [],
    stderr: [],
    stdoutCount: 0,
    waitForLine(test, timeoutMs) {
      const seen = child.stdout.find(test);
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          reject(new Error(`${name}: no expected output within ${timeoutMs} ms\n${tail(child)}`));
        }, timeoutMs);
        const onExit = () => {
          clearTimeout(timer);
          reject(new Error(`${name} exited with code ${proc.exitCode}\n${tail(child)}`));
        };
        if (exited) onExit();
        exitListeners.push(onExit);
        waiters.push({
          test,
          resolve: (line) => {
            clearTimeout(timer);
            resolve(line);
          },
        });
      });
    },
    async stop(graceMs = 5000) {
      if (exited) return;
      const done = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
      await done;
      clearTimeout(timer);
    },
  };
  const keep = (lines: string[], line: string) => {
    lines.push(line);
    if (lines.length > MAX_KEPT_LINES) lines.shift();
  };
  createInterface({ input: proc.stdout }).on('line', (line) => {
    keep(child.stdout, line);
    child.stdoutCount += 1;
    for (const w of waiters.filter((x) => x.test(line))) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(line);
    }
  });
  createInterface({ input: proc.stderr }).on('line', (line) => keep(child.stderr, line));
  proc.once('exit', () => {
    exited = true;
    for (const l of exitListeners) l();
  });
  return child;
}

function tail(child: Child): string {
  return [...child.stdout.slice(-10), ...child.stderr.slice(-20)].join('\n');
}

/** A TCP port free on 127.0.0.1 right now (the OS picks it; a race with another process is possible but rare). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Polls `url` until it answers with one of `statuses` (any status when omitted).
 * @throws Error after `timeoutMs` milliseconds, or when `child` exits first
 */
export async function waitForHttp(
  url: string,
  timeoutMs: number,
  child: Child,
  statuses?: number[],
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.process.exitCode !== null)
      throw new Error(`${child.name} exited with code ${child.process.exitCode}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (!statuses || statuses.includes(res.status)) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${child.name}: ${url} did not answer within ${timeoutMs} ms`);
}

/**
 * Peak resident set size of a live process, in KiB (`VmHWM` of /proc/<pid>/status, Linux only).
 * @returns null where /proc is not available
 */
export function peakRssKiB(pid: number): number | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /^VmHWM:\s+(\d+)\s+kB$/m.exec(status);
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}
