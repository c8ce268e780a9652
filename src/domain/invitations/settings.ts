import { TokenSealer } from './token.js';

/** How long an invitation (or a request) stays open: 7 days, in milliseconds (DESIGN.md §3). */
export const INVITATION_TTL_MS = 7 * 24 * 60 * 60 * 1000;

/** The window of the per-organization invitation cap, in milliseconds. */
export const INVITATION_CAP_WINDOW_MS = 24 * 60 * 60 * 1000;

/** What the invitations service needs from the configuration. */
export interface InvitationSettings {
  /** Cap on invitations and requests an organization may create per 24 hours. */
  perDay: number;
  /** Lifetime of an invitation, in milliseconds. */
  ttlMs: number;
  /** Seals unsent tokens in the mail outbox. */
  sealer: TokenSealer;
  /** Right-hand side of the mails' Message-IDs (the domain of `MAIL_FROM`). */
  messageDomain: string;
}

/** Where the outbox key came from, for the start-up log line. */
export type InvitationKeySource = 'INVITATION_KEY' | 'SLACK_SIGNING_SECRET' | 'random';

/** The domain of an address such as `AstroBee <no-reply@example.com>`; `localhost` when there is none. */
export function mailDomain(mailFrom: string): string {
  const match = /@([A-Za-z0-9.-]+)>?\s*$/.exec(mailFrom.trim());
  return match?.[1]?.toLowerCase() ?? 'localhost';
}

/**
 * The configuration values the settings are built from, passed as plain values by the composition root
 * (src/app.ts, src/console): the domain reads no configuration of its own.
 */
export interface InvitationSettingsSource {
  /** `INVITATION_KEY`, if set. */
  invitationKey?: string;
  /** `SLACK_SIGNING_SECRET`, if set (HTTP mode). */
  signingSecret?: string;
  /** `INVITATIONS_PER_DAY`: cap on invitations and requests per organization per 24 hours. */
  perDay: number;
  /** `MAIL_FROM`, e.g. `AstroBee <no-reply@example.com>`. */
  mailFrom: string;
}

/**
 * Builds the settings from configuration values. The sealing key comes from `INVITATION_KEY`; without it, from
 * `SLACK_SIGNING_SECRET` (a stable server secret in HTTP mode, under its own HKDF label); without either (console
 * mode, tests), from random bytes, so mail still queued when the process stops cannot be sent after a restart (the
 * worker marks it failed and an Admin resends).
 */
export function invitationSettingsFrom(source: InvitationSettingsSource): {
  settings: InvitationSettings;
  keySource: InvitationKeySource;
} {
  const keySource: InvitationKeySource = source.invitationKey
    ? 'INVITATION_KEY'
    : source.signingSecret
      ? 'SLACK_SIGNING_SECRET'
      : 'random';
  const sealer =
    keySource === 'INVITATION_KEY'
      ? new TokenSealer(source.invitationKey ?? '')
      : keySource === 'SLACK_SIGNING_SECRET'
        ? new TokenSealer(`signing-secret:${source.signingSecret ?? ''}`)
        : TokenSealer.random();
  return {
    settings: {
      perDay: source.perDay,
      ttlMs: INVITATION_TTL_MS,
      sealer,
      messageDomain: mailDomain(source.mailFrom),
    },
    keySource,
  };
}

let fallback: InvitationSettings | undefined;

/**
 * Settings used when none are passed (domain tests): a cap of 50 per day, 7 days, a random key made once per
 * process.
 */
export function defaultInvitationSettings(): InvitationSettings {
  fallback ??= {
    perDay: 50,
    ttlMs: INVITATION_TTL_MS,
    sealer: TokenSealer.random(),
    messageDomain: 'localhost',
  };
  return fallback;
}
