import { randomUUID } from 'node:crypto';
import { EntitySchema } from '@mikro-orm/core';

/**
 * What one installation is installed on: `enterprise:<enterprise id>` for an Enterprise Grid org-wide install (it
 * serves every workspace of the enterprise), `team:<team id>` for a workspace. One row per tenant key.
 */
export function tenantKey(target: {
  isEnterpriseInstall: boolean;
  enterpriseId?: string | null;
  teamId?: string | null;
}): string {
  if (target.isEnterpriseInstall) {
    if (!target.enterpriseId) throw new Error('An org-wide installation needs its enterprise id');
    return `enterprise:${target.enterpriseId}`;
  }
  if (!target.teamId) throw new Error('A workspace installation needs its team id');
  return `team:${target.teamId}`;
}

/** What Slack's `oauth.v2.access` said about an installation, without its tokens (which the Slack side seals). */
export interface InstallationFacts {
  enterpriseId: string | null;
  enterpriseName: string | null;
  enterpriseUrl: string | null;
  teamId: string | null;
  teamName: string | null;
  isEnterpriseInstall: boolean;
  appId: string | null;
  botId: string;
  botUserId: string;
  /** The bot scopes granted, in Slack's order. */
  botScopes: string[];
  /** The Slack user who installed (or last reinstalled) the app. */
  installerUserId: string;
}

/** The sealed tokens of an installation (see src/lib/key-ring.ts): never the tokens themselves. */
export interface SealedBotTokens {
  botToken: string;
  /** Present when token rotation is on. */
  botRefreshToken: string | null;
  /** When the bot token expires (token rotation); null when it does not. */
  botTokenExpiresAt: Date | null;
}

/**
 * The app installed in one Slack workspace, or org-wide in an Enterprise Grid enterprise: who installed it, what
 * it may do, and its bot token (sealed with `INSTALLATION_KEY`'s key ring; with token rotation, also the sealed
 * refresh token and the expiry). Uninstalling or revoking clears the tokens and keeps the row, so a reinstall finds
 * the same organizations (docs.slack.dev/authentication/installing-with-oauth, .../tokens#rotation).
 */
export class SlackInstallation {
  id: string = randomUUID();
  tenantKey: string;
  enterpriseId: string | null;
  enterpriseName!: string | null;
  enterpriseUrl!: string | null;
  teamId: string | null;
  teamName!: string | null;
  isEnterpriseInstall: boolean;
  appId!: string | null;
  botId!: string;
  botUserId!: string;
  /** Space-separated bot scopes. */
  botScopes!: string;
  installerUserId!: string;
  /** Sealed bot token; null once uninstalled or revoked. */
  botToken!: string | null;
  botRefreshToken!: string | null;
  botTokenExpiresAt!: Date | null;
  /** When the app was first installed here. */
  createdAt: Date;
  /** When it was last installed, reinstalled, refreshed or uninstalled. */
  updatedAt!: Date;
  /** When the tokens were deleted (`app_uninstalled`, `tokens_revoked`); null while installed. */
  uninstalledAt: Date | null = null;

  constructor(facts: InstallationFacts, tokens: SealedBotTokens, now: Date) {
    this.tenantKey = tenantKey(facts);
    this.enterpriseId = facts.enterpriseId;
    this.teamId = facts.teamId;
    this.isEnterpriseInstall = facts.isEnterpriseInstall;
    this.createdAt = now;
    this.reinstall(facts, tokens, now);
  }

  /** A reinstall: new facts and tokens; the row (and its first install time) stays. */
  reinstall(facts: InstallationFacts, tokens: SealedBotTokens, now: Date): void {
    this.enterpriseName = facts.enterpriseName;
    this.enterpriseUrl = facts.enterpriseUrl;
    this.teamName = facts.teamName;
    this.appId = facts.appId;
    this.botId = facts.botId;
    this.botUserId = facts.botUserId;
    this.botScopes = facts.botScopes.join(' ');
    this.installerUserId = facts.installerUserId;
    this.replaceTokens(tokens, now);
    this.uninstalledAt = null;
  }

  /** New tokens (a refresh under token rotation, or a reinstall). */
  replaceTokens(tokens: SealedBotTokens, now: Date): void {
    this.botToken = tokens.botToken;
    this.botRefreshToken = tokens.botRefreshToken;
    this.botTokenExpiresAt = tokens.botTokenExpiresAt;
    this.updatedAt = now;
  }

  /** Deletes the tokens (uninstall, revocation); the row stays for a reinstall. */
  deleteTokens(now: Date): void {
    this.botToken = null;
    this.botRefreshToken = null;
    this.botTokenExpiresAt = null;
    this.uninstalledAt = now;
    this.updatedAt = now;
  }
}

export const SlackInstallationSchema = new EntitySchema<SlackInstallation>({
  class: SlackInstallation,
  tableName: 'slack_installations',
  indexes: [{ properties: ['enterpriseId'], name: 'slack_installations_enterprise_id_index' }],
  properties: {
    id: { type: 'text', primary: true },
    tenantKey: { type: 'text', fieldName: 'tenant_key', unique: 'slack_installations_tenant_key_unique' },
    enterpriseId: { type: 'text', fieldName: 'enterprise_id', nullable: true },
    enterpriseName: { type: 'text', fieldName: 'enterprise_name', nullable: true },
    enterpriseUrl: { type: 'text', fieldName: 'enterprise_url', nullable: true },
    teamId: { type: 'text', fieldName: 'team_id', nullable: true },
    teamName: { type: 'text', fieldName: 'team_name', nullable: true },
    isEnterpriseInstall: { type: 'boolean', fieldName: 'is_enterprise_install' },
    appId: { type: 'text', fieldName: 'app_id', nullable: true },
    botId: { type: 'text', fieldName: 'bot_id' },
    botUserId: { type: 'text', fieldName: 'bot_user_id' },
    botScopes: { type: 'text', fieldName: 'bot_scopes' },
    installerUserId: { type: 'text', fieldName: 'installer_user_id' },
    botToken: { type: 'text', fieldName: 'bot_token', nullable: true },
    botRefreshToken: { type: 'text', fieldName: 'bot_refresh_token', nullable: true },
    botTokenExpiresAt: { type: 'Date', fieldName: 'bot_token_expires_at', nullable: true },
    createdAt: { type: 'Date', fieldName: 'created_at' },
    updatedAt: { type: 'Date', fieldName: 'updated_at' },
    uninstalledAt: { type: 'Date', fieldName: 'uninstalled_at', nullable: true },
  },
});

/**
 * One `state` of Slack's OAuth install flow, issued by `GET /slack/install` and spent by `GET /slack/oauth_redirect`
 * (RFC 6749 §10.12: CSRF protection). Only the SHA-256 of the state is kept; a state is spent once (the row is
 * deleted by the redirect that presents it) and refused after `expiresAt`.
 */
export class SlackOAuthState {
  /** SHA-256 of the state, hex. */
  stateHash: string;
  /** The install URL options the flow started with (`@slack/oauth`'s InstallURLOptions), as JSON. */
  installOptions: Record<string, unknown>;
  createdAt: Date;
  expiresAt: Date;

  constructor(stateHash: string, installOptions: Record<string, unknown>, now: Date, expiresAt: Date) {
    this.stateHash = stateHash;
    this.installOptions = installOptions;
    this.createdAt = now;
    this.expiresAt = expiresAt;
  }
}

export const SlackOAuthStateSchema = new EntitySchema<SlackOAuthState>({
  class: SlackOAuthState,
  tableName: 'slack_oauth_states',
  properties: {
    stateHash: { type: 'text', primary: true, fieldName: 'state_hash' },
    installOptions: { type: 'json', fieldName: 'install_options' },
    createdAt: { type: 'Date', fieldName: 'created_at' },
    expiresAt: { type: 'Date', fieldName: 'expires_at' },
  },
});
