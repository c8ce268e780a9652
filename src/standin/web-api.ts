/**
 * The Web API front: `POST /api/<method>` with a form or JSON body, token checks, dispatch to the method, and the
 * recording of every call. Slack answers HTTP 200 with `{ ok: true, … }` or `{ ok: false, error }`
 * (docs.slack.dev/apis/web-api). A bot token acts on its own workspace only (an org-wide token on each workspace of
 * its organization): another team's users and channels are not found.
 */
import type { ApiContext, MethodSpec } from './api-context.js';
import { REQUEST_FAULT_CODES, SlackApiError } from './errors.js';
import type { FileStore } from './files.js';
import { cloneJson } from './json.js';
import type { MessageStore } from './messages.js';
import { CHAT_METHODS } from './methods-chat.js';
import { FILE_METHODS } from './methods-files.js';
import { INFO_METHODS } from './methods-info.js';
import { VIEW_METHODS } from './methods-views.js';
import type { OAuthServer } from './oauth.js';
import type { Recorder } from './recorder.js';
import type { BotGrant, TokenRegistry } from './tokens.js';
import type { TriggerRegistry } from './triggers.js';
import type { JsonObject, RecordedCall, StandInEnterprise } from './types.js';
import type { ViewStore } from './views.js';
import type { Workspace } from './workspace.js';

/** Every method the stand-in implements. */
export const METHODS: Readonly<Record<string, MethodSpec>> = {
  ...INFO_METHODS,
  ...CHAT_METHODS,
  ...VIEW_METHODS,
  ...FILE_METHODS,
};

/** A workspace with its messages and views, as a call acting on it needs them. */
export interface WorkspaceStores {
  workspace: Workspace;
  messages: MessageStore;
  views: ViewStore;
}

/** What the Web API front needs from the stand-in. */
export interface WebApiDeps {
  recorder: Recorder;
  triggers: TriggerRegistry;
  files: FileStore;
  /** The upload URL of an upload key, on the stand-in's own server. */
  uploadUrl: (uploadKey: string) => string;
  oauth: OAuthServer;
  tokens: TokenRegistry;
  /** The app-level token (`xapp-…`). */
  appToken: string;
  /** Milliseconds since the epoch. */
  now: () => number;
  openSocketUrl: () => string;
  /** The stand-in's first workspace (for calls that need none). */
  mainWorkspace: () => WorkspaceStores;
  /** Every workspace, in the order they were added. */
  workspaces: () => WorkspaceStores[];
  enterprise: (enterpriseId: string) => StandInEnterprise | undefined;
}

/** Arguments whose values are secrets: recorded as `[redacted]`. */
const SECRET_ARGUMENTS = ['client_secret', 'refresh_token', 'code'];

/** The token of a request: the `Authorization: Bearer` header, else the `token` argument. */
export function tokenOf(authorization: string | undefined, args: JsonObject): string | undefined {
  const bearer = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
  if (bearer !== undefined) return bearer;
  return typeof args.token === 'string' && args.token !== '' ? args.token : undefined;
}

function stringArg(args: JsonObject, key: string): string | undefined {
  const value = args[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * The workspace an org-wide token's call acts on: `team_id` (or `team`), else the workspace of the channel, user,
 * view or trigger the arguments name (docs.slack.dev/enterprise/organization-ready-apps: methods need `team_id`
 * only where nothing else tells the workspace).
 * @throws SlackApiError `team_access_not_granted` for a `team_id` outside the organization, `invalid_arguments`
 *   when nothing names a workspace.
 */
function pickWorkspace(deps: WebApiDeps, scope: WorkspaceStores[], args: JsonObject): WorkspaceStores {
  const [only] = scope;
  if (scope.length === 1 && only) return only;
  const teamId = stringArg(args, 'team_id') ?? stringArg(args, 'team');
  if (teamId !== undefined) {
    const found = scope.find((s) => s.workspace.team.id === teamId);
    if (!found) throw new SlackApiError('team_access_not_granted');
    return found;
  }
  const channel = stringArg(args, 'channel');
  const user =
    stringArg(args, 'user') ?? stringArg(args, 'user_id') ?? stringArg(args, 'users')?.split(',')[0];
  const viewId = stringArg(args, 'view_id');
  const externalId = stringArg(args, 'external_id');
  const triggerTeam = deps.triggers.teamOf(stringArg(args, 'trigger_id') ?? '');
  const found = scope.find(
    (s) =>
      (channel !== undefined &&
        (s.workspace.findChannel(channel) !== undefined || s.workspace.users.has(channel))) ||
      (user !== undefined && s.workspace.users.has(user.trim())) ||
      (viewId !== undefined && s.views.find(viewId) !== undefined) ||
      (externalId !== undefined && s.views.findByExternalId(externalId) !== undefined) ||
      (triggerTeam !== undefined && s.workspace.team.id === triggerTeam),
  );
  if (found) return found;
  throw new SlackApiError('invalid_arguments', ['[ERROR] team_id is required for org-level tokens']);
}

/**
 * The context of one call: its token checked for the method's kind, and the workspace(s) it serves.
 * @throws SlackApiError `not_authed` (no token), `not_allowed_token_type` (a bot token for an app-token method or
 *   the reverse), `invalid_auth`, `token_revoked`, `token_expired`.
 */
function contextOf(
  deps: WebApiDeps,
  spec: MethodSpec,
  args: JsonObject,
  authorization: string | undefined,
): ApiContext {
  const token = tokenOf(authorization, args);
  let scope: WorkspaceStores[] = [deps.mainWorkspace()];
  let grant: BotGrant | undefined;
  if (spec.token === 'app') {
    if (token === undefined) throw new SlackApiError('not_authed');
    if (token !== deps.appToken) {
      throw new SlackApiError(deps.tokens.find(token) ? 'not_allowed_token_type' : 'invalid_auth');
    }
  } else if (spec.token === 'bot') {
    if (token === undefined) throw new SlackApiError('not_authed');
    if (token === deps.appToken) throw new SlackApiError('not_allowed_token_type');
    const check = deps.tokens.check(token, deps.now());
    if (!check.ok) throw new SlackApiError(check.error);
    grant = check.grant;
    const { teamId, enterpriseId, isEnterpriseInstall } = grant;
    scope = deps
      .workspaces()
      .filter((s) =>
        isEnterpriseInstall ? s.workspace.enterprise?.id === enterpriseId : s.workspace.team.id === teamId,
      );
  }
  let picked: WorkspaceStores | undefined;
  const pick = (): WorkspaceStores => {
    picked ??= pickWorkspace(deps, scope, args);
    return picked;
  };
  return {
    get workspace() {
      return pick().workspace;
    },
    get messages() {
      return pick().messages;
    },
    get views() {
      return pick().views;
    },
    scope: scope.map((s) => s.workspace),
    grant,
    enterprise: grant?.enterpriseId === undefined ? undefined : deps.enterprise(grant.enterpriseId),
    recorder: deps.recorder,
    triggers: deps.triggers,
    files: deps.files,
    uploadUrl: deps.uploadUrl,
    oauth: deps.oauth,
    authorization,
    now: deps.now,
    openSocketUrl: deps.openSocketUrl,
  };
}

/**
 * The teams a token's calls act in (its workspace, or its organization and each of the organization's workspaces),
 * for faults limited to a team; empty for an unknown token.
 */
export function teamsOfToken(deps: WebApiDeps, token: string | undefined): string[] {
  const grant = token === undefined ? undefined : deps.tokens.find(token);
  if (!grant) return [];
  if (!grant.isEnterpriseInstall) return grant.teamId === undefined ? [] : [grant.teamId];
  const teams = deps
    .workspaces()
    .filter((s) => s.workspace.enterprise?.id === grant.enterpriseId)
    .map((s) => s.workspace.team.id);
  return grant.enterpriseId === undefined ? teams : [grant.enterpriseId, ...teams];
}

/**
 * Runs one Web API call and records it (without its token; client secrets, codes and refresh tokens redacted).
 *
 * @param method the method name from the URL (`chat.postMessage`).
 * @param args decoded arguments (may include `token`); undefined when the body could not be decoded (answered
 *   `invalid_json`).
 * @param authorization the request's `Authorization` header (a bearer token, or Basic client credentials).
 * @returns the JSON body Slack would answer with (always sent with HTTP 200).
 */
export function callMethod(
  deps: WebApiDeps,
  method: string,
  args: JsonObject | undefined,
  authorization: string | undefined,
): JsonObject {
  const { token: _omitted, ...callArgs } = args ?? {};
  const recordedArgs = cloneJson(callArgs);
  for (const key of SECRET_ARGUMENTS) if (key in recordedArgs) recordedArgs[key] = '[redacted]';
  const call: RecordedCall = { method, args: recordedArgs, at: deps.now(), ok: true };
  let body: JsonObject;
  try {
    const spec = METHODS[method];
    if (!spec) throw new SlackApiError('unknown_method');
    if (!args) throw new SlackApiError('invalid_json', ['[ERROR] the JSON body is not a JSON object']);
    const ctx = contextOf(deps, spec, args, authorization);
    body = { ok: true, ...spec.handler(ctx, callArgs) };
  } catch (error) {
    if (!(error instanceof SlackApiError)) throw error;
    call.ok = false;
    call.error = error.code;
    body = error.toBody();
    if (REQUEST_FAULT_CODES.has(error.code)) {
      const apiError = { method, error: error.code, args: call.args, at: call.at, messages: error.messages };
      deps.recorder.apiErrors.push(apiError);
      deps.recorder.emit({ kind: 'api_error', apiError });
    }
  }
  deps.recorder.calls.push(call);
  deps.recorder.emit({ kind: 'call', call });
  return body;
}
