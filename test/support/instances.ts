/**
 * More app instances beside a harness's: the same configuration, the same database (PostgreSQL), a port of their
 * own, a log of their own. The stand-in delivers Slack payloads to one instance at a time ({@link Instance.use}).
 */
import { Writable } from 'node:stream';
import { type RunningApp, startApp } from '../../src/app.js';
import { createLogger } from '../../src/logger.js';
import type { Harness } from './harness.js';

/** Another running instance of the app. */
export interface Instance {
  app: RunningApp;
  /** Base URL of its HTTP server. */
  url: string;
  /** Every JSON log line it wrote so far. */
  logs(): string;
  /** Points the stand-in's Slack payloads at this instance (until another `use`). */
  use(): void;
  stop(): Promise<void>;
}

/** Points the stand-in's Slack payloads back at the harness's own instance. */
export function useHarnessInstance(h: Harness): void {
  h.standin.deliverTo({ kind: 'http', url: `${h.url}/slack/events` });
}

/**
 * Starts one more instance of the app on `h`'s configuration and database (port 0: a port of its own).
 * @throws the start's error (see `startApp`)
 */
export async function startInstance(h: Harness): Promise<Instance> {
  const chunks: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk.toString('utf8'));
      done();
    },
  });
  const config = { ...h.config, port: 0 };
  const app = await startApp(config, { logger: createLogger(config.logLevel, sink), clock: h.clock });
  const url = `http://127.0.0.1:${app.port}`;
  return {
    app,
    url,
    logs: () => chunks.join(''),
    use: () => h.standin.deliverTo({ kind: 'http', url: `${url}/slack/events` }),
    stop: () => app.stop(),
  };
}
