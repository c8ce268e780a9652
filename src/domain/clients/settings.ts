/** Settings of the OAuth API clients (from `Config.clients`; see src/config.ts). Milliseconds. */
export interface ClientSettings {
  /** How long a rotated-out secret keeps working (`CLIENT_SECRET_GRACE_PERIOD`, default 24 h). */
  secretGracePeriodMs: number;
  /** Lifetime of an access token (`ACCESS_TOKEN_LIFETIME`, default 1 h). */
  accessTokenLifetimeMs: number;
  /**
   * What a leaked client secret does to its client (`LEAK_ACTION`, default `disable`): `disable` disables it;
   * `rotate` leaves it enabled, the leaked secret void and its tokens revoked (an admin's Rotate issues the new one).
   */
  leakAction?: 'disable' | 'rotate';
}

/** The defaults of DESIGN.md and issue 4: 24 hours of grace, one-hour tokens. */
export const DEFAULT_CLIENT_SETTINGS: ClientSettings = {
  secretGracePeriodMs: 24 * 3_600_000,
  accessTokenLifetimeMs: 3_600_000,
};

/** "last used" is written at most this often per client (milliseconds), so busy clients cost no write per call. */
export const LAST_USED_WRITE_INTERVAL_MS = 60_000;
