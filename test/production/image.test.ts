/**
 * Issue 13 §6: the container image, built without Docker. The Dockerfile is parsed (./dockerfile.ts) and its steps
 * run in order on this machine: each stage in a folder of its own (its WORKDIR), `COPY` from a clean copy of the
 * repository (the files git tracks or would track, minus `.dockerignore`) or from an earlier stage's folder, the
 * `npm` RUN steps as written (`npm ci`, `npm run build`, `npm ci --omit=dev`). RUN steps that set up the operating
 * system (apt-get, users, ownership) are not run: this machine has a toolchain, and the test runs unprivileged.
 * Then the last stage's CMD starts in HTTP mode against the Slack stand-in, with the stage's ENV: its readiness
 * path answers 200, the HEALTHCHECK command exits 0, and a signed `/org help` is answered.
 *
 * Slow (two `npm ci`; sqlite3 compiles from source when no prebuilt binary matches, a minute or two): `npm run
 * test:image`, not part of `npm test`.
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SlackStandIn } from '../../src/standin/index.js';
import { freePort } from '../bench/processes.js';
import { dockerIgnored, parseDockerfile, type Stage } from './dockerfile.js';

/** The path polled until the app is ready. Readiness (`/readyz`) is where an orchestrator waits. */
const READINESS_PATH = '/readyz';
/** Milliseconds the started app has to become ready. */
const READY_TIMEOUT_MS = 60_000;

const ROOT = join(import.meta.dirname, '../..');
const work = mkdtempSync(join(tmpdir(), 'astrobee-image-'));
const stages = parseDockerfile(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
const final = stages.at(-1) as Stage;
let app: ChildProcess | undefined;
let standin: SlackStandIn | undefined;

/** Environment of every step: PATH and HOME of this process (npm's cache), nothing else of ours. */
const baseEnv = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? work };

/** The build context: the working tree's files as git sees them (tracked or not ignored), minus .dockerignore. */
function makeContext(): string {
  const context = join(work, 'context');
  const ignored = dockerIgnored(readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n'));
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: ROOT,
    encoding: 'utf8',
  })
    .split('\0')
    .filter((f) => f && !ignored(f) && existsSync(join(ROOT, f)));
  for (const file of files) {
    mkdirSync(dirname(join(context, file)), { recursive: true });
    cpSync(join(ROOT, file), join(context, file));
  }
  return context;
}

/** Where a stage's path lands on this machine: the stage's WORKDIR is its folder. */
function local(stageDir: string, workdir: string, path: string): string {
  const inImage = isAbsolute(path) ? path : join(workdir, path);
  const rel = relative(workdir, inImage);
  if (rel.startsWith('..')) throw new Error(`${path} is outside the WORKDIR ${workdir}`);
  return join(stageDir, rel);
}

interface BuiltStage {
  dir: string;
  workdir: string;
  env: Record<string, string>;
  user: string | undefined;
  skipped: string[];
}

/** Runs the stages' COPY and npm RUN steps in order; returns each stage's folder and settings. */
function build(): Map<string, BuiltStage> {
  const context = makeContext();
  const built = new Map<string, BuiltStage>();
  for (const stage of stages) {
    const state: BuiltStage = {
      dir: join(work, `stage-${stage.name}`),
      workdir: '/',
      env: {},
      user: undefined,
      skipped: [],
    };
    mkdirSync(state.dir, { recursive: true });
    built.set(stage.name, state);
    for (const step of stage.steps) {
      if (step.kind === 'workdir') state.workdir = step.path;
      else if (step.kind === 'env') Object.assign(state.env, step.vars);
      else if (step.kind === 'user') state.user = step.user;
      else if (step.kind === 'copy') {
        const from = step.from === undefined ? undefined : built.get(step.from);
        if (step.from !== undefined && !from)
          throw new Error(`COPY --from=${step.from}: no such stage before`);
        const dest = local(state.dir, state.workdir, step.dest);
        for (const source of step.sources) {
          const src = from ? local(from.dir, from.workdir, source) : join(context, source);
          const target =
            step.sources.length > 1 || step.dest.endsWith('/')
              ? join(dest, source === '.' ? '' : (source.split('/').at(-1) ?? ''))
              : dest;
          cpSync(src, target, { recursive: true, verbatimSymlinks: true });
        }
      } else if (step.kind === 'run') {
        if (!/^npm\s/.test(step.command)) {
          state.skipped.push(step.command);
          continue;
        }
        const run = spawnSync('sh', ['-c', step.command], {
          cwd: local(state.dir, state.workdir, '.'),
          env: { ...baseEnv, ...state.env },
          encoding: 'utf8',
          maxBuffer: 64 * 1024 * 1024,
        });
        if (run.status !== 0)
          throw new Error(`stage ${stage.name}: RUN ${step.command} failed\n${run.stdout}\n${run.stderr}`);
      }
    }
  }
  return built;
}

async function waitForStatus(url: string, status: number, timeoutMs: number, child: ChildProcess) {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the app exited with code ${child.exitCode}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      last = `${res.status} ${await res.text()}`;
      if (res.status === status) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not answer ${status} within ${timeoutMs} ms (last: ${last})`);
}

afterAll(async () => {
  if (app && app.exitCode === null) {
    const exited = new Promise((r) => app?.once('exit', r));
    app.kill('SIGTERM');
    await exited;
  }
  await standin?.stop();
  rmSync(work, { recursive: true, force: true });
});

describe('the container image, built and started without Docker', () => {
  it('builds as the Dockerfile says, then starts in HTTP mode as a non-root user and becomes ready', async () => {
    expect(stages.map((s) => s.name)).toContain('build');
    const cmd = final.steps.find((s) => s.kind === 'cmd');
    expect(cmd?.kind === 'cmd' && cmd.command).toEqual(['node', 'dist/main.js']);
    const healthcheck = final.steps.find((s) => s.kind === 'healthcheck');
    expect(healthcheck, 'a HEALTHCHECK in the runtime stage').toBeDefined();

    const built = build();
    const runtime = built.get(final.name) as BuiltStage;
    expect(runtime.user, 'USER of the runtime stage').toBeDefined();
    expect(['root', '0']).not.toContain(runtime.user);
    const runtimeDir = local(runtime.dir, runtime.workdir, '.');
    // Only what production needs: the build, no sources, no dev dependencies.
    expect(existsSync(join(runtimeDir, 'dist/main.js'))).toBe(true);
    expect(existsSync(join(runtimeDir, 'src'))).toBe(false);
    for (const dev of ['typescript', 'tsx', 'vitest', '@biomejs/biome'])
      expect(existsSync(join(runtimeDir, 'node_modules', dev)), `${dev} in the runtime`).toBe(false);
    for (const prod of ['pg', 'sqlite3', '@slack/bolt'])
      expect(existsSync(join(runtimeDir, 'node_modules', prod)), `${prod} in the runtime`).toBe(true);

    standin = new SlackStandIn({ signingSecret: 'image-test-signing-secret' });
    await standin.start();
    standin.addUser({ id: 'U0ADA', name: 'ada', email: 'ada@example.com' });
    const port = await freePort();
    const env = {
      ...baseEnv,
      ...runtime.env,
      PORT: String(port),
      SLACK_BOT_TOKEN: standin.botToken,
      SLACK_SIGNING_SECRET: standin.signingSecret,
      SLACK_API_URL: standin.apiUrl,
      PUBLIC_URL: 'https://astrobee.example.com',
      MAIL_DISABLED: 'true',
    };
    const [command = '', ...args] = cmd?.kind === 'cmd' ? cmd.command : [];
    const output: string[] = [];
    app = spawn(command === 'node' ? process.execPath : command, args, { cwd: runtimeDir, env });
    app.stdout?.on('data', (c: Buffer) => output.push(c.toString()));
    app.stderr?.on('data', (c: Buffer) => output.push(c.toString()));
    const child = app;
    await waitForStatus(`http://127.0.0.1:${port}${READINESS_PATH}`, 200, READY_TIMEOUT_MS, child).catch(
      (err: Error) => {
        throw new Error(`${err.message}\n${output.join('').slice(-4000)}`);
      },
    );

    // The HEALTHCHECK command, as Docker would run it inside the container.
    const [hcCommand = '', ...hcArgs] = healthcheck?.kind === 'healthcheck' ? healthcheck.command : [];
    const hc = spawnSync(hcCommand === 'node' ? process.execPath : hcCommand, hcArgs, {
      cwd: runtimeDir,
      env,
      timeout: 10_000,
    });
    expect(hc.status, String(hc.stderr)).toBe(0);

    // The compiled app answers a signed slash command (migrations ran; the manifest's scopes were read).
    standin.deliverTo({ kind: 'http', url: `http://127.0.0.1:${port}/slack/events` });
    const ack = await standin.command('U0ADA', 'help');
    expect(ack.status).toBe(200);
    expect(existsSync(join(runtimeDir, 'data/astrobee.sqlite')), 'the default SQLite file').toBe(true);
  });
});
