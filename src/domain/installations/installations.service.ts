import type { EntityManager } from '@mikro-orm/core';
import type { Clock } from '../actor.js';
import type { AuditAction } from '../audit/actions.js';
import { recordAudit } from '../audit/audit.js';
import { Member } from '../members/member.entity.js';
import { Organization } from '../organizations/organization.entity.js';
import {
  type InstallationFacts,
  type SealedBotTokens,
  SlackInstallation,
  SlackOAuthState,
  tenantKey,
} from './slack-installation.entity.js';

/** Where a payload comes from, as Slack's installation queries say it (`@slack/oauth`'s `InstallationQuery`). */
export interface InstallationTarget {
  teamId?: string | undefined;
  enterpriseId?: string | undefined;
  isEnterpriseInstall: boolean;
}

/** Why an installation's tokens were deleted (the Events API event that said so). */
export type TokenDeletion = 'app_uninstalled' | 'tokens_revoked';

/**
 * The installations of the app (distribution mode): recording an install or reinstall, token refreshes, and the
 * deletion of tokens when a workspace uninstalls the app or revokes its tokens. Tokens reach it sealed (the Slack
 * side holds the key ring); the audit log of each organization the installation serves records who installed,
 * reinstalled or removed the app, never a token.
 */
export class InstallationsService {
  constructor(
    private readonly em: EntityManager,
    private readonly clock: Clock,
  ) {}

  /**
   * The installation that serves `target`: a workspace's own install, else its enterprise's org-wide install
   * (Enterprise Grid), whichever exists; tokens may be null when it was uninstalled.
   * @returns null when the app was never installed there
   */
  async find(target: InstallationTarget): Promise<SlackInstallation | null> {
    const keys: string[] = [];
    if (target.isEnterpriseInstall && target.enterpriseId) keys.push(tenantKey(target));
    if (target.teamId) keys.push(tenantKey({ isEnterpriseInstall: false, teamId: target.teamId }));
    if (!target.isEnterpriseInstall && target.enterpriseId) {
      keys.push(tenantKey({ isEnterpriseInstall: true, enterpriseId: target.enterpriseId }));
    }
    if (keys.length === 0) return null;
    const rows = await this.em.find(SlackInstallation, { tenantKey: { $in: keys } });
    // The most specific one first, in the order the keys were listed; an installed one before an uninstalled one.
    const ranked = keys
      .map((key) => rows.find((r) => r.tenantKey === key))
      .filter((r): r is SlackInstallation => r !== undefined);
    return ranked.find((r) => r.botToken !== null) ?? ranked[0] ?? null;
  }

  /**
   * Records an install (or a reinstall of the same workspace or enterprise: the row is updated and keeps its first
   * install time), in one transaction with the audit events of the organizations it serves
   * (`slack_app.installed` / `slack_app.reinstalled`, by the installing user, with the scopes; no token).
   * @returns the installation, and whether it was there before
   */
  async recordInstall(
    facts: InstallationFacts,
    tokens: SealedBotTokens,
  ): Promise<{ installation: SlackInstallation; reinstalled: boolean }> {
    return this.em.transactional(async (em) => {
      const now = this.clock.now();
      let installation = await em.findOne(SlackInstallation, { tenantKey: tenantKey(facts) });
      const reinstalled = installation !== null;
      if (installation) installation.reinstall(facts, tokens, now);
      else {
        installation = new SlackInstallation(facts, tokens, now);
        em.persist(installation);
      }
      await this.audit(em, installation, reinstalled ? 'slack_app.reinstalled' : 'slack_app.installed', now, {
        installerUserId: facts.installerUserId,
        scopes: installation.botScopes,
      });
      return { installation, reinstalled };
    });
  }

  /**
   * Replaces the tokens of installation `id` after a refresh (token rotation); nothing else changes and nothing is
   * audited (a refresh is routine).
   * @returns false when the installation is gone or was uninstalled meanwhile (the new tokens are then dropped)
   */
  async replaceTokens(id: string, tokens: SealedBotTokens): Promise<boolean> {
    return this.em.transactional(async (em) => {
      const installation = await em.findOne(SlackInstallation, { id });
      if (!installation || installation.botToken === null) return false;
      installation.replaceTokens(tokens, this.clock.now());
      return true;
    });
  }

  /**
   * Deletes the tokens of the installation serving `target` (the app was uninstalled, or its tokens revoked), with
   * a `slack_app.uninstalled` / `slack_app.tokens_revoked` audit event for each organization it served. The
   * organizations and their data stay: a reinstall binds back to them.
   * @returns false when there was nothing installed
   */
  async deleteTokens(target: InstallationTarget, reason: TokenDeletion): Promise<boolean> {
    return this.em.transactional(async (em) => {
      const keys = [tenantKey(target)];
      const installation = await em.findOne(SlackInstallation, { tenantKey: { $in: keys } });
      if (!installation || installation.botToken === null) return false;
      const now = this.clock.now();
      installation.deleteTokens(now);
      await this.audit(
        em,
        installation,
        reason === 'app_uninstalled' ? 'slack_app.uninstalled' : 'slack_app.tokens_revoked',
        now,
        {},
      );
      return true;
    });
  }

  /**
   * Keeps a new install flow `state` (by its hash) until `expiresAt`, with the options the flow started with; also
   * deletes states that expired (they can never be spent).
   */
  async issueState(
    stateHash: string,
    installOptions: Record<string, unknown>,
    expiresAt: Date,
  ): Promise<void> {
    const now = this.clock.now();
    await this.em.nativeDelete(SlackOAuthState, { expiresAt: { $lte: now } });
    await this.em.insert(SlackOAuthState, new SlackOAuthState(stateHash, installOptions, now, expiresAt));
  }

  /**
   * Spends a state: of two redirects presenting the same state, exactly one gets its options (a conditional
   * delete), and an expired or unknown state gets none.
   * @returns the install options the flow started with, or null
   */
  async spendState(stateHash: string): Promise<Record<string, unknown> | null> {
    const state = await this.em.findOne(SlackOAuthState, { stateHash });
    if (!state) return null;
    const deleted = await this.em.nativeDelete(SlackOAuthState, {
      stateHash,
      expiresAt: { $gt: this.clock.now() },
    });
    return deleted === 1 ? state.installOptions : null;
  }

  /** The organizations an installation serves: its workspace's, or every one of its enterprise (org-wide). */
  private organizationsServed(em: EntityManager, installation: SlackInstallation): Promise<Organization[]> {
    return installation.isEnterpriseInstall
      ? em.find(Organization, { slackEnterpriseId: installation.enterpriseId })
      : em.find(Organization, { slackTeamId: installation.teamId as string });
  }

  private async audit(
    em: EntityManager,
    installation: SlackInstallation,
    action: AuditAction,
    at: Date,
    details: Record<string, string>,
  ): Promise<void> {
    for (const organization of await this.organizationsServed(em, installation)) {
      const installer = details.installerUserId;
      const member = installer ? await em.findOne(Member, { organization, slackUserId: installer }) : null;
      recordAudit(em, {
        organization,
        actor: installer ? { member, slackUserId: installer } : null,
        action,
        targetType: 'slack_installation',
        targetId: installation.isEnterpriseInstall ? installation.enterpriseId : installation.teamId,
        details: { orgWide: installation.isEnterpriseInstall, ...details },
        at,
      });
    }
  }
}
