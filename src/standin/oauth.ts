/**
 * Slack's OAuth v2 for one distributed app (docs.slack.dev/authentication/installing-with-oauth):
 * `GET /oauth/v2/authorize` (the install page: a user allows the app on a workspace, or org-wide on an Enterprise
 * Grid organization, and is redirected with a temporary `code`), and the `oauth.v2.access` method (the code
 * exchanged for a bot token; with token rotation also `grant_type=refresh_token`,
 * docs.slack.dev/authentication/using-token-rotation).
 */
import { SlackApiError } from './errors.js';
import type { IdFactory } from './ids.js';
import type { BotGrant, TokenRegistry } from './tokens.js';
import type { JsonObject, OAuthAppInput, StandInEnterprise, StandInUser } from './types.js';
import type { Workspace } from './workspace.js';

/** A temporary code lives 10 minutes (docs.slack.dev/reference/methods/oauth.v2.access). */
export const CODE_LIFETIME_MS = 10 * 60 * 1000;
/** Slack's rotating access tokens live 12 hours. */
export const DEFAULT_TOKEN_LIFETIME_SECONDS = 43_200;

/** The app's OAuth settings, defaults applied. */
export interface OAuthApp {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly redirectUri: string | undefined;
  readonly scopes: readonly string[] | undefined;
  readonly tokenRotation: boolean;
  readonly tokenLifetimeSeconds: number;
}

/** What is installed: one workspace, or a whole organization (org-wide install). */
type InstallTarget =
  | { kind: 'workspace'; workspace: Workspace }
  | { kind: 'org'; enterprise: StandInEnterprise };

interface IssuedCode {
  clientId: string;
  target: InstallTarget;
  userId: string;
  /** The `redirect_uri` of the authorize request, which the exchange must repeat; undefined when none was given. */
  redirectUri: string | undefined;
  scopes: string[];
  issuedAt: number;
  used: boolean;
}

interface IssuedRefreshToken {
  clientId: string;
  target: InstallTarget;
  scopes: string[];
  used: boolean;
}

/** An HTTP answer of the authorize page. */
export interface PageAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** What the OAuth side needs from the stand-in. */
export interface OAuthDeps {
  appId: string;
  ids: IdFactory;
  tokens: TokenRegistry;
  /** Milliseconds since the epoch. */
  now: () => number;
  workspace: (teamId: string) => Workspace | undefined;
  enterprise: (enterpriseId: string) => StandInEnterprise | undefined;
  /** Every workspace, in the order they were added. */
  workspaces: () => Workspace[];
  enterprises: () => StandInEnterprise[];
}

const HTML_ENTITIES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ENTITIES[c] ?? c);
}

function page(status: number, title: string, body: string): PageAnswer {
  const html = `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body>${body}</body></html>`;
  return { status, headers: { 'content-type': 'text/html; charset=utf-8' }, body: html };
}

function errorPage(error: string, detail: string): PageAnswer {
  return page(
    400,
    'Slack OAuth error',
    `<h1>Something went wrong when authorizing this app.</h1><p id="error">${escapeHtml(error)}</p><p>${escapeHtml(detail)}</p>`,
  );
}

function splitScopes(text: string | null | undefined): string[] {
  return (text ?? '')
    .split(/[,\s]+/)
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** `url` with query parameters added (keeping its own). */
function withQuery(url: string, params: Record<string, string | undefined>): string {
  const target = new URL(url);
  for (const [key, value] of Object.entries(params))
    if (value !== undefined) target.searchParams.set(key, value);
  return target.toString();
}

/** Client credentials from HTTP Basic (RFC 6749 §2.3.1: form-urlencoded, then base64) or the body. */
function clientCredentials(
  authorization: string | undefined,
  args: JsonObject,
): { clientId: string | undefined; clientSecret: string | undefined } {
  const basic = /^Basic\s+(\S+)$/i.exec(authorization ?? '')?.[1];
  if (basic !== undefined) {
    const decoded = Buffer.from(basic, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon >= 0) {
      const decode = (s: string): string => {
        try {
          return decodeURIComponent(s.replace(/\+/g, ' '));
        } catch {
          return s;
        }
      };
      return { clientId: decode(decoded.slice(0, colon)), clientSecret: decode(decoded.slice(colon + 1)) };
    }
  }
  const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
  return { clientId: str(args.client_id), clientSecret: str(args.client_secret) };
}

/** The authorize page and `oauth.v2.access` of the one app the stand-in plays. */
export class OAuthServer {
  private app: OAuthApp | undefined;
  private readonly installingUsers = new Map<string, string>();
  private readonly codes = new Map<string, IssuedCode>();
  private readonly refreshTokens = new Map<string, IssuedRefreshToken>();
  private readonly refreshes = new Map<string, number>();

  constructor(private readonly deps: OAuthDeps) {}

  /**
   * Registers the app (replacing an earlier registration).
   * @throws Error without a client id or secret, or for a token lifetime that is not a positive whole number
   */
  register(input: OAuthAppInput): OAuthApp {
    if (input.clientId === '' || input.clientSecret === '')
      throw new Error('oauthApp needs a clientId and a clientSecret');
    const lifetime = input.tokenLifetimeSeconds ?? DEFAULT_TOKEN_LIFETIME_SECONDS;
    if (!Number.isInteger(lifetime) || lifetime < 1)
      throw new Error('tokenLifetimeSeconds must be a whole number ≥ 1');
    this.app = {
      clientId: input.clientId,
      clientSecret: input.clientSecret,
      redirectUri: input.redirectUri,
      scopes: input.scopes ? [...input.scopes] : undefined,
      tokenRotation: input.tokenRotation ?? false,
      tokenLifetimeSeconds: lifetime,
    };
    return this.app;
  }

  /** The user who clicks "Allow" on a workspace's (or organization's) install page. */
  setInstallingUser(teamOrEnterpriseId: string, userId: string): void {
    this.installingUsers.set(teamOrEnterpriseId, userId);
  }

  /** How many times `grant_type=refresh_token` succeeded for an installation (team id, or enterprise id). */
  refreshCount(installId: string): number {
    return this.refreshes.get(installId) ?? 0;
  }

  /** Spends every refresh token of an installation (uninstalled or revoked: they can no longer renew it). */
  revokeInstall(installId: string): void {
    for (const refresh of this.refreshTokens.values()) {
      if (installIdOf(refresh.target) === installId) refresh.used = true;
    }
  }

  /**
   * `GET /oauth/v2/authorize?client_id&scope&user_scope&redirect_uri&state&team` (or `enterprise=<id>` for an
   * org-wide install). With a workspace or organization chosen, the user "allows" at once: 302 to
   * `redirect_uri?code=…&state=…`; with `choice=deny`, 302 to `redirect_uri?error=access_denied&state=…`. Without
   * one, an HTML page with one plain "Allow" link per workspace and organization, and a "Cancel" link. The
   * installing user is the `user` query parameter, else the one set with `setInstallingUser`, else the first
   * person of the workspace (of the organization's first workspace).
   * @param url the request URL.
   * @param selfUrl this page's own address, for the links of the choice page.
   * @returns a 302, the choice page, or a 400 error page (unknown client or workspace, bad `redirect_uri` or scope).
   */
  authorize(url: URL, selfUrl: string): PageAnswer {
    const q = url.searchParams;
    const app = this.app;
    if (!app || q.get('client_id') !== app.clientId) {
      return errorPage('invalid_client_id', 'The client_id is not that of a registered app.');
    }
    const requested = q.get('redirect_uri') ?? undefined;
    if (requested !== undefined && app.redirectUri !== undefined && !requested.startsWith(app.redirectUri)) {
      return errorPage(
        'bad_redirect_uri',
        'The redirect_uri does not match the redirect URL in the app settings.',
      );
    }
    const redirectUri = requested ?? app.redirectUri;
    if (redirectUri === undefined) {
      return errorPage('bad_redirect_uri', 'No redirect_uri was given and the app has no redirect URL.');
    }
    const scopes = q.has('scope') ? splitScopes(q.get('scope')) : [...(app.scopes ?? [])];
    if (scopes.length === 0) return errorPage('invalid_scope', 'No scope was requested.');
    const unknown = app.scopes ? scopes.filter((s) => !app.scopes?.includes(s)) : [];
    if (unknown.length > 0)
      return errorPage('invalid_scope', `Scopes not in the app settings: ${unknown.join(', ')}`);
    const state = q.get('state') ?? undefined;

    const teamId = q.get('team');
    const enterpriseId = q.get('enterprise');
    if (teamId === null && enterpriseId === null) return this.choicePage(url, selfUrl);
    if (q.get('choice') === 'deny') {
      return {
        status: 302,
        headers: { location: withQuery(redirectUri, { error: 'access_denied', state }) },
        body: '',
      };
    }
    let target: InstallTarget;
    if (enterpriseId !== null) {
      const enterprise = this.deps.enterprise(enterpriseId);
      if (!enterprise) return errorPage('invalid_team', `No organization ${enterpriseId}.`);
      target = { kind: 'org', enterprise };
    } else {
      const workspace = this.deps.workspace(teamId ?? '');
      if (!workspace) return errorPage('invalid_team', `No workspace ${teamId}.`);
      target = { kind: 'workspace', workspace };
    }
    const user = this.installingUser(target, q.get('user') ?? undefined);
    if (!user)
      return errorPage('invalid_user', 'No installing user: set one with setInstallingUser or ?user=.');
    const code = this.deps.ids.oauthCode();
    this.codes.set(code, {
      clientId: app.clientId,
      target,
      userId: user.id,
      redirectUri: requested,
      scopes,
      issuedAt: this.deps.now(),
      used: false,
    });
    return { status: 302, headers: { location: withQuery(redirectUri, { code, state }) }, body: '' };
  }

  /**
   * `oauth.v2.access`: client credentials by HTTP Basic or `client_id` / `client_secret`; `grant_type`
   * `authorization_code` (default; `code`, and `redirect_uri` when the authorize request had one) or
   * `refresh_token`.
   * @returns the success body without `ok`: `app_id`, `authed_user: { id }` (code exchange), `scope`,
   *   `token_type: 'bot'`, `access_token`, `bot_user_id`, `team` (null for an org-wide install), `enterprise`
   *   (null outside a Grid), `is_enterprise_install`, and with rotation `refresh_token` and `expires_in` (seconds).
   * @throws SlackApiError `invalid_client_id`, `bad_client_secret`, `invalid_grant_type`, `invalid_code` (unknown,
   *   used, or older than 10 minutes), `bad_redirect_uri`, `invalid_refresh_token` (unknown, spent, or uninstalled).
   */
  access(args: JsonObject, authorization: string | undefined): JsonObject {
    const app = this.app;
    const { clientId, clientSecret } = clientCredentials(authorization, args);
    if (!app || clientId !== app.clientId) throw new SlackApiError('invalid_client_id');
    if (clientSecret !== app.clientSecret) throw new SlackApiError('bad_client_secret');
    const grantType = args.grant_type ?? 'authorization_code';
    if (grantType === 'authorization_code') return this.exchangeCode(app, args);
    if (grantType === 'refresh_token') return this.refresh(app, args);
    throw new SlackApiError('invalid_grant_type');
  }

  private exchangeCode(app: OAuthApp, args: JsonObject): JsonObject {
    const code = typeof args.code === 'string' ? this.codes.get(args.code) : undefined;
    if (!code || code.used || code.clientId !== app.clientId) throw new SlackApiError('invalid_code');
    if (this.deps.now() - code.issuedAt >= CODE_LIFETIME_MS) throw new SlackApiError('invalid_code');
    const redirectUri =
      typeof args.redirect_uri === 'string' && args.redirect_uri !== '' ? args.redirect_uri : undefined;
    if (code.redirectUri !== undefined && redirectUri !== code.redirectUri)
      throw new SlackApiError('bad_redirect_uri');
    code.used = true;
    return { ...this.mint(app, code.target, code.scopes), authed_user: { id: code.userId } };
  }

  private refresh(app: OAuthApp, args: JsonObject): JsonObject {
    const token = typeof args.refresh_token === 'string' ? args.refresh_token : '';
    const refresh = this.refreshTokens.get(token);
    if (!refresh || refresh.used || refresh.clientId !== app.clientId)
      throw new SlackApiError('invalid_refresh_token');
    refresh.used = true;
    const installId = installIdOf(refresh.target);
    this.refreshes.set(installId, this.refreshCount(installId) + 1);
    return this.mint(app, refresh.target, refresh.scopes);
  }

  /** A fresh bot token for the installation (and with rotation a refresh token), as the response fields. */
  private mint(app: OAuthApp, target: InstallTarget, scopes: string[]): JsonObject {
    const { ids, tokens, now } = this.deps;
    const enterprise = target.kind === 'org' ? target.enterprise : target.workspace.enterprise;
    const bot =
      target.kind === 'org'
        ? { userId: target.enterprise.botUserId, botId: target.enterprise.botId }
        : { userId: target.workspace.bot.userId, botId: target.workspace.bot.botId };
    const grant: BotGrant = tokens.add({
      token: app.tokenRotation ? ids.rotatingBotToken() : ids.botToken(),
      installId: installIdOf(target),
      teamId: target.kind === 'workspace' ? target.workspace.team.id : undefined,
      enterpriseId: enterprise?.id,
      isEnterpriseInstall: target.kind === 'org',
      botUserId: bot.userId,
      botId: bot.botId,
      scopes,
      expiresAt: app.tokenRotation ? now() + app.tokenLifetimeSeconds * 1000 : undefined,
    });
    const body: JsonObject = {
      app_id: this.deps.appId,
      scope: scopes.join(','),
      token_type: 'bot',
      access_token: grant.token,
      bot_user_id: bot.userId,
      team:
        target.kind === 'workspace'
          ? { id: target.workspace.team.id, name: target.workspace.team.name }
          : null,
      enterprise: enterprise ? { id: enterprise.id, name: enterprise.name } : null,
      is_enterprise_install: target.kind === 'org',
    };
    if (app.tokenRotation) {
      const refreshToken = ids.refreshToken();
      this.refreshTokens.set(refreshToken, { clientId: app.clientId, target, scopes, used: false });
      body.refresh_token = refreshToken;
      body.expires_in = app.tokenLifetimeSeconds;
    }
    return body;
  }

  private installingUser(target: InstallTarget, requested: string | undefined): StandInUser | undefined {
    const workspaces =
      target.kind === 'workspace'
        ? [target.workspace]
        : this.deps.workspaces().filter((w) => w.enterprise?.id === target.enterprise.id);
    const wanted = requested ?? this.installingUsers.get(installIdOf(target));
    for (const workspace of workspaces) {
      for (const user of workspace.users.values()) {
        const isPerson = !user.isBot && !user.deleted && workspace.isOwnUser(user);
        if (isPerson && (wanted === undefined || user.id === wanted)) return user;
      }
    }
    return undefined;
  }

  private choicePage(url: URL, selfUrl: string): PageAnswer {
    const link = (params: Record<string, string>, text: string, id: string): string => {
      const target = new URL(selfUrl);
      for (const [key, value] of url.searchParams) target.searchParams.set(key, value);
      for (const [key, value] of Object.entries(params)) target.searchParams.set(key, value);
      return `<li><a id="${escapeHtml(id)}" href="${escapeHtml(target.toString())}">${escapeHtml(text)}</a></li>`;
    };
    const items = [
      ...this.deps
        .workspaces()
        .map((w) => link({ team: w.team.id }, `Allow on ${w.team.name}`, `allow-${w.team.id}`)),
      ...this.deps
        .enterprises()
        .map((e) => link({ enterprise: e.id }, `Allow on the whole organization ${e.name}`, `allow-${e.id}`)),
    ];
    const cancel = this.deps.workspaces()[0];
    const cancelLink = cancel ? link({ team: cancel.team.id, choice: 'deny' }, 'Cancel', 'cancel') : '';
    return page(
      200,
      'Install the app',
      `<h1>Install the app on a workspace</h1><ul>${items.join('')}${cancelLink}</ul>`,
    );
  }
}

function installIdOf(target: InstallTarget): string {
  return target.kind === 'org' ? target.enterprise.id : target.workspace.team.id;
}
