/**
 * The bot tokens the stand-in has issued, one grant per token: which installation it belongs to (a workspace, or
 * a whole Enterprise Grid organization for an org-wide install), when it expires (token rotation) and whether it
 * was revoked. Web API calls resolve their workspace from here, and answer Slack's token errors
 * (docs.slack.dev/authentication/using-token-rotation, docs.slack.dev/enterprise/organization-ready-apps).
 */

/** One issued bot token. */
export interface BotGrant {
  readonly token: string;
  /**
   * The installation it belongs to: the team id of a workspace install, the enterprise id of an org-wide install.
   */
  readonly installId: string;
  /** The workspace of a workspace install; undefined for an org-wide install. */
  readonly teamId: string | undefined;
  /** The Enterprise Grid organization, for an org-wide install or a workspace of an organization. */
  readonly enterpriseId: string | undefined;
  readonly isEnterpriseInstall: boolean;
  readonly botUserId: string;
  readonly botId: string;
  readonly scopes: readonly string[];
  /** Milliseconds since the epoch when it stops working (token rotation); undefined: never. */
  readonly expiresAt: number | undefined;
  revoked: boolean;
}

/** Why a token is refused: Slack's error codes. */
export type TokenRefusal = 'invalid_auth' | 'token_revoked' | 'token_expired';

/** The grants by token. */
export class TokenRegistry {
  private readonly grants = new Map<string, BotGrant>();

  /** Records a new grant. */
  add(grant: Omit<BotGrant, 'revoked'>): BotGrant {
    const stored: BotGrant = { ...grant, revoked: false };
    this.grants.set(stored.token, stored);
    return stored;
  }

  /** A grant by its token, whatever its state. */
  find(token: string): BotGrant | undefined {
    return this.grants.get(token);
  }

  /**
   * The grant a call's token stands for, or Slack's refusal: `invalid_auth` (never issued), `token_revoked`
   * (uninstalled or revoked), `token_expired` (a rotating token past its `expires_in`).
   * @param nowMs milliseconds since the epoch
   */
  check(token: string, nowMs: number): { ok: true; grant: BotGrant } | { ok: false; error: TokenRefusal } {
    const grant = this.grants.get(token);
    if (!grant) return { ok: false, error: 'invalid_auth' };
    if (grant.revoked) return { ok: false, error: 'token_revoked' };
    if (grant.expiresAt !== undefined && nowMs >= grant.expiresAt)
      return { ok: false, error: 'token_expired' };
    return { ok: true, grant };
  }

  /** Revokes every token of an installation (team id or, for an org-wide install, enterprise id). */
  revokeInstall(installId: string): BotGrant[] {
    const revoked: BotGrant[] = [];
    for (const grant of this.grants.values()) {
      if (grant.installId === installId && !grant.revoked) {
        grant.revoked = true;
        revoked.push(grant);
      }
    }
    return revoked;
  }

  /** True while an installation has an unrevoked token (expired rotating tokens count: a refresh renews them). */
  hasUnrevoked(installId: string): boolean {
    for (const grant of this.grants.values())
      if (grant.installId === installId && !grant.revoked) return true;
    return false;
  }

  /** The newest unrevoked token of an installation (expired or not), if any. */
  latest(installId: string): BotGrant | undefined {
    let found: BotGrant | undefined;
    for (const grant of this.grants.values())
      if (grant.installId === installId && !grant.revoked) found = grant;
    return found;
  }
}
