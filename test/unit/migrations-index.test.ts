/**
 * migrations/index.ts lists every migration file: `npm run mikro-orm -- migration:create` writes a file under
 * migrations/, and the bot runs only what `migrationsList` names, so a file left out would never run.
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { migrationsList } from '../../migrations/index.js';

const folder = fileURLToPath(new URL('../../migrations/', import.meta.url));
const files = readdirSync(folder)
  .filter((f) => /^Migration.*\.ts$/.test(f))
  .map((f) => f.replace(/\.ts$/, ''))
  .sort();

describe('migrations/index.ts', () => {
  it('registers every migration file of migrations/, in the order of their timestamps', () => {
    expect(files.length).toBeGreaterThan(0);
    expect(migrationsList.map((m) => m.name)).toEqual(files);
  });

  it('names each migration after its file and the class the file exports', async () => {
    for (const migration of migrationsList) {
      const file = pathToFileURL(`${folder}${migration.name}.ts`).href;
      const module = (await import(file)) as Record<string, unknown>;
      expect(module[migration.name], migration.name).toBe(migration.class);
    }
  });
});
