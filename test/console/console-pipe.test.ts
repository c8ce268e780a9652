/**
 * Console mode driven through a pipe, as `printf '…' | npm start` would: the real entry point in a child process,
 * no Slack variables (so console mode), a temp SQLite file, PORT=0, commands on standard input.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expectInOrder, RUN_TIMEOUT_MS, runConsole } from '../support/console-run.js';

describe('console mode through a pipe', () => {
  const dir = mkdtempSync(join(tmpdir(), 'astrobee-console-'));
  const db = join(dir, 'astrobee.sqlite');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  let organizationId = '';

  it(
    'sets up, answers each command in order, renames through the modal, and exits 0 at end of input',
    async () => {
      const run = await runConsole(
        db,
        '/org setup Demo\n/org overview\n/org members\n/org rename\nfill name Demo Labs\nsubmit\n/org overview\n',
      );
      expect(run.code, run.stderr).toBe(0);
      const out = run.stdout;
      const id = /is set up\. Organization ID: `(org_[a-z0-9]+)`/.exec(out)?.[1];
      expect(id, out).toBeDefined();
      organizationId = id ?? '';
      // Each piped line is echoed before its output, so the transcript lines up with the script.
      expectInOrder(out, [
        '> /org setup Demo',
        'is set up',
        '> /org overview',
        '== Demo ==',
        '> /org members',
        '*Team of Demo*',
        '> /org rename',
        '┌─ Modal "Rename organization"',
        '> fill name Demo Labs',
        'Display name (field "name") = Demo Labs',
        '> submit',
        'Renamed *Demo* to *Demo Labs*',
        '> /org overview',
        '== Demo Labs ==',
      ]);
      expectInOrder(out, [
        `Logs: ${join(dir, 'console.log')}`,
        'Slack stand-in: http://127.0.0.1:',
        '/standin/faults).',
        '── your DM with AstroBee · only visible to you ──',
        `🎉 *Demo* is set up. Organization ID: \`${organizationId}\`. You are its first Admin.`,
        '== Demo ==',
        'Name: Demo',
        `Organization ID: \`${organizationId}\``,
        'Team members: 1 (1 admin)',
        '*Team of Demo* — 1 member',
        '@ada · ada@example.com — *Admin* (you)',
        'Role: [1] Admin (current)  [2] Member',
        '┌─ Modal "Rename organization"',
        '│ Display name  (field "name", required)',
        '│   > Demo\n',
        '└─ fill <field> <value> · submit (Rename) · cancel (Cancel)',
        'Display name (field "name") = Demo Labs',
        '── modal "Rename organization" closed ──',
        'Renamed *Demo* to *Demo Labs*. The organization ID is unchanged.',
        '== Demo Labs ==',
        `Organization ID: \`${organizationId}\``,
      ]);
      // Piped input: no prompts; logs go to the file, not the terminal, with the bot token redacted.
      expect(out).not.toMatch(/^ada> /m);
      expect(out).not.toMatch(/^\{"level"/m);
      const logs = readFileSync(join(dir, 'console.log'), 'utf8');
      expect(logs).toContain('"msg":"organization set up"');
      expect(logs).not.toContain('xoxb-');
    },
    RUN_TIMEOUT_MS,
  );

  it('keeps the data for the next run, refuses a second setup, shows inline errors, prints mail, clicks', async () => {
    expect(organizationId).toMatch(/^org_/);
    const run = await runConsole(
      db,
      [
        '/org setup Again',
        '/org overview',
        '/org rename',
        'fill name ---',
        'submit',
        'cancel',
        'as bob',
        '/org overview',
        'click 1',
        'make coffee',
        'as ada',
        '/org invite bob@example.com',
        'as bob',
        'click 1',
        'click 1',
        '',
      ].join('\n'),
    );
    expect(run.code, run.stderr).toBe(0);
    const port = /the real app on http:\/\/localhost:(\d+)/.exec(run.stdout)?.[1];
    expect(Number(port)).toBeGreaterThan(0);
    expectInOrder(run.stdout, [
      'This workspace is already set up as *Demo Labs*. Nothing was changed.',
      'Name: Demo Labs',
      `Organization ID: \`${organizationId}\``,
      'Display name (field "name") = ---',
      'The app refused the submission; the modal stays open:',
      '│   > ---',
      '│   ✗ The name must contain at least one letter or digit.',
      '── modal "Rename organization" closed without submitting ──',
      'Now acting as bob (Bob Quill, workspace member).',
      'You are not a member of Demo Labs on AstroBee yet.',
      'No [1] on screen: no button or option is.',
      'Unknown input "make coffee". Type help for the console commands',
      'Now acting as ada',
      // The invitation mail is printed, not sent, with a link to the port really used (PORT=0).
      '┌─ Mail to bob@example.com (printed, not sent)',
      '│ To: bob@example.com',
      /│ Subject: \S/,
      `http://localhost:${port}/invitations/abo_inv_`,
      '└─ end of mail',
      // Switching user shows what is still clickable on their screen: the invitation's buttons, renumbered.
      'Now acting as bob',
      'Still on screen:',
      '── your DM with AstroBee · from AstroBee · earlier ──',
      '[1] Accept',
      '── your DM with AstroBee · from AstroBee · updated ──',
      // The DM no longer has buttons: its old [1] is gone, said plainly.
      '> click 1',
      'No [1] on screen',
    ]);
    expect(run.stdout).not.toContain('blockAction');
    expect(run.stdout).not.toContain('Could not click');
    const token = /\/invitations\/(abo_inv_[\w-]+)/.exec(run.stdout)?.[1] ?? 'no token';
    expect(readFileSync(join(dir, 'console.log'), 'utf8')).not.toContain(token);
    expect(run.stdout).not.toContain('Renamed');
    expect(existsSync(db)).toBe(true);
  });
});
