/**
 * `npm run migrate`: applies pending migrations to DATABASE_URL and prints what it applied. It reads DATABASE_URL and
 * LOG_LEVEL only (a migration job needs no Slack or mail settings).
 */

import { openOrm } from './adapters.js';
import { ConfigError, loadDatabaseConfig } from './config.js';
import { migrate } from './db/orm.js';
import { createLogger } from './logger.js';

try {
  const config = loadDatabaseConfig();
  const logger = createLogger(config.logLevel);
  const orm = await openOrm(config.databaseUrl, { logger, migrate: false });
  const applied = await migrate(orm);
  logger.info({ applied }, applied.length ? 'migrations applied' : 'database is up to date');
  await orm.close();
} catch (err) {
  process.stderr.write(`${err instanceof ConfigError ? err.message : `migration failed: ${String(err)}`}\n`);
  process.exit(1);
}
