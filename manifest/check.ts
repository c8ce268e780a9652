/**
 * `npm run manifest:check`: proves `slack-manifest.yml` matches the code.
 *
 * - the manifest has the shape Slack's importer expects (manifest/schema.ts);
 * - every slash command the code registers is declared (with `should_escape: true`, which src/slack/shared/text.ts
 *   relies on), and every declared command has a listener;
 * - interactivity is on when any action, view, shortcut or options listener exists;
 * - every event the code listens to is a declared bot event, with the scopes the event needs;
 * - every Web API method the code calls is covered by declared bot scopes (manifest/scopes.ts; an unknown method
 *   fails until someone adds its scopes there);
 * - every `action_id` the blocks emit has a listener and every action listener matches an id the blocks emit, as
 *   far as the static scan can tell (see manifest/scan.ts for its limits); the same for modal `callback_id`s;
 * - the exported id lists (`COMMAND_NAMES`, `ACTION_IDS`, `VIEW_CALLBACK_IDS`) match what is registered.
 *
 * Problems fail the check (exit code 1); warnings are printed and do not.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { REDIRECT_PATH } from '../src/slack/installations/install-routes.js';
import { type CodeScan, type EmittedId, type ListenerConstraint, scanRepository } from './scan.js';
import { type Manifest, ManifestSchema } from './schema.js';
import { EVENT_SCOPES, METHOD_SCOPES, SCOPE_PREREQUISITES } from './scopes.js';

/** The repository root (this file lives in `<root>/manifest/`). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The manifest checked by default. */
export const MANIFEST_PATH = join(REPO_ROOT, 'slack-manifest.yml');

/** The id lists the code exports for this check. */
export interface ExportedIdLists {
  commandNames: readonly string[];
  actionIds: readonly string[];
  viewCallbackIds: readonly string[];
}

/** The outcome of a check. */
export interface CheckResult {
  ok: boolean;
  /** Each one fails the check. */
  problems: string[];
  warnings: string[];
  /** What was checked and found fine, for the report. */
  passed: string[];
}

/** Reads the id lists src/slack/register.ts exports (assembled from every feature's registrations). */
export async function loadExportedIdLists(): Promise<ExportedIdLists> {
  const listeners = await import('../src/slack/register.js');
  return {
    commandNames: [...listeners.COMMAND_NAMES],
    actionIds: [...listeners.ACTION_IDS],
    viewCallbackIds: [...listeners.VIEW_CALLBACK_IDS],
  };
}

/** The value a listener constraint puts on one field (`action_id`, `callback_id`); undefined means "any". */
function constraintField(constraint: ListenerConstraint, field: string): string | RegExp | undefined {
  if (typeof constraint === 'string' || constraint instanceof RegExp) return constraint;
  const value = constraint?.[field];
  return typeof value === 'string' || value instanceof RegExp ? value : undefined;
}

function matches(pattern: string | RegExp | undefined, value: string): boolean {
  if (pattern === undefined) return true;
  return typeof pattern === 'string'
    ? pattern === value
    : new RegExp(pattern.source, pattern.flags).test(value);
}

function describe(pattern: string | RegExp | undefined): string {
  if (pattern === undefined) return '(any)';
  return typeof pattern === 'string' ? `"${pattern}"` : String(pattern);
}

const at = (l: { file: string; line: number }) => `${l.file}:${l.line}`;

/**
 * Checks a manifest's text against what the code registers and calls.
 * @param manifestText the YAML text of a Slack app manifest
 * @param scan what the code registers and calls (manifest/scan.ts)
 * @param idLists the exported id lists; omitted, that part is skipped
 */
/** The events distribution mode needs: an installation's tokens are deleted when they arrive. */
const INSTALLATION_EVENTS = ['app_uninstalled', 'tokens_revoked'] as const;

export function checkManifest(manifestText: string, scan: CodeScan, idLists?: ExportedIdLists): CheckResult {
  const problems: string[] = [];
  const warnings: string[] = [];
  const passed: string[] = [];

  let raw: unknown;
  try {
    raw = parseYaml(manifestText);
  } catch (err) {
    problems.push(`the manifest is not valid YAML: ${err instanceof Error ? err.message : String(err)}`);
    return { ok: false, problems, warnings, passed };
  }
  const parsed = ManifestSchema.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      problems.push(`manifest shape: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
    }
    return { ok: false, problems, warnings, passed };
  }
  const manifest: Manifest = parsed.data;
  passed.push('the manifest has the shape of a Slack app manifest');

  const scopes = new Set(manifest.oauth_config.scopes.bot);
  /** Why each declared scope is needed. */
  const needed = new Map<string, string[]>();
  const need = (scope: string, why: string) => needed.set(scope, [...(needed.get(scope) ?? []), why]);
  const socketMode = manifest.settings.socket_mode_enabled === true;

  // ── slash commands ────────────────────────────────────────────────────────────────────────────────────────
  const declaredCommands = manifest.features.slash_commands ?? [];
  const commandRegs = scan.registrations.filter((r) => r.kind === 'command');
  for (const reg of commandRegs) {
    const pattern = constraintField(reg.constraint, 'command');
    const declared = declaredCommands.filter((c) => matches(pattern, c.command));
    if (declared.length === 0) {
      problems.push(
        `the code registers the slash command ${describe(pattern)}, but the manifest does not declare it`,
      );
      continue;
    }
    for (const c of declared) {
      if (c.should_escape !== true) {
        problems.push(
          `${c.command}: should_escape must be true (src/slack/shared/text.ts decodes escaped mentions, channels and links)`,
        );
      }
      if (!c.usage_hint) warnings.push(`${c.command}: no usage_hint, Slack shows users no hint`);
      if (!socketMode && !c.url)
        problems.push(`${c.command}: HTTP mode (socket_mode_enabled: false) needs a url`);
    }
  }
  for (const c of declaredCommands) {
    if (!commandRegs.some((r) => matches(constraintField(r.constraint, 'command'), c.command))) {
      problems.push(`the manifest declares ${c.command}, but no listener handles it (Slack would time out)`);
    }
  }
  if (declaredCommands.length > 0) need('commands', 'slash commands');
  if (commandRegs.length > 0 && problems.length === 0) {
    passed.push(`slash commands declared: ${declaredCommands.map((c) => c.command).join(', ')}`);
  }

  // ── shortcuts ─────────────────────────────────────────────────────────────────────────────────────────────
  const declaredShortcuts = manifest.features.shortcuts ?? [];
  for (const reg of scan.registrations.filter((r) => r.kind === 'shortcut')) {
    const pattern = constraintField(reg.constraint, 'callback_id');
    if (!declaredShortcuts.some((s) => matches(pattern, s.callback_id))) {
      problems.push(
        `the code registers the shortcut ${describe(pattern)}, but the manifest does not declare it`,
      );
    }
  }
  if (declaredShortcuts.length > 0) need('commands', 'shortcuts');

  // ── interactivity ─────────────────────────────────────────────────────────────────────────────────────────
  const interactive = scan.registrations.filter((r) =>
    ['action', 'view', 'shortcut', 'options'].includes(r.kind),
  );
  const interactivity = manifest.settings.interactivity;
  if (interactive.length > 0) {
    if (interactivity?.is_enabled !== true) {
      problems.push(
        `the code has ${interactive.length} action/view/shortcut/options listener(s), but settings.interactivity.is_enabled is not true`,
      );
    } else if (!socketMode && !interactivity.request_url) {
      problems.push('HTTP mode (socket_mode_enabled: false) needs settings.interactivity.request_url');
    } else {
      passed.push(`interactivity is enabled (${interactive.length} interactive listener(s))`);
    }
  }

  // ── events ────────────────────────────────────────────────────────────────────────────────────────────────
  const botEvents = manifest.settings.event_subscriptions?.bot_events ?? [];
  const eventRegs = scan.registrations.filter((r) => r.kind === 'event' || r.kind === 'message');
  // `app.message(…)` and `app.event('message', …)` both receive the message.* events.
  const isMessageReg = (r: (typeof eventRegs)[number]): boolean =>
    r.kind === 'message' || (r.kind === 'event' && matches(constraintField(r.constraint, 'type'), 'message'));
  for (const reg of eventRegs) {
    if (isMessageReg(reg)) {
      if (!botEvents.some((e) => e.startsWith('message.'))) {
        problems.push('the code has a message listener, but no message.* bot event is declared');
      }
      continue;
    }
    const pattern = constraintField(reg.constraint, 'type');
    if (!botEvents.some((e) => matches(pattern, e))) {
      problems.push(
        `the code listens to the event ${describe(pattern)}, but settings.event_subscriptions.bot_events does not declare it`,
      );
    }
  }
  for (const event of botEvents) {
    const eventScopes = EVENT_SCOPES[event];
    if (!eventScopes) {
      problems.push(
        `bot event "${event}" is not in manifest/scopes.ts EVENT_SCOPES: look up its scopes at https://docs.slack.dev/reference/events/${event} and add it`,
      );
      continue;
    }
    for (const s of eventScopes) need(s, `event ${event}`);
    const handled = eventRegs.some(
      (r) => r.kind === 'event' && matches(constraintField(r.constraint, 'type'), event),
    );
    if (!handled && !(event.startsWith('message.') && eventRegs.some(isMessageReg))) {
      warnings.push(
        `bot event "${event}" is declared but no listener handles it yet (Bolt acks it and drops it)`,
      );
    }
  }
  if (botEvents.length > 0 && !socketMode && !manifest.settings.event_subscriptions?.request_url) {
    problems.push('HTTP mode (socket_mode_enabled: false) needs settings.event_subscriptions.request_url');
  }
  if (eventRegs.length > 0) passed.push(`events declared: ${botEvents.join(', ')}`);

  // ── distribution: the OAuth install flow (src/slack/installations) ────────────────────────────────────────
  const redirects = manifest.oauth_config.redirect_urls ?? [];
  if (!redirects.some((url) => new URL(url).pathname === REDIRECT_PATH)) {
    problems.push(
      `oauth_config.redirect_urls must hold <public URL>${REDIRECT_PATH}: the install flow's redirect (distribution mode)`,
    );
  } else passed.push(`OAuth redirect URL: ${redirects.join(', ')}`);
  if (manifest.settings.org_deploy_enabled !== true) {
    problems.push(
      'settings.org_deploy_enabled must be true: the code serves Enterprise Grid org-wide installs (one installation for every workspace of an enterprise)',
    );
  }
  for (const event of INSTALLATION_EVENTS) {
    if (!botEvents.includes(event)) {
      problems.push(
        `bot event "${event}" must be declared: it deletes an installation's tokens (distribution mode)`,
      );
    }
  }
  if (manifest.settings.token_rotation_enabled === undefined) {
    problems.push(
      'settings.token_rotation_enabled must be declared (true or false): with true, installations get expiring bot tokens that the app refreshes',
    );
  } else {
    passed.push(
      `token rotation ${manifest.settings.token_rotation_enabled ? 'on: bot tokens expire and are refreshed (oauth.v2.access, grant_type=refresh_token)' : 'off'}`,
    );
  }

  // ── Web API methods and their scopes ──────────────────────────────────────────────────────────────────────
  const methods = new Map<string, string[]>();
  for (const call of scan.apiCalls) {
    if (call.method === null) {
      problems.push(
        `${at(call)}: ${call.callee}(…) calls a Web API method the scan cannot name; use a string literal or a const`,
      );
      continue;
    }
    methods.set(call.method, [...(methods.get(call.method) ?? []), at(call)]);
  }
  // Bolt calls auth.test itself (token verification, at the first request); Socket Mode's client calls
  // apps.connections.open with the app-level token.
  methods.set('auth.test', [...(methods.get('auth.test') ?? []), '@slack/bolt (token verification)']);
  if (socketMode) {
    methods.set('apps.connections.open', ['@slack/socket-mode (with SLACK_APP_TOKEN)']);
  }
  for (const [method, places] of [...methods].sort(([a], [b]) => a.localeCompare(b))) {
    const req = METHOD_SCOPES[method];
    if (!req) {
      problems.push(
        `Web API method ${method} (${places.join(', ')}) is not in manifest/scopes.ts METHOD_SCOPES: look up its bot scopes at https://docs.slack.dev/reference/methods/${method} and add it`,
      );
      continue;
    }
    if (req.token === 'app') {
      passed.push(`${method}: ${req.note}`);
      continue;
    }
    for (const s of req.allOf) need(s, method);
    if (req.anyOf && !req.anyOf.some((s) => scopes.has(s))) {
      problems.push(
        `${method} (${places.join(', ')}) needs one of ${req.anyOf.join(', ')}; none is declared`,
      );
    } else if (req.anyOf) {
      for (const s of req.anyOf.filter((x) => scopes.has(x))) need(s, method);
    }
  }
  if (scan.profileEmailReads.length > 0) {
    need('users:read.email', `reads a Slack profile email (${scan.profileEmailReads.map(at).join(', ')})`);
  }
  if (methods.has('views.publish') && manifest.features.app_home?.home_tab_enabled !== true) {
    problems.push(
      'the code publishes a Home tab (views.publish), but features.app_home.home_tab_enabled is not true',
    );
  }
  for (const scope of [...needed.keys()]) {
    for (const pre of SCOPE_PREREQUISITES[scope] ?? []) need(pre, `requested together with ${scope}`);
  }
  for (const [scope, why] of [...needed].sort(([a], [b]) => a.localeCompare(b))) {
    if (scopes.has(scope)) passed.push(`scope ${scope}: ${[...new Set(why)].join('; ')}`);
    else problems.push(`missing bot scope ${scope}, needed by ${[...new Set(why)].join('; ')}`);
  }
  for (const scope of scopes) {
    if (!needed.has(scope)) {
      warnings.push(`bot scope ${scope} is declared but nothing in the code needs it now (least privilege)`);
    }
  }

  // ── action ids and modal callback ids ─────────────────────────────────────────────────────────────────────
  checkIds(
    'action_id',
    scan.actionIds,
    scan.registrations
      .filter((r) => r.kind === 'action')
      .map((r) => constraintField(r.constraint, 'action_id')),
    problems,
    warnings,
    passed,
  );
  checkIds(
    'modal callback_id',
    scan.viewCallbackIds,
    scan.registrations
      .filter((r) => r.kind === 'view')
      .map((r) => constraintField(r.constraint, 'callback_id')),
    problems,
    warnings,
    passed,
  );

  // ── exported id lists ─────────────────────────────────────────────────────────────────────────────────────
  if (idLists) {
    const compare = (
      name: string,
      list: readonly string[],
      kind: 'command' | 'action' | 'view',
      field: string,
    ) => {
      const registered = scan.registrations
        .filter((r) => r.kind === kind)
        .map((r) => constraintField(r.constraint, field))
        .filter((p): p is string | RegExp => p !== undefined);
      for (const id of list) {
        if (!registered.some((p) => matches(p, id)))
          problems.push(`${name} lists "${id}", but no ${kind} listener is registered for it`);
      }
      for (const p of registered) {
        if (!list.some((id) => matches(p, id)))
          problems.push(`a ${kind} listener is registered for ${describe(p)}, but ${name} does not list it`);
      }
    };
    compare('COMMAND_NAMES', idLists.commandNames, 'command', 'command');
    compare('ACTION_IDS', idLists.actionIds, 'action', 'action_id');
    compare('VIEW_CALLBACK_IDS', idLists.viewCallbackIds, 'view', 'callback_id');
  }

  if (manifest.settings.org_deploy_enabled) {
    warnings.push('org_deploy_enabled is true: this app binds one workspace to one organization');
  }
  return { ok: problems.length === 0, problems, warnings, passed };
}

/** Emitted ids must have a listener; listeners must match an emitted id. */
function checkIds(
  label: string,
  emitted: EmittedId[],
  listeners: (string | RegExp | undefined)[],
  problems: string[],
  warnings: string[],
  passed: string[],
): void {
  const resolved = emitted.filter((e) => e.values !== null);
  const unresolved = emitted.filter((e) => e.values === null);
  for (const e of unresolved) {
    warnings.push(
      `${at(e)}: ${label} ${e.expression} cannot be resolved statically; check its listener by hand`,
    );
  }
  for (const e of resolved.filter((x) => x.needsListener)) {
    for (const value of e.values ?? []) {
      if (!listeners.some((p) => matches(p, value))) {
        problems.push(`${at(e)}: ${label} "${value}" is emitted, but no listener handles it`);
      }
    }
  }
  const allValues = resolved.flatMap((e) => e.values ?? []);
  for (const p of listeners) {
    if (p === undefined || allValues.some((v) => matches(p, v))) continue;
    const message = `a listener handles ${label} ${describe(p)}, but no block the scan can read emits it`;
    if (unresolved.length > 0) warnings.push(`${message} (it may be among the unresolved ids)`);
    else problems.push(message);
  }
  if (emitted.length > 0 || listeners.length > 0) {
    passed.push(
      `${label}s: ${[...new Set(allValues)].sort().join(', ') || '(none)'} — ${listeners.length} listener(s)`,
    );
  }
}

/** Prints a result as a readable report. */
export function formatReport(result: CheckResult, manifestPath: string): string {
  const lines = [`Slack manifest check: ${manifestPath}`];
  for (const p of result.passed) lines.push(`  ok    ${p}`);
  for (const w of result.warnings) lines.push(`  warn  ${w}`);
  for (const p of result.problems) lines.push(`  FAIL  ${p}`);
  lines.push(
    result.ok
      ? `PASS (${result.warnings.length} warning(s))`
      : `FAIL: ${result.problems.length} problem(s), ${result.warnings.length} warning(s)`,
  );
  return lines.join('\n');
}

/**
 * Scans the repository and checks a manifest file.
 * @param manifestPath defaults to the repository's `slack-manifest.yml`
 * @param scan reuse an earlier scan (tests check several manifests against one scan)
 */
export async function checkManifestFile(
  manifestPath: string = MANIFEST_PATH,
  scan?: CodeScan,
  idLists?: ExportedIdLists,
): Promise<CheckResult> {
  const [code, lists] = await Promise.all([
    scan ?? scanRepository(REPO_ROOT),
    idLists ?? loadExportedIdLists(),
  ]);
  return checkManifest(readFileSync(manifestPath, 'utf8'), code, lists);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const path = process.argv[2] ? resolve(process.argv[2]) : MANIFEST_PATH;
  checkManifestFile(path).then(
    (result) => {
      process.stdout.write(`${formatReport(result, path)}\n`);
      process.exitCode = result.ok ? 0 : 1;
    },
    (err: unknown) => {
      process.stderr.write(
        `manifest check could not run: ${err instanceof Error ? err.stack : String(err)}\n`,
      );
      process.exitCode = 2;
    },
  );
}
