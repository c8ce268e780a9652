/**
 * Console mode acts in a second workspace: the app runs in distribution mode, installed at start in "AstroBee
 * Demo" and "Nebula Works" through the real install flow; `as nia` acts in Nebula. Each workspace sets up its own
 * organization and sees only its own people, and a restart on the same database keeps both and installs again.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { openOrm } from '../../src/adapters.js';
import { loadConfig } from '../../src/config.js';
import { runConsole as runConsoleInProcess } from '../../src/console/console.js';
import { AuditEvent } from '../../src/domain/audit/audit-event.entity.js';
import { SlackInstallation } from '../../src/domain/installations/slack-installation.entity.js';
import { Organization } from '../../src/domain/organizations/organization.entity.js';
import { expectInOrder, RUN_TIMEOUT_MS, runConsole, transcript } from '../support/console-run.js';

/** The output of the script line at `index` (0-based), checking it is the line expected. */
function outputOf(stdout: string, index: number, line: string): string {
  const entry = transcript(stdout)[index];
  expect(entry?.line, stdout).toBe(line);
  return entry?.output ?? '';
}

/** What the database holds: organizations by team, installations, and the audit actions of each organization. */
async function readDatabase(file: string) {
  const orm = await openOrm(`sqlite:${file}`, { logger: pino({ level: 'silent' }), migrate: false });
  try {
    const em = orm.em.fork();
    const organizations = await em.find(Organization, {}, { orderBy: { slackTeamId: 'asc' } });
    const installations = await em.find(SlackInstallation, {}, { orderBy: { teamId: 'asc' } });
    const actions = async (organization: Organization) =>
      (await em.find(AuditEvent, { organization }, { orderBy: { createdAt: 'asc' } })).map((e) => e.action);
    return {
      organizations: organizations.map((o) => ({ team: o.slackTeamId, id: o.id, name: o.name })),
      installations: installations.map((i) => ({
        team: i.teamId,
        installer: i.installerUserId,
        sealed: i.botToken !== null && !i.botToken.startsWith('xox'),
        createdAt: i.createdAt.getTime(),
        updatedAt: i.updatedAt.getTime(),
      })),
      audit: Object.fromEntries(
        await Promise.all(organizations.map(async (o) => [o.slackTeamId, await actions(o)] as const)),
      ),
    };
  } finally {
    await orm.close();
  }
}

/** The database file and its WAL, as one string: a bot token in plain text would show. */
function databaseBytes(file: string): string {
  return [file, `${file}-wal`]
    .filter((f) => existsSync(f))
    .map((f) => readFileSync(f).toString('latin1'))
    .join('');
}

describe('console mode with a second workspace', () => {
  const dir = mkdtempSync(join(tmpdir(), 'astrobee-console2-'));
  const db = join(dir, 'astrobee.sqlite');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  let firstRun: Awaited<ReturnType<typeof readDatabase>> | undefined;

  it(
    'sets up an organization in each workspace; /org members in each lists only its own people',
    async () => {
      const script = [
        '/org setup Demo Rockets', // 0
        '/org invite bob@example.com', // 1
        'as bob', // 2
        'click 1', // 3
        'as ada', // 4
        '/org approvals #general', // 5
        'as bob', // 6
        '/org invite cleo@example.com member Our new analyst', // 7
        'as nia', // 8
        'click 1', // 9
        '/org setup Nebula Labs', // 10
        '/org invite ned@nebula.example.com', // 11
        'as ned', // 12
        'click 1', // 13
        '/org members', // 14
        'as ada', // 15
        '/org members', // 16
        'as nia', // 17
        '/org members', // 18
        '/org invite @bob', // 19
        'users', // 20
      ];
      const run = await runConsole(db, `${script.join('\n')}\n`);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stderr).toBe('');
      const out = run.stdout;

      // The banner names both workspaces, and who acts where.
      expectInOrder(out, [
        'Workspace "AstroBee Demo" (T0CONSOLE) · users ada, bob, cleo (ada is a workspace admin)',
        'Workspace "Nebula Works" (T0NEBULA) · users nia, ned (nia is a workspace admin)',
        'Acting as ada in "AstroBee Demo"; as nia acts in "Nebula Works".',
        '> /org setup Demo Rockets',
      ]);

      const demoId = /`(org_[a-z0-9]+)`/.exec(outputOf(out, 0, '/org setup Demo Rockets'))?.[1];
      expect(outputOf(out, 3, 'click 1')).toContain('You joined *Demo Rockets* as a *Member*');
      // Bob's request for Cleo went to #general in AstroBee Demo; Nia, in Nebula, cannot click its Approve.
      expect(outputOf(out, 7, '/org invite cleo@example.com member Our new analyst')).toMatch(
        /── #general · from AstroBee ──[\s\S]*\[1\] Approve/,
      );
      expect(outputOf(out, 9, 'click 1')).toContain(
        '[1] is in "AstroBee Demo", where nia is not: act as one of its people first (users lists them).',
      );
      expect(outputOf(out, 8, 'as nia')).toContain(
        'Now in workspace "Nebula Works" (T0NEBULA): commands, clicks, modals and Home act there.',
      );
      const nebulaSetup = outputOf(out, 10, '/org setup Nebula Labs');
      expect(nebulaSetup).toContain('🎉 *Nebula Labs* is set up.');
      const nebulaId = /`(org_[a-z0-9]+)`/.exec(nebulaSetup)?.[1];
      expect(nebulaId).toMatch(/^org_/);
      expect(nebulaId).not.toBe(demoId);
      // Ned's invitation reaches his DM in Nebula, and his click is sent from there.
      expect(outputOf(out, 11, '/org invite ned@nebula.example.com')).toContain(
        "── @ned's DM with AstroBee · from AstroBee ──",
      );
      expect(outputOf(out, 12, 'as ned')).not.toContain('Now in workspace');
      expect(outputOf(out, 13, 'click 1')).toContain('You joined *Nebula Labs* as a *Member*');

      const asNed = outputOf(out, 14, '/org members');
      expect(asNed).toContain('*Team of Nebula Labs* — 2 members');
      const asAda = outputOf(out, 16, '/org members');
      expect(asAda).toContain('*Team of Demo Rockets* — 2 members');
      expect(asAda).toContain('@ada · ada@example.com — *Admin* (you)');
      expect(asAda).toContain('@bob · bob@example.com — *Member*');
      const asNia = outputOf(out, 18, '/org members');
      expect(asNia).toContain('*Team of Nebula Labs* — 2 members');
      expect(asNia).toContain('@nia · nia@nebula.example.com — *Admin* (you)');
      expect(asNia).toContain('@ned · ned@nebula.example.com — *Member*');
      for (const nebula of [asNed, asNia]) expect(nebula).not.toMatch(/ada@|bob@|Demo Rockets/);
      expect(asAda).not.toMatch(/nia@|ned@|Nebula/);
      expect(outputOf(out, 15, 'as ada')).toContain('Now in workspace "AstroBee Demo" (T0CONSOLE)');

      // Bob is not in Nebula: as in Slack's client, "@bob" typed there is no mention, and the app refuses it.
      const inviteBob = outputOf(out, 19, '/org invite @bob');
      expect(inviteBob).toContain('`@bob` arrived as plain text');
      expect(inviteBob).not.toContain('Invitation sent');

      expect(outputOf(out, 20, 'users')).toMatch(
        /^Slack users of "AstroBee Demo" \(T0CONSOLE\):\n {2}ada .*\n {2}bob .*\n {2}cleo .*\nSlack users of "Nebula Works" \(T0NEBULA\):\n {2}nia .*workspace admin {2}← acting\n {2}ned .*workspace member\n/,
      );
      expect(out).not.toContain('⚠ Slack would refuse');

      firstRun = await readDatabase(db);
      expect(firstRun.organizations).toEqual([
        { team: 'T0CONSOLE', id: demoId, name: 'Demo Rockets' },
        { team: 'T0NEBULA', id: nebulaId, name: 'Nebula Labs' },
      ]);
      // Installed through the install flow by each workspace's admin, tokens sealed.
      expect(firstRun.installations.map((i) => [i.team, i.installer, i.sealed])).toEqual([
        ['T0CONSOLE', 'U0ADA', true],
        ['T0NEBULA', 'U0NIA', true],
      ]);
      expect(databaseBytes(db)).not.toMatch(/xox[bep]/);
      expect(readFileSync(join(dir, 'console.log'), 'utf8')).not.toMatch(/xox[bep][-.]/);
    },
    RUN_TIMEOUT_MS,
  );

  it(
    'a restart on the same database installs both workspaces again and keeps both organizations',
    async () => {
      expect(firstRun?.organizations).toHaveLength(2);
      const [demo, nebula] = firstRun?.organizations ?? [];
      const script = ['/org overview', '/org setup Again', 'as nia', '/org overview', '/org members'];
      const run = await runConsole(db, `${script.join('\n')}\n`);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stderr).toBe('');
      const out = run.stdout;

      const demoOverview = outputOf(out, 0, '/org overview');
      expect(demoOverview).toContain('== Demo Rockets ==');
      expect(demoOverview).toContain(`Organization ID: \`${demo?.id}\``);
      expect(outputOf(out, 1, '/org setup Again')).toContain(
        'This workspace is already set up as *Demo Rockets*. Nothing was changed.',
      );
      const nebulaOverview = outputOf(out, 3, '/org overview');
      expect(nebulaOverview).toContain('== Nebula Labs ==');
      expect(nebulaOverview).toContain(`Organization ID: \`${nebula?.id}\``);
      expect(nebulaOverview).toContain('Team members: 2 (1 admin)');
      const members = outputOf(out, 4, '/org members');
      expect(members).toContain('@nia · nia@nebula.example.com — *Admin* (you)');
      expect(members).toContain('@ned · ned@nebula.example.com — *Member*');
      expect(members).not.toMatch(/ada@|bob@/);

      const again = await readDatabase(db);
      expect(again.organizations).toEqual(firstRun?.organizations);
      // The same two rows, updated by the new install (the earlier run's tokens died with its stand-in).
      expect(again.installations.map((i) => [i.team, i.installer, i.sealed, i.createdAt])).toEqual(
        firstRun?.installations.map((i) => [i.team, i.installer, i.sealed, i.createdAt]),
      );
      for (const [index, row] of again.installations.entries()) {
        expect(row.updatedAt).toBeGreaterThan(firstRun?.installations[index]?.updatedAt ?? Infinity);
      }
      // Each organization's audit log says the app was installed again, by that workspace's admin.
      expect(again.audit.T0CONSOLE?.filter((a) => a === 'slack_app.reinstalled')).toHaveLength(1);
      expect(again.audit.T0NEBULA?.filter((a) => a === 'slack_app.reinstalled')).toHaveLength(1);
    },
    RUN_TIMEOUT_MS,
  );
});

describe('console mode when the install flow cannot finish', () => {
  const dir = mkdtempSync(join(tmpdir(), 'astrobee-console2-fail-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('stops with a message naming the workspace and PUBLIC_URL, without the OAuth code, and installs nothing', async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    let out = '';
    output.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
    });
    // Port 9 (discard) on loopback: nothing answers, so Slack's redirect back to the app cannot be followed.
    const config = loadConfig({
      DATABASE_URL: `sqlite:${join(dir, 'astrobee.sqlite')}`,
      PORT: '0',
      PUBLIC_URL: 'http://127.0.0.1:9',
      LOG_LEVEL: 'info',
    });
    input.end('/org setup Demo\n');
    const failure = await runConsoleInProcess(config, { input, output }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(Error);
    const message = (failure as Error).message;
    expect(message).toContain('The app could not be installed in "AstroBee Demo"');
    expect(message).toContain('http://127.0.0.1:9/slack/oauth_redirect could not be reached');
    expect(message).toContain('PUBLIC_URL');
    expect(message).not.toMatch(/code=|state=/);
    // Nothing was read from the script, and the database holds no installation.
    expect(out).not.toContain('is set up');
    expect((await readDatabase(join(dir, 'astrobee.sqlite'))).installations).toEqual([]);
  }, 30_000);
});
