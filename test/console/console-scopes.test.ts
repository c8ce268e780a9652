/**
 * API client scopes in console mode (piped, as `printf '…' | npm start`): `--scopes`, the create form's checkbox
 * group and the Edit scopes form work there as in Slack.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expectInOrder, RUN_TIMEOUT_MS, runConsole } from '../support/console-run.js';

describe('API client scopes in console mode', () => {
  const dir = mkdtempSync(join(tmpdir(), 'astrobee-console-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it(
    'refuses an unknown scope by name, creates with --scopes, and edits scopes through the form',
    async () => {
      const run = await runConsole(
        join(dir, 'astrobee.sqlite'),
        [
          '/org setup Demo',
          '/org clients create Nightly --scopes members:read,bogus',
          '/org clients create Nightly --scopes members:read',
          '/org clients',
          'click 2',
          'fill scopes audit:read, members:read',
          'submit',
          '',
        ].join('\n'),
      );
      expect(run.code, run.stderr).toBe(0);
      expectInOrder(run.stdout, [
        '> /org clients create Nightly --scopes members:read,bogus',
        'Unknown scope: bogus. Nothing was changed.',
        '> /org clients create Nightly --scopes members:read',
        'API client *Nightly* is created, with the scopes `members:read`.',
        '> /org clients',
        'Scopes: `members:read`',
        '[2] Edit scopes',
        '> click 2',
        '┌─ Modal "Scopes of a client"',
        '│   > members:read',
        '> submit',
        'The scopes of *Nightly* are now `members:read` `audit:read`.',
        'Scopes: `members:read` `audit:read`',
      ]);
      expect(run.stdout.match(/API client \*Nightly\* is created/g)).toHaveLength(1);
    },
    RUN_TIMEOUT_MS,
  );
});
