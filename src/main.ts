/** Entry point: read the configuration, start in the chosen mode, stop cleanly on SIGINT/SIGTERM. */
import { startApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { createLogger } from './logger.js';

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
  const running = await startApp(config, { logger });
  const stop = async (signal: string) => {
    logger.info({ signal }, 'stopping');
    await running.stop();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((err: unknown) => {
  process.stderr.write(`AstroBee Org could not start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
