import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CheckResult,
  checkManifestFile,
  type ExportedIdLists,
  loadExportedIdLists,
  MANIFEST_PATH,
  REPO_ROOT,
} from '../../manifest/check.js';
import { type CodeScan, scanRepository, scanSource } from '../../manifest/scan.js';

const original = readFileSync(MANIFEST_PATH, 'utf8');
let scan: CodeScan;
let idLists: ExportedIdLists;
let dir: string;

beforeAll(async () => {
  [scan, idLists] = await Promise.all([scanRepository(REPO_ROOT), loadExportedIdLists()]);
  dir = mkdtempSync(join(tmpdir(), 'astrobee-manifest-'));
}, 60_000);

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Checks a temporary copy of the manifest with `edit` applied; the real file is never touched. */
function checkEdited(edit: (text: string) => string, code: CodeScan = scan): Promise<CheckResult> {
  const edited = edit(original);
  expect(edited).not.toBe(original);
  const file = join(dir, `manifest-${Math.random().toString(36).slice(2)}.yml`);
  writeFileSync(file, edited);
  return checkManifestFile(file, code, idLists);
}

describe('manifest check', () => {
  it('passes on the repository manifest', async () => {
    const result = await checkManifestFile(MANIFEST_PATH, scan, idLists);
    expect(result.problems).toEqual([]);
    expect(result.ok).toBe(true);
  });

  it('finds the /org command, the listeners and the Web API calls in the code', () => {
    expect(scan.registrations).toContainEqual({ kind: 'command', constraint: '/org' });
    expect(scan.registrations.some((r) => r.kind === 'action')).toBe(true);
    expect(scan.registrations.some((r) => r.kind === 'view')).toBe(true);
    const methods = scan.apiCalls.map((c) => c.method);
    expect(methods).toContain('users.info');
    expect(methods).toContain('views.open');
    expect(scan.files.some((f) => f.startsWith('src/standin/'))).toBe(false);
  });

  it('fails when a scope the code needs is missing', async () => {
    const result = await checkEdited((t) => t.replace(/^\s+- team:read.*\n/m, ''));
    expect(result.ok).toBe(false);
    expect(result.problems.join('\n')).toMatch(/missing bot scope team:read, needed by team\.info/);
  });

  it('fails when the email scope is missing while the code reads profile emails', async () => {
    const result = await checkEdited((t) => t.replace(/^\s+- users:read\.email.*\n/m, ''));
    expect(result.problems.join('\n')).toMatch(/missing bot scope users:read\.email/);
  });

  it('fails when the /org command is not declared', async () => {
    const result = await checkEdited((t) => t.replace('- command: /org', '- command: /orgs'));
    const problems = result.problems.join('\n');
    expect(problems).toMatch(/registers the slash command "\/org", but the manifest does not declare it/);
    expect(problems).toMatch(/declares \/orgs, but no listener handles it/);
  });

  it('fails when should_escape is off', async () => {
    const result = await checkEdited((t) => t.replace('should_escape: true', 'should_escape: false'));
    expect(result.problems.join('\n')).toMatch(/\/org: should_escape must be true/);
  });

  it('fails when interactivity is disabled while action and view listeners exist', async () => {
    const result = await checkEdited((t) => t.replace('is_enabled: true', 'is_enabled: false'));
    expect(result.problems.join('\n')).toMatch(/interactivity\.is_enabled is not true/);
  });

  it('fails on a misspelt key and on a bad shape', async () => {
    const typo = await checkEdited((t) => t.replace('should_escape:', 'should_escapes:'));
    expect(typo.problems.join('\n')).toMatch(/manifest shape: features\.slash_commands\.0/);
    const noName = await checkEdited((t) => t.replace('  name: AstroBee Org\n', ''));
    expect(noName.problems.join('\n')).toMatch(/manifest shape: display_information\.name/);
  });

  it('fails in HTTP mode without request URLs', async () => {
    const result = await checkEdited((t) =>
      t.replace('socket_mode_enabled: true', 'socket_mode_enabled: false').replace(/^\s+url: .*\n/m, ''),
    );
    expect(result.problems.join('\n')).toMatch(/\/org: HTTP mode \(socket_mode_enabled: false\) needs a url/);
  });

  it('fails when the code listens to an event the manifest does not subscribe to', async () => {
    const code: CodeScan = {
      ...scan,
      registrations: [...scan.registrations, { kind: 'event', constraint: 'app_mention' }],
    };
    const result = await checkManifestFile(MANIFEST_PATH, code, idLists);
    expect(result.problems.join('\n')).toMatch(/listens to the event "app_mention", but .*bot_events/);
  });

  it('fails without what distribution mode needs: the redirect URL, org-wide deploy, the uninstall events, rotation declared', async () => {
    const noRedirect = await checkEdited((t) =>
      t.replace('https://example.com/slack/oauth_redirect', 'https://example.com/elsewhere'),
    );
    expect(noRedirect.problems.join('\n')).toMatch(
      /redirect_urls must hold <public URL>\/slack\/oauth_redirect/,
    );
    const noGrid = await checkEdited((t) =>
      t.replace('org_deploy_enabled: true', 'org_deploy_enabled: false'),
    );
    expect(noGrid.problems.join('\n')).toMatch(/org_deploy_enabled must be true/);
    const noEvent = await checkEdited((t) => t.replace(/^\s+- tokens_revoked.*\n/m, ''));
    expect(noEvent.problems.join('\n')).toMatch(/"tokens_revoked"/);
    const noRotation = await checkEdited((t) => t.replace(/^\s+token_rotation_enabled: false\n/m, ''));
    expect(noRotation.problems.join('\n')).toMatch(/token_rotation_enabled must be declared/);
  });

  it("gives the install flow the manifest's bot scopes, one source", async () => {
    const { manifestBotScopes } = await import('../../src/slack/installations/slack-access.js');
    const fromFile = (original.match(/^ {4}bot:\n((?: {6}- .*\n)+)/m)?.[1] ?? '')
      .split('\n')
      .filter(Boolean)
      .map((line) => line.replace(/^\s+- (\S+).*$/, '$1'));
    expect(manifestBotScopes()).toEqual(fromFile);
    expect(fromFile).toContain('commands');
  });

  it('fails on a Web API method it has no scopes for, naming the method', async () => {
    const fixture = join(dir, 'new-call.ts');
    const webApi = join(REPO_ROOT, 'node_modules/@slack/web-api/dist/index.js');
    writeFileSync(
      fixture,
      `import type { WebClient } from '${webApi}';\n` +
        'export async function pin(slack: WebClient): Promise<void> {\n' +
        "  await slack.pins.add({ channel: 'C1', timestamp: '1.2' });\n" +
        "  await slack.apiCall('bookmarks.add', {});\n" +
        '}\n',
    );
    const extra = scanSource(REPO_ROOT, [fixture]);
    expect(extra.apiCalls.map((c) => c.method)).toEqual(['pins.add', 'bookmarks.add']);
    const result = await checkManifestFile(MANIFEST_PATH, {
      ...scan,
      apiCalls: [...scan.apiCalls, ...extra.apiCalls],
    });
    const problems = result.problems.join('\n');
    expect(problems).toMatch(/Web API method pins\.add .* is not in manifest\/scopes\.ts METHOD_SCOPES/);
    expect(problems).toMatch(/Web API method bookmarks\.add /);
  });

  it('fails when a block emits an action_id without a listener, and on a listener nothing emits', async () => {
    const fixture = join(dir, 'blocks.ts');
    writeFileSync(
      fixture,
      "const PREFIX = 'approve';\n" +
        'function button(actionId: string) {\n' +
        "  return { type: 'button', action_id: actionId, text: { type: 'plain_text', text: 'Go' } };\n" +
        '}\n' +
        `export const blocks = [button(\`\${PREFIX}_request\`), button(\`\${PREFIX}_invite\`)];\n` +
        "export const input = { type: 'input', block_id: 'b', element: { type: 'plain_text_input', action_id: 'typed' } };\n",
    );
    const extra = scanSource(REPO_ROOT, [fixture]);
    expect(extra.actionIds.map((a) => [a.values, a.needsListener])).toEqual([
      [['approve_request', 'approve_invite'], true],
      [['typed'], false],
    ]);
    const code: CodeScan = {
      ...scan,
      actionIds: [...scan.actionIds, ...extra.actionIds],
      registrations: [
        ...scan.registrations,
        { kind: 'action', constraint: 'approve_request' },
        { kind: 'action', constraint: { action_id: 'never_emitted' } },
        { kind: 'action', constraint: { action_id: /^ghost_\d+$/ } },
      ],
    };
    const result = await checkManifestFile(MANIFEST_PATH, code);
    const problems = result.problems.join('\n');
    expect(problems).toMatch(/action_id "approve_invite" is emitted, but no listener handles it/);
    expect(problems).not.toMatch(/"approve_request" is emitted/);
    expect(problems).not.toMatch(/"typed"/);
    expect(problems).toMatch(/ACTION_IDS does not list it/);
    expect(problems).toMatch(/registered for \/\^ghost_\\d\+\$\/, but ACTION_IDS does not list it/);
  });
});
