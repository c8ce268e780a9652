/**
 * Start-up benchmark (issue 13 §1): start-to-ready time and idle memory of the app as production starts it
 * (`node dist/main.js`), as `npm start` started it before the build (`tsx src/main.ts`: the tsx CLI and the Node
 * process it spawns, TypeScript compiled on the fly), and of a bare Bolt app (test/bench/bare-app.ts, compiled to
 * plain JavaScript first so that it loads as the build does).
 *
 * Each variant starts `runs` times after one unmeasured warm-up start (which also applies the migrations to its
 * SQLite file, so the measured starts find the schema up to date, as a restart does). Start-to-ready is the time
 * from spawn to the first 200 from `/healthz` (ours) or the first HTTP answer of any status (bare app), polled every
 * {@link POLL_MS} ms. Idle RSS is the resident set of the process and its descendants (`VmRSS` of
 * /proc/<pid>/status, Linux) {@link SETTLE_MS} ms after ready. Slack is the in-process stand-in (`auth.test` at
 * start). Prints the median, fastest and slowest of each, and the ratios to the bare app.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';
import { SlackStandIn } from '../../src/standin/index.js';
import { freePort, REPO_ROOT } from './processes.js';

/** Milliseconds between two readiness polls. */
const POLL_MS = 10;
/** Milliseconds to wait after ready before reading the idle RSS. */
const SETTLE_MS = 1000;
/** Milliseconds a start may take before the run counts as broken. */
const START_TIMEOUT_MS = 60_000;

/** One start of one variant. */
interface Sample {
  readyMs: number;
  rssKiB: number;
}

/** A way to start an app: the command, and the URL that answers once it is ready (and with which statuses). */
interface Variant {
  name: string;
  command: string[];
  env: Record<string, string>;
  readyPath: string;
  /** Statuses that count as ready; any status when undefined. */
  statuses?: number[];
}

/** Resident set (KiB) of `pid` and every process below it; 0 where /proc is not available. */
export function treeRssKiB(pid: number): number {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // gone meanwhile
    }
  }
  let total = 0;
  const queue = [pid];
  while (queue.length > 0) {
    const p = queue.pop() as number;
    try {
      const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${p}/status`, 'utf8'));
      total += match ? Number(match[1]) : 0;
    } catch {
      // gone meanwhile
    }
    queue.push(...(children.get(p) ?? []));
  }
  return total;
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

/** Starts `variant` once: spawn → ready, idle RSS, stop. */
async function startOnce(variant: Variant): Promise<Sample> {
  const port = await freePort();
  const [command = '', ...args] = variant.command;
  const started = performance.now();
  const child = spawn(command, args, {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...variant.env, PORT: String(port) },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const stderr: string[] = [];
  child.stderr?.on('data', (c: Buffer) => stderr.push(c.toString()));
  try {
    const url = `http://127.0.0.1:${port}${variant.readyPath}`;
    let readyMs: number | undefined;
    while (readyMs === undefined) {
      if (child.exitCode !== null)
        throw new Error(`${variant.name} exited (${child.exitCode}): ${stderr.join('')}`);
      if (performance.now() - started > START_TIMEOUT_MS)
        throw new Error(`${variant.name}: not ready after ${START_TIMEOUT_MS} ms: ${stderr.join('')}`);
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
        await res.arrayBuffer();
        if (!variant.statuses || variant.statuses.includes(res.status)) readyMs = performance.now() - started;
      } catch {
        await new Promise((r) => setTimeout(r, POLL_MS));
      }
    }
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    return { readyMs, rssKiB: child.pid === undefined ? 0 : treeRssKiB(child.pid) };
  } finally {
    await stopProcess(child);
  }
}

/** test/bench/bare-app.ts as plain JavaScript, in a folder whose parents hold node_modules; returns its path. */
function compiledBareApp(): string {
  const dir = join(REPO_ROOT, 'node_modules', '.cache', 'astrobee-bench');
  mkdirSync(dir, { recursive: true });
  const source = readFileSync(join(REPO_ROOT, 'test/bench/bare-app.ts'), 'utf8');
  const { outputText } = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  });
  const file = join(dir, 'bare-app.mjs');
  writeFileSync(file, outputText);
  return file;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};

/**
 * Runs the start-up benchmark and returns its report as lines.
 * @param options `runs`: measured starts per variant (after one warm-up)
 * @throws Error when dist/main.js is missing (`npm run build`) or a variant does not start
 */
export async function benchStartup(options: { runs: number }): Promise<string[]> {
  if (!existsSync(join(REPO_ROOT, 'dist/main.js')))
    throw new Error('dist/main.js is missing: run `npm run build` first');
  const dir = mkdtempSync(join(tmpdir(), 'astrobee-startup-'));
  const standin = new SlackStandIn({ signingSecret: 'startup-bench-signing-secret' });
  await standin.start();
  try {
    const slackEnv = {
      SLACK_BOT_TOKEN: standin.botToken,
      SLACK_SIGNING_SECRET: standin.signingSecret,
      SLACK_API_URL: standin.apiUrl,
      LOG_LEVEL: 'warn',
    };
    const variants: Variant[] = [
      {
        name: 'tsx src/main.ts (before)',
        command: [process.execPath, join(REPO_ROOT, 'node_modules/tsx/dist/cli.mjs'), 'src/main.ts'],
        env: { ...slackEnv, DATABASE_URL: `sqlite:${join(dir, 'tsx.sqlite')}` },
        readyPath: '/healthz',
        statuses: [200],
      },
      {
        name: 'node dist/main.js (after)',
        command: [process.execPath, 'dist/main.js'],
        env: { ...slackEnv, DATABASE_URL: `sqlite:${join(dir, 'dist.sqlite')}` },
        readyPath: '/healthz',
        statuses: [200],
      },
      {
        name: 'bare Bolt app',
        command: [process.execPath, compiledBareApp()],
        env: slackEnv,
        readyPath: '/',
      },
    ];
    const results = new Map<string, Sample[]>();
    for (const variant of variants) {
      await startOnce(variant); // warm-up: migrations, file cache
      const samples: Sample[] = [];
      for (let i = 0; i < options.runs; i += 1) samples.push(await startOnce(variant));
      results.set(variant.name, samples);
    }
    const bare = results.get('bare Bolt app') ?? [];
    const bareReady = median(bare.map((s) => s.readyMs));
    const bareRss = median(bare.map((s) => s.rssKiB));
    const lines = [
      `Start-up, Node ${process.version}: spawn → ready, ${options.runs} starts each after a warm-up (median, fastest–slowest)`,
    ];
    for (const [name, samples] of results) {
      const ready = samples.map((s) => s.readyMs);
      const rss = samples.map((s) => s.rssKiB / 1024);
      lines.push(
        `${name.padEnd(26)} ready ${median(ready).toFixed(0).padStart(5)} ms (${Math.min(...ready).toFixed(0)}–${Math.max(...ready).toFixed(0)})` +
          `  idle RSS ${median(rss).toFixed(0).padStart(4)} MiB (${Math.min(...rss).toFixed(0)}–${Math.max(...rss).toFixed(0)})` +
          (name === 'bare Bolt app'
            ? ''
            : `  ×bare: ${(median(ready) / bareReady).toFixed(2)} time, ${(median(samples.map((s) => s.rssKiB)) / bareRss).toFixed(2)} RSS`),
      );
    }
    return lines;
  } finally {
    await standin.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
