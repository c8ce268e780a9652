/**
 * N real app processes (`node --import tsx src/main.ts`, as `npm start` runs it, without the `tsx` wrapper so that
 * a SIGKILL reaches the app itself) in HTTP mode on one database, one Slack stand-in and one SMTP sink: the
 * instances an operator runs behind a load balancer. Used by test/multi-instance and by the benchmark.
 */
import { type Child, freePort, startChild, waitForHttp } from '../bench/processes.js';

/** Running instances, index 0…n-1. */
export interface AppInstances {
  /** Base URL of each instance (`http://127.0.0.1:<port>`). */
  urls: string[];
  children: Child[];
  /** Sends `signal` to instance `index` and resolves when it has exited (SIGKILL: `kill -9`). */
  kill(index: number, signal?: NodeJS.Signals): Promise<void>;
  /** Whether instance `index` is still running. */
  alive(index: number): boolean;
  /** Stops every instance still running (SIGTERM, then SIGKILL after 5 s). */
  stop(): Promise<void>;
}

/**
 * Starts `count` instances at the same moment with the same environment (`DATABASE_URL`, `SLACK_*`, `SMTP_URL`
 * …; each gets its own `PORT`) and waits until each answers `GET /healthz` with 200 (the database is migrated and
 * answers).
 * @param env the app's environment, without `PORT`
 * @param options `timeoutMs` for each /healthz (default 60 000); `nodeArgs` for each process (`--cpu-prof` …)
 * @throws Error with the process's last output when one exits or does not become healthy in time (every
 *   instance started is stopped first)
 */
export async function startAppInstances(
  count: number,
  env: Record<string, string>,
  options: { timeoutMs?: number; nodeArgs?: string[] } = {},
): Promise<AppInstances> {
  const ports: number[] = [];
  for (let i = 0; i < count; i += 1) ports.push(await freePort());
  const children = ports.map((port, i) =>
    startChild(`instance ${i}`, 'src/main.ts', { ...env, PORT: String(port) }, options.nodeArgs ?? []),
  );
  const urls = ports.map((port) => `http://127.0.0.1:${port}`);
  const instances: AppInstances = {
    urls,
    children,
    alive: (index) => {
      const child = children[index];
      return child !== undefined && child.process.exitCode === null && child.process.signalCode === null;
    },
    async kill(index, signal = 'SIGKILL') {
      const child = children[index];
      if (!child || !instances.alive(index)) return;
      const exited = new Promise<void>((resolve) => child.process.once('exit', () => resolve()));
      child.process.kill(signal);
      await exited;
    },
    async stop() {
      await Promise.all(children.map((c) => c.stop()));
    },
  };
  try {
    await Promise.all(
      children.map((child, i) =>
        waitForHttp(`${urls[i]}/healthz`, options.timeoutMs ?? 60_000, child, [200]),
      ),
    );
  } catch (err) {
    const detail = children
      .map((c) => `--- ${c.name}\n${[...c.stdout.slice(-5), ...c.stderr.slice(-15)].join('\n')}`)
      .join('\n');
    await instances.stop();
    throw new Error(`${err instanceof Error ? err.message : String(err)}\n${detail}`);
  }
  return instances;
}
