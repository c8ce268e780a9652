/**
 * How the bot reaches Slack's Web API for a workspace: one static bot token (single-workspace mode), or the token of
 * the installation serving the workspace (distribution mode: Slack's OAuth v2 install flow through `@slack/oauth`'s
 * `InstallProvider`, docs.slack.dev/authentication/installing-with-oauth). The Bolt app, the Slack delivery worker,
 * the error handler and the edge all get their client from here.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { readFileSync } from 'node:fs';
import type { Authorize, AuthorizeResult, AuthorizeSourceData } from '@slack/bolt';
import {
  type InstallationStore,
  InstallProvider,
  type InstallProviderOptions,
  type Logger as SlackLogger,
} from '@slack/oauth';
import { WebClient, type WebClientOptions } from '@slack/web-api';
import { parse } from 'yaml';
import type { InstallationTarget } from '../../domain/installations/installations.service.js';
import type { DatabaseInstallationStore } from './installation-store.js';

/** The workspace (and its enterprise, under Enterprise Grid) a Web API call is made for. */
export interface SlackTeamRef {
  teamId: string;
  enterpriseId?: string | null;
}

/** Which client options: calls made while a user waits, or the delivery worker's (no retries of its own). */
export type ClientPurpose = 'direct' | 'delivery';

/** The bot's way to Slack, in either mode. */
export interface SlackAccess {
  /** True in distribution mode. */
  readonly distribution: boolean;
  /** What the Bolt `App` is given: a static token, or an `authorize` function. */
  readonly appAuth: { token: string } | { authorize: Authorize<boolean> };
  /**
   * The Web API client of the bot serving a workspace.
   * @returns null when the app is not installed there (distribution mode); never rejects for that
   * @throws the store's errors (database, key ring) and Slack's (a failed token refresh)
   */
  clientFor(team: SlackTeamRef, purpose?: ClientPurpose): Promise<WebClient | null>;
}

/** Single-workspace mode: every call uses `SLACK_BOT_TOKEN`. */
export function staticTokenAccess(
  botToken: string,
  options: Record<ClientPurpose, WebClientOptions>,
): SlackAccess {
  const clients = {
    direct: new WebClient(botToken, options.direct),
    delivery: new WebClient(botToken, options.delivery),
  };
  return {
    distribution: false,
    appAuth: { token: botToken },
    clientFor: async (_team, purpose = 'direct') => clients[purpose],
  };
}

/**
 * The bot scopes requested at install: the `oauth_config.scopes.bot` list of `slack-manifest.yml`, the one source
 * (`npm run manifest:check` proves it covers every Web API call the code makes).
 * @throws Error when the file cannot be read or lists no bot scope
 */
export function manifestBotScopes(path = new URL('../../../slack-manifest.yml', import.meta.url)): string[] {
  const manifest = parse(readFileSync(path, 'utf8')) as { oauth_config?: { scopes?: { bot?: unknown } } };
  const scopes = manifest.oauth_config?.scopes?.bot;
  if (!Array.isArray(scopes) || scopes.length === 0 || !scopes.every((s) => typeof s === 'string')) {
    throw new Error('slack-manifest.yml lists no bot scopes under oauth_config.scopes.bot');
  }
  return scopes;
}

/** Keeps at most this many Web API clients (one per bot token and purpose); the oldest are dropped first. */
const MAX_CACHED_CLIENTS = 1000;

/**
 * Seconds before expiry from which `@slack/oauth` refreshes a bot token (its `EXPIRY_WINDOW`, two hours), plus a
 * minute of margin: a token this close to expiry is refreshed under the refresh lock.
 */
const REFRESH_WINDOW_SECONDS = 2 * 3600 + 60;

/** Set while an authorization runs under the refresh lock (its fetch may then hand out an expiring token). */
const underRefreshLock = new AsyncLocalStorage<true>();

/** The store's fetch, outside the refresh lock, found a bot token to refresh: authorize again under the lock. */
class RefreshUnderLock extends Error {
  constructor() {
    super('the bot token is to be refreshed under the refresh lock');
    this.name = 'RefreshUnderLock';
  }
}

/**
 * Distribution mode: tokens come from the installation store through `InstallProvider.authorize`, which also
 * refreshes a bot token that expires within two hours when token rotation is on, and stores the new one.
 *
 * Concurrent authorizations of one installation share one `authorize` call, so two payloads arriving together for
 * an expiring token cause one refresh, not two (a refresh token can be spent once). Across instances
 * (`refreshLock`, the database's named lock): an authorization whose stored token is about to expire runs again
 * under the lock `slack-token-refresh:<installation>`, reading the installation afresh inside it, so the instance
 * that comes second finds the token its peer refreshed and stores nothing.
 */
export class InstallationAccess implements SlackAccess {
  readonly distribution = true;
  readonly appAuth: { authorize: Authorize<boolean> };
  /** `@slack/oauth`'s provider: install path, OAuth callback, authorize. */
  readonly installer: InstallProvider;
  private readonly inFlight = new Map<string, Promise<AuthorizeResult>>();
  private readonly clients = new Map<string, WebClient>();

  /**
   * @param options `clientId` / `clientSecret` (the app's), `authorizationUrl` (Slack's authorize page),
   *   `redirectUri` (`PUBLIC_URL/slack/oauth_redirect`, as in the manifest), `scopes` (bot scopes), `store`,
   *   `clientOptions` per purpose (`slackApiUrl` and all), `logger`
   */
  constructor(
    private readonly options: {
      clientId: string;
      clientSecret: string;
      authorizationUrl: string;
      redirectUri: string;
      scopes: string[];
      store: DatabaseInstallationStore;
      clientOptions: Record<ClientPurpose, WebClientOptions>;
      logger: SlackLogger;
      renderHtmlForInstallPath?: InstallProviderOptions['renderHtmlForInstallPath'];
      /**
       * Runs `fn` under a lock named `name` that every instance on the database respects (src/db/named-lock.ts);
       * without it, token refreshes are coordinated within this process only.
       */
      refreshLock?: (name: string, fn: () => Promise<AuthorizeResult>) => Promise<AuthorizeResult>;
    },
  ) {
    this.installer = new InstallProvider({
      clientId: options.clientId,
      clientSecret: options.clientSecret,
      authorizationUrl: options.authorizationUrl,
      installationStore: options.refreshLock ? refreshingUnderLock(options.store) : options.store,
      stateStore: options.store,
      installUrlOptions: { scopes: options.scopes, redirectUri: options.redirectUri },
      clientOptions: options.clientOptions.direct,
      logger: options.logger,
      ...(options.renderHtmlForInstallPath
        ? { renderHtmlForInstallPath: options.renderHtmlForInstallPath }
        : {}),
    });
    this.appAuth = { authorize: (source) => this.authorize(source) };
  }

  /**
   * Bolt's `authorize`: the installation serving the payload's workspace (or its enterprise's org-wide install).
   * @throws AuthorizationError (from `@slack/oauth`) whose `original` is a `NotInstalledError` when the app is not
   *   installed there, or the store's / Slack's error
   */
  authorize(source: AuthorizeSourceData<boolean>): Promise<AuthorizeResult> {
    const key = targetKey(source);
    let pending = this.inFlight.get(key);
    if (!pending) {
      pending = this.authorizeOnce(source, key).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    // Each caller gets its own copy: Bolt adds fields to the result it is given.
    return pending.then((result) => ({ ...result }));
  }

  /** `installer.authorize`, again under the refresh lock when the stored token is about to expire. */
  private async authorizeOnce(source: AuthorizeSourceData<boolean>, key: string): Promise<AuthorizeResult> {
    const { refreshLock } = this.options;
    try {
      return await this.installer.authorize(source);
    } catch (err) {
      if (!refreshLock || !causedBy(err, 'RefreshUnderLock')) throw err;
      return refreshLock(`slack-token-refresh:${key}`, () =>
        underRefreshLock.run(true, () => this.installer.authorize(source)),
      );
    }
  }

  async clientFor(team: SlackTeamRef, purpose: ClientPurpose = 'direct'): Promise<WebClient | null> {
    let result: AuthorizeResult;
    try {
      result = await this.authorize({
        teamId: team.teamId,
        enterpriseId: team.enterpriseId ?? undefined,
        isEnterpriseInstall: false,
      });
    } catch (err) {
      if (isNotInstalled(err)) return null;
      throw err;
    }
    const token = result.botToken;
    if (!token) return null;
    const cacheKey = `${purpose}:${token}`;
    let client = this.clients.get(cacheKey);
    if (!client) {
      client = new WebClient(token, this.options.clientOptions[purpose]);
      if (this.clients.size >= MAX_CACHED_CLIENTS) {
        const oldest = this.clients.keys().next().value;
        if (oldest !== undefined) this.clients.delete(oldest);
      }
      this.clients.set(cacheKey, client);
    }
    return client;
  }
}

/** One key per installation query: concurrent payloads of one workspace share one authorization. */
function targetKey(source: InstallationTarget): string {
  return `${source.isEnterpriseInstall ? 'E' : 'T'}:${source.enterpriseId ?? ''}:${source.teamId ?? ''}`;
}

/**
 * `store` as the installer sees it when refreshes run under a lock: outside the lock, fetching an installation
 * whose bot token expires within {@link REFRESH_WINDOW_SECONDS} throws {@link RefreshUnderLock} (the installer
 * then has not refreshed anything), so the authorization runs again under the lock.
 */
function refreshingUnderLock(store: DatabaseInstallationStore): InstallationStore {
  return {
    storeInstallation: (installation) => store.storeInstallation(installation),
    fetchInstallation: async (query) => {
      const installation = await store.fetchInstallation(query);
      const expiresAt = installation.bot?.refreshToken ? installation.bot.expiresAt : undefined;
      const expiring = expiresAt !== undefined && expiresAt - Date.now() / 1000 <= REFRESH_WINDOW_SECONDS;
      if (expiring && !underRefreshLock.getStore()) throw new RefreshUnderLock();
      return installation;
    },
    deleteInstallation: (query) => store.deleteInstallation(query),
  };
}

/** True when `err`, or an error it wraps (`original`), is named `name`. */
function causedBy(err: unknown, name: string): boolean {
  let e: unknown = err;
  for (let depth = 0; depth < 5 && e instanceof Error; depth += 1) {
    if (e.name === name) return true;
    e = (e as { original?: unknown }).original;
  }
  return false;
}

/** True when `err` (or what it wraps) says the app is not installed for the payload's workspace. */
export function isNotInstalled(err: unknown): boolean {
  let e: unknown = err;
  for (let depth = 0; depth < 5 && e instanceof Error; depth += 1) {
    if (e.name === 'NotInstalledError') return true;
    e = (e as { original?: unknown }).original;
  }
  return false;
}
