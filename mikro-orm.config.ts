/**
 * Configuration of the MikroORM CLI (`npm run mikro-orm -- <command>`): the bot's own ORM options
 * (`src/db/orm.ts`) on `DATABASE_URL`, read and checked as at start (`src/config.ts`, default
 * `sqlite:data/astrobee.sqlite`). `migration:create` writes to `migrations/`; see the README, "Making a new migration".
 */
import { defineConfig } from '@mikro-orm/core';
import { ormEntities } from './src/adapters.js';
import { loadConfig } from './src/config.js';
import { ensureDatabaseFolder, ormOptions } from './src/db/orm.js';

const { databaseUrl } = loadConfig();
ensureDatabaseFolder(databaseUrl);

export default defineConfig(ormOptions(databaseUrl, { entities: ormEntities }));
