/**
 * The installation store and state store of distribution mode, over our database: `@slack/oauth`'s
 * `InstallationStore` (docs.slack.dev/tools/node-slack-sdk/oauth#storing-installations-in-a-database) and
 * `StateStore`. Tokens are sealed with the `INSTALLATION_KEY` key ring before they reach the database and opened
 * only when a payload needs them; a state is an HMAC-signed random value, kept (hashed) until spent once.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type {
  Installation,
  InstallationQuery,
  InstallationStore,
  InstallURLOptions,
  StateStore,
} from '@slack/oauth';
import type { Orm } from '../../db/orm.js';
import type { Clock } from '../../domain/actor.js';
import {
  InstallationsService,
  type TokenDeletion,
} from '../../domain/installations/installations.service.js';
import {
  type InstallationFacts,
  type SealedBotTokens,
  SlackInstallation,
  tenantKey,
} from '../../domain/installations/slack-installation.entity.js';
import { type KeyRing, KeyRingError } from '../../lib/key-ring.js';

/** Seconds an install flow's state stays valid (Slack's authorize page, then the redirect back). */
export const STATE_TTL_SECONDS = 600;

/**
 * Marks an installation read from the store: `@slack/oauth` hands a refreshed installation back to
 * `storeInstallation` as a copy of what `fetchInstallation` returned (spread, so this enumerable symbol stays), which
 * tells a token refresh (update the tokens of that row) from a new install (record it, audit it).
 */
const FETCHED_ROW = Symbol('installation row id');

/** Thrown by `fetchInstallation` when the app is not installed for the payload's workspace or enterprise. */
export class NotInstalledError extends Error {
  override name = 'NotInstalledError';
  constructor(
    readonly target: InstallationQuery<boolean>,
    /** True when it was installed once and then uninstalled or its tokens revoked. */
    readonly uninstalled: boolean,
  ) {
    super(
      uninstalled
        ? 'the app was uninstalled from this workspace (its tokens were deleted)'
        : 'the app is not installed in this workspace',
    );
  }
}

/** A state the OAuth redirect presented that this app did not issue, or that expired or was spent already. */
export class InstallStateError extends Error {
  override name = 'InstallStateError';
  /** `@slack/oauth`'s code for an invalid state (its failure page is chosen by code). */
  readonly code = 'slack_oauth_invalid_state';
}

/** Installations whose tokens {@link DatabaseInstallationStore.checkKeys} tries to open. */
const KEY_CHECK_SAMPLE = 20;

/**
 * Installations and install flow states in the database.
 *
 * Times: `@slack/oauth` reckons token expiry (`bot.expiresAt`, seconds since the epoch) by the wall clock; this
 * store keeps expiry in the app's {@link Clock} and converts both ways, so a test that moves the app's clock moves
 * the installer's view of expiry with it (the offset is zero with the system clock).
 */
export class DatabaseInstallationStore implements InstallationStore, StateStore {
  constructor(
    private readonly deps: {
      orm: Orm;
      clock: Clock;
      /** Seals and opens the bot and refresh tokens (`INSTALLATION_KEY`). */
      keyRing: KeyRing;
      /** Signs install flow states (`SLACK_STATE_SECRET`). */
      stateSecret: string;
    },
  ) {}

  private service(): InstallationsService {
    return new InstallationsService(this.deps.orm.em.fork(), this.deps.clock);
  }

  /** Milliseconds the app's clock is ahead of the wall clock. */
  private clockOffsetMs(): number {
    return this.deps.clock.now().getTime() - Date.now();
  }

  /**
   * Records an install from the OAuth callback (a new install or a reinstall, audited), or the refreshed tokens of an
   * installation that {@link fetchInstallation} returned (token rotation).
   * @throws Error when the installation has no bot (the app asks for bot scopes only) or lacks its team/enterprise
   */
  async storeInstallation<AuthVersion extends 'v1' | 'v2'>(
    installation: Installation<AuthVersion, boolean>,
  ): Promise<void> {
    const { bot } = installation;
    if (!bot)
      throw new Error('An installation without a bot user cannot be stored: the app needs its bot token');
    const isEnterpriseInstall = installation.isEnterpriseInstall === true;
    const facts: InstallationFacts = {
      enterpriseId: installation.enterprise?.id ?? null,
      enterpriseName: installation.enterprise?.name ?? null,
      enterpriseUrl: installation.enterpriseUrl ?? null,
      teamId: isEnterpriseInstall ? null : (installation.team?.id ?? null),
      teamName: isEnterpriseInstall ? null : (installation.team?.name ?? null),
      isEnterpriseInstall,
      appId: installation.appId ?? null,
      botId: bot.id,
      botUserId: bot.userId,
      botScopes: bot.scopes,
      installerUserId: installation.user.id,
    };
    const key = tenantKey(facts);
    const tokens: SealedBotTokens = {
      botToken: this.deps.keyRing.seal(bot.token, `${key}:bot`),
      botRefreshToken: bot.refreshToken ? this.deps.keyRing.seal(bot.refreshToken, `${key}:refresh`) : null,
      botTokenExpiresAt:
        bot.expiresAt !== undefined ? new Date(bot.expiresAt * 1000 + this.clockOffsetMs()) : null,
    };
    const rowId = (installation as { [FETCHED_ROW]?: string })[FETCHED_ROW];
    if (rowId) await this.service().replaceTokens(rowId, tokens);
    else await this.service().recordInstall(facts, tokens);
  }

  /**
   * The installation serving a payload's workspace (or its enterprise's org-wide install), tokens opened.
   * @throws NotInstalledError when there is none, it was uninstalled, or no key of `INSTALLATION_KEY` opens its
   *   tokens any more (the workspace then installs again)
   */
  async fetchInstallation(query: InstallationQuery<boolean>): Promise<Installation<'v2', boolean>> {
    const row = await this.service().find(query);
    if (!row || row.botToken === null) throw new NotInstalledError(query, row !== null);
    try {
      return this.toInstallation(row, row.botToken);
    } catch (err) {
      // Sealed with a key no longer in INSTALLATION_KEY: the tokens are lost to us; a reinstall seals new ones.
      if (err instanceof KeyRingError) throw new NotInstalledError(query, true);
      throw err;
    }
  }

  /**
   * Deletes the tokens of the installation for `query` (`app_uninstalled`); the row and the organizations stay.
   * {@link deleteTokens} says why.
   */
  async deleteInstallation(query: InstallationQuery<boolean>): Promise<void> {
    await this.deleteTokens(query, 'app_uninstalled');
  }

  /** Deletes the tokens of the installation for `query`, auditing `reason`; false when nothing was installed. */
  deleteTokens(query: InstallationQuery<boolean>, reason: TokenDeletion): Promise<boolean> {
    return this.service().deleteTokens(query, reason);
  }

  /**
   * Re-seals with the current key every token sealed with an older key of the ring, so the older key can then be
   * removed from `INSTALLATION_KEY`.
   * @returns how many installations were re-sealed, and the tenant keys of those no key of the ring opens (their
   *   workspaces must install again; nothing is changed for them)
   */
  async resealAll(): Promise<{ resealed: number; unopenable: string[] }> {
    const { keyRing } = this.deps;
    const em = this.deps.orm.em.fork();
    const rows = await em.find(SlackInstallation, { botToken: { $ne: null } });
    let count = 0;
    const unopenable: string[] = [];
    for (const row of rows) {
      const stale = [row.botToken, row.botRefreshToken].some((v) => v !== null && keyRing.needsReseal(v));
      if (!stale) continue;
      if (!this.opens(row)) {
        unopenable.push(row.tenantKey);
        continue;
      }
      const reseal = (value: string | null, purpose: string): string | null =>
        value === null
          ? null
          : keyRing.seal(keyRing.open(value, `${row.tenantKey}:${purpose}`), `${row.tenantKey}:${purpose}`);
      row.botToken = reseal(row.botToken, 'bot');
      row.botRefreshToken = reseal(row.botRefreshToken, 'refresh');
      count += 1;
    }
    await em.flush();
    return { resealed: count, unopenable };
  }

  /**
   * Readiness: the store answers, and when installations hold tokens, the key ring opens at least one of the
   * {@link KEY_CHECK_SAMPLE} newest (an instance given another `INSTALLATION_KEY` than the one they were sealed
   * with opens none, and would answer no workspace).
   * @throws Error saying so, or the database's error
   */
  async checkKeys(): Promise<void> {
    const rows = await this.deps.orm.em
      .fork()
      .find(
        SlackInstallation,
        { botToken: { $ne: null } },
        { orderBy: { updatedAt: 'desc' }, limit: KEY_CHECK_SAMPLE },
      );
    if (rows.length > 0 && !rows.some((row) => this.opens(row))) {
      throw new Error(
        `INSTALLATION_KEY opens none of the ${rows.length} newest installations' tokens: it is not the key they were sealed with (every instance needs the same INSTALLATION_KEY)`,
      );
    }
  }

  /** True when the ring opens the row's bot token. */
  private opens(row: SlackInstallation): boolean {
    try {
      this.deps.keyRing.open(row.botToken as string, `${row.tenantKey}:bot`);
      return true;
    } catch {
      return false;
    }
  }

  private toInstallation(row: SlackInstallation, sealedBotToken: string): Installation<'v2', boolean> {
    const { keyRing } = this.deps;
    const bot: NonNullable<Installation['bot']> = {
      token: keyRing.open(sealedBotToken, `${row.tenantKey}:bot`),
      scopes: row.botScopes ? row.botScopes.split(' ') : [],
      id: row.botId,
      userId: row.botUserId,
    };
    if (row.botRefreshToken) bot.refreshToken = keyRing.open(row.botRefreshToken, `${row.tenantKey}:refresh`);
    if (row.botTokenExpiresAt) {
      bot.expiresAt = Math.floor((row.botTokenExpiresAt.getTime() - this.clockOffsetMs()) / 1000);
    }
    const installation = {
      team: row.isEnterpriseInstall
        ? undefined
        : { id: row.teamId as string, ...(row.teamName ? { name: row.teamName } : {}) },
      enterprise: row.enterpriseId
        ? { id: row.enterpriseId, ...(row.enterpriseName ? { name: row.enterpriseName } : {}) }
        : undefined,
      user: { id: row.installerUserId, token: undefined, scopes: undefined },
      bot,
      ...(row.appId ? { appId: row.appId } : {}),
      ...(row.enterpriseUrl ? { enterpriseUrl: row.enterpriseUrl } : {}),
      tokenType: 'bot' as const,
      isEnterpriseInstall: row.isEnterpriseInstall,
      authVersion: 'v2' as const,
      [FETCHED_ROW]: row.id,
    };
    return installation as Installation<'v2', boolean>;
  }

  // ── StateStore ─────────────────────────────────────────────────────────────────────────────────────────────

  /**
   * A new state for an install flow: 32 random bytes and their HMAC-SHA256 under `SLACK_STATE_SECRET`, base64url
   * (`<random>.<mac>`), kept (hashed) for {@link STATE_TTL_SECONDS}.
   */
  async generateStateParam(installOptions: InstallURLOptions, now: Date): Promise<string> {
    const random = randomBytes(32).toString('base64url');
    const state = `${random}.${this.mac(random)}`;
    const expiresAt = new Date(now.getTime() + STATE_TTL_SECONDS * 1000);
    await this.service().issueState(hashState(state), { ...installOptions }, expiresAt);
    return state;
  }

  /**
   * Spends a state presented by the OAuth redirect.
   * @returns the install options the flow started with
   * @throws Error (`@slack/oauth` answers it with the failure page) when the state is forged (bad MAC), unknown,
   *   expired or already spent
   */
  async verifyStateParam(_now: Date, state: string): Promise<InstallURLOptions> {
    const [random, mac] = state.split('.');
    const expected = random ? this.mac(random) : '';
    if (
      !random ||
      !mac ||
      mac.length !== expected.length ||
      !timingSafeEqual(Buffer.from(mac), Buffer.from(expected))
    ) {
      throw new InstallStateError('The install state was not issued by this app');
    }
    const options = await this.service().spendState(hashState(state));
    if (!options) throw new InstallStateError('The install state expired or was already used');
    return options as unknown as InstallURLOptions;
  }

  private mac(random: string): string {
    return createHmac('sha256', this.deps.stateSecret).update(random).digest('base64url');
  }
}

function hashState(state: string): string {
  return createHash('sha256').update(state).digest('hex');
}
