/**
 * Entry point: read the configuration, start in the chosen mode, drain on SIGINT/SIGTERM (exit 0 when all work in
 * flight finished within `DRAIN_TIMEOUT_MS`, 1 otherwise), and end the process with 1 on an unhandled rejection or
 * an uncaught exception, logged with the request id of the payload it happened for.
 */
import { type RunningApp, startApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { currentRequestId } from './lifecycle/drain.js';
import { createLogger } from './logger.js';

/** Longest drain after a crash, in milliseconds (at most `DRAIN_TIMEOUT_MS`): the process is in an unknown state. */
const CRASH_DRAIN_MS = 2000;
/** Milliseconds past a drain's deadline after which the process exits whatever is still closing. */
const EXIT_GRACE_MS = 3000;

async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  if (config.mode === 'console') {
    const { runConsole } = await import('./console/console.js');
    process.exitCode = await runConsole(config, { input: process.stdin, output: process.stdout });
    return;
  }
  const logger = createLogger(config.logLevel);
  let running: RunningApp | undefined;
  let exiting = false;
  /** Drains within `deadlineMs` and exits: `code` after a clean drain, 1 when work was cut off. */
  const drainAndExit = async (deadlineMs: number, code: number) => {
    exiting = true;
    // Whatever happens while closing, the process ends.
    setTimeout(() => process.exit(1), deadlineMs + EXIT_GRACE_MS);
    const report = running ? await running.drain(deadlineMs) : { clean: true };
    process.exit(report.clean ? code : 1);
  };
  const crash = (event: 'unhandledRejection' | 'uncaughtException', err: unknown) => {
    logger.fatal({ err, event, requestId: currentRequestId() }, `${event}: the process ends`);
    if (exiting) process.exit(1);
    void drainAndExit(Math.min(CRASH_DRAIN_MS, config.drainTimeoutMs), 1);
  };
  process.on('unhandledRejection', (reason) => crash('unhandledRejection', reason));
  process.on('uncaughtException', (err) => crash('uncaughtException', err));
  running = await startApp(config, { logger });
  const stop = (signal: NodeJS.Signals) => {
    if (exiting) {
      // A second signal (Ctrl-C twice) ends the process at once.
      logger.warn({ signal }, 'second signal while draining: exiting now');
      process.exit(1);
    }
    logger.info({ signal, drainTimeoutMs: config.drainTimeoutMs }, 'stopping');
    void drainAndExit(config.drainTimeoutMs, 0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`AstroBee Org could not start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
