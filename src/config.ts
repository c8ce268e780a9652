/**
 * Configuration: the environment is parsed once, here, with zod (DESIGN.md §4). Nothing else reads `process.env`.
 */
import proxyaddr from 'proxy-addr';
import { z } from 'zod';

/** How the bot talks to Slack, chosen from which credentials are present. */
export type Mode = 'socket' | 'http' | 'console';

const nonEmpty = (name: string) =>
  z
    .string()
    .trim()
    .min(1, `${name} must not be empty`)
    .refine((v) => !/\s/.test(v), `${name} must not contain whitespace`);

const optionalNonEmpty = (name: string) =>
  z.preprocess((v) => (v === undefined ? undefined : v), nonEmpty(name).optional());

const databaseUrl = z
  .string()
  .trim()
  .default('sqlite:data/astrobee.sqlite')
  .refine(
    (v) => /^postgres(ql)?:\/\/.+/.test(v) || /^sqlite:.+/.test(v),
    'DATABASE_URL must be sqlite:<path>, sqlite::memory: or postgres://user:password@host:port/database',
  );

const logLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info');

const httpUrl = (name: string) =>
  z
    .string()
    .trim()
    .refine((v) => {
      try {
        const u = new URL(v);
        return u.protocol === 'http:' || u.protocol === 'https:';
      } catch {
        return false;
      }
    }, `${name} must be an http(s) URL`);

/** Units of a duration setting, in milliseconds. */
const DURATION_UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * A duration: whole seconds (`3600`) or a number with a unit `s`, `m`, `h` or `d` (`24h`); parsed to milliseconds.
 */
const duration = (name: string, min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+[smhd]?$/, `${name} must be whole seconds or a number with s, m, h or d (e.g. 24h)`)
    .transform((v) => Number.parseInt(v, 10) * (DURATION_UNITS[v.slice(-1)] ?? 1000))
    .refine(
      (ms) => ms >= min * 1000 && ms <= max * 1000,
      `${name} must be between ${inWords(min)} and ${inWords(max)}`,
    );

/** Whole seconds in the largest unit that divides them: `86400` → `1d`, `5400` → `90m`, `90` → `90s`. */
function inWords(seconds: number): string {
  for (const [unit, ms] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
  ] as const) {
    if ((seconds * 1000) % ms === 0) return `${(seconds * 1000) / ms}${unit}`;
  }
  return `${seconds}s`;
}

/**
 * Which proxies in front of the app are believed about the client's address (`X-Forwarded-For`), with Express'
 * `trust proxy` semantics (expressjs.com/en/guide/behind-proxies.html, implemented by `proxy-addr`):
 * - `off`: the socket's peer address is the client;
 * - `hops`: the client is the address that many hops from the right (the socket's peer counting as the first);
 * - `addresses`: proxies whose address is in this list (IPv4 or IPv6 addresses, CIDR ranges, or `loopback`,
 *   `linklocal`, `uniquelocal`) are skipped from the right; the first address not in it is the client.
 */
export type TrustProxy =
  | { kind: 'off' }
  | { kind: 'hops'; hops: number }
  | { kind: 'addresses'; addresses: string[] };

const TRUST_PROXY_MESSAGE =
  'TRUST_PROXY must be a hop count (1, 2, …) or a comma-separated list of proxy addresses or CIDR ranges (10.0.0.0/8, fd00::/8)';

const trustProxy = z
  .string()
  .trim()
  .transform((v, ctx): TrustProxy => {
    if (v === 'false' || v === '0') return { kind: 'off' };
    if (/^\d+$/.test(v)) {
      const hops = Number(v);
      if (hops <= 32) return { kind: 'hops', hops };
    } else {
      const addresses = v.split(',').map((a) => a.trim());
      try {
        if (addresses.every((a) => a !== '')) {
          proxyaddr.compile(addresses);
          return { kind: 'addresses', addresses };
        }
      } catch {
        // reported below
      }
    }
    ctx.addIssue({ code: 'custom', message: TRUST_PROXY_MESSAGE });
    return z.NEVER;
  })
  .default({ kind: 'off' });

const EnvSchema = z
  .object({
    SLACK_BOT_TOKEN: optionalNonEmpty('SLACK_BOT_TOKEN'),
    SLACK_SIGNING_SECRET: z.string().optional(),
    SLACK_APP_TOKEN: optionalNonEmpty('SLACK_APP_TOKEN'),
    SLACK_API_URL: httpUrl('SLACK_API_URL').default('https://slack.com/api/'),
    SLACK_CLIENT_ID: optionalNonEmpty('SLACK_CLIENT_ID'),
    SLACK_CLIENT_SECRET: optionalNonEmpty('SLACK_CLIENT_SECRET'),
    SLACK_STATE_SECRET: z.string().min(32, 'SLACK_STATE_SECRET must be at least 32 characters').optional(),
    SLACK_AUTHORIZE_URL: httpUrl('SLACK_AUTHORIZE_URL').default('https://slack.com/oauth/v2/authorize'),
    INSTALLATION_KEY: z
      .string()
      .transform((v) => v.split(',').map((k) => k.trim()))
      .refine(
        (keys) => keys.every((k) => k.length >= 32),
        'INSTALLATION_KEY must be one or more keys of at least 32 characters, separated by commas (newest first)',
      )
      .refine(
        (keys) => new Set(keys).size === keys.length,
        'INSTALLATION_KEY must not list the same key twice',
      )
      .optional(),
    PORT: z
      .string()
      .trim()
      .regex(/^\d{1,5}$/, 'PORT must be a whole number between 0 and 65535')
      .transform(Number)
      .refine((n) => n <= 65535, 'PORT must be a whole number between 0 and 65535')
      .default(3000),
    DATABASE_URL: databaseUrl,
    PUBLIC_URL: httpUrl('PUBLIC_URL')
      .refine((v) => {
        try {
          const u = new URL(v);
          return !u.search && !u.hash && !u.username && !u.password;
        } catch {
          return true; // httpUrl has said what is wrong
        }
      }, 'PUBLIC_URL must be a base URL such as https://astrobee.example.com (a path is fine; no query string, fragment or credentials)')
      .optional(),
    SMTP_URL: z
      .string()
      .trim()
      .refine((v) => /^smtps?:\/\/.+/.test(v), 'SMTP_URL must be smtp://… or smtps://…')
      .optional(),
    MAIL_FROM: z
      .string()
      .trim()
      .refine(
        (v) =>
          /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/.test(v) || /^[^<>]*<[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+>$/.test(v),
        'MAIL_FROM must be an address such as astrobee@example.com or "AstroBee <astrobee@example.com>"',
      )
      .optional(),
    LOG_LEVEL: logLevel,
    CLIENT_SECRET_GRACE_PERIOD: duration('CLIENT_SECRET_GRACE_PERIOD', 0, 30 * 86_400).default(86_400_000),
    ACCESS_TOKEN_LIFETIME: duration('ACCESS_TOKEN_LIFETIME', 60, 86_400).default(3_600_000),
    LEAK_ACTION: z
      .enum(['disable', 'rotate'], { error: 'LEAK_ACTION must be disable or rotate' })
      .default('disable'),
    INVITATION_KEY: z.string().min(32, 'INVITATION_KEY must be at least 32 characters').optional(),
    METRICS_TOKEN: z.string().min(16, 'METRICS_TOKEN must be at least 16 characters').optional(),
    INVITATIONS_PER_DAY: z.coerce
      .number({ error: 'INVITATIONS_PER_DAY must be a number' })
      .int('INVITATIONS_PER_DAY must be an integer')
      .min(1, 'INVITATIONS_PER_DAY must be at least 1')
      .default(50),
    MAIL_WORKER_INTERVAL_MS: z.coerce
      .number({ error: 'MAIL_WORKER_INTERVAL_MS must be a number' })
      .int('MAIL_WORKER_INTERVAL_MS must be an integer')
      .min(50, 'MAIL_WORKER_INTERVAL_MS must be at least 50')
      .default(1000),
    DRAIN_TIMEOUT_MS: z.coerce
      .number({ error: 'DRAIN_TIMEOUT_MS must be a number' })
      .int('DRAIN_TIMEOUT_MS must be an integer')
      .min(0, 'DRAIN_TIMEOUT_MS must be at least 0')
      .max(3_600_000, 'DRAIN_TIMEOUT_MS must be at most 3600000')
      .default(10_000),
    MAIL_MAX_ATTEMPTS: z.coerce
      .number({ error: 'MAIL_MAX_ATTEMPTS must be a number' })
      .int('MAIL_MAX_ATTEMPTS must be an integer')
      .min(1, 'MAIL_MAX_ATTEMPTS must be at least 1')
      .default(12),
    MAIL_CLAIM_MS: z.coerce
      .number({ error: 'MAIL_CLAIM_MS must be a number' })
      .int('MAIL_CLAIM_MS must be an integer')
      .min(1000, 'MAIL_CLAIM_MS must be at least 1000')
      .default(120_000),
    SLACK_DELIVERY_INTERVAL_MS: z.coerce
      .number({ error: 'SLACK_DELIVERY_INTERVAL_MS must be a number' })
      .int('SLACK_DELIVERY_INTERVAL_MS must be an integer')
      .min(50, 'SLACK_DELIVERY_INTERVAL_MS must be at least 50')
      .default(5000),
    SLACK_DELIVERY_MAX_ATTEMPTS: z.coerce
      .number({ error: 'SLACK_DELIVERY_MAX_ATTEMPTS must be a number' })
      .int('SLACK_DELIVERY_MAX_ATTEMPTS must be an integer')
      .min(1, 'SLACK_DELIVERY_MAX_ATTEMPTS must be at least 1')
      .default(12),
    SLACK_DELIVERY_CLAIM_MS: z.coerce
      .number({ error: 'SLACK_DELIVERY_CLAIM_MS must be a number' })
      .int('SLACK_DELIVERY_CLAIM_MS must be an integer')
      .min(1000, 'SLACK_DELIVERY_CLAIM_MS must be at least 1000')
      .default(60_000),
    // Production hygiene (issue 13 §4–5): mail off on purpose, proxies believed, retention.
    MAIL_DISABLED: z
      .enum(['true', 'false'], { error: 'MAIL_DISABLED must be true or false' })
      .transform((v) => v === 'true')
      .default(false),
    TRUST_PROXY: trustProxy,
    OUTBOX_RETENTION_DAYS: z.coerce
      .number({ error: 'OUTBOX_RETENTION_DAYS must be a number' })
      .int('OUTBOX_RETENTION_DAYS must be a whole number of days')
      .min(1, 'OUTBOX_RETENTION_DAYS must be at least 1')
      .default(30),
    AUDIT_RETENTION_DAYS: z.coerce
      .number({ error: 'AUDIT_RETENTION_DAYS must be a number' })
      .int('AUDIT_RETENTION_DAYS must be a whole number of days')
      .min(0, 'AUDIT_RETENTION_DAYS must be 0 (keep forever) or more')
      .default(365),
    RETENTION_INTERVAL_MS: z.coerce
      .number({ error: 'RETENTION_INTERVAL_MS must be a number' })
      .int('RETENTION_INTERVAL_MS must be an integer')
      .min(1000, 'RETENTION_INTERVAL_MS must be at least 1000')
      .default(3_600_000),
    // Hygiene nudges (issue 15): the job's switch, its period and every threshold.
    NUDGES_ENABLED: z
      .enum(['true', 'false'], { error: 'NUDGES_ENABLED must be true or false' })
      .transform((v) => v === 'true')
      .default(true),
    NUDGE_INTERVAL: duration('NUDGE_INTERVAL', 10, 86_400).default(900_000),
    NUDGE_GRACE_ENDING_WITHIN: duration('NUDGE_GRACE_ENDING_WITHIN', 60, 30 * 86_400).default(86_400_000),
    NUDGE_CLIENT_UNUSED_AFTER: duration('NUDGE_CLIENT_UNUSED_AFTER', 3600, 3650 * 86_400).default(
      90 * 86_400_000,
    ),
    NUDGE_CLIENT_NEVER_USED_AFTER: duration('NUDGE_CLIENT_NEVER_USED_AFTER', 3600, 3650 * 86_400).default(
      14 * 86_400_000,
    ),
    NUDGE_INVITATION_EXPIRING_WITHIN: duration('NUDGE_INVITATION_EXPIRING_WITHIN', 60, 30 * 86_400).default(
      86_400_000,
    ),
    NUDGE_REQUEST_WAITING_AFTER: duration('NUDGE_REQUEST_WAITING_AFTER', 60, 365 * 86_400).default(
      2 * 86_400_000,
    ),
  })
  .superRefine((env, ctx) => {
    if (env.SLACK_SIGNING_SECRET !== undefined && env.SLACK_SIGNING_SECRET.trim() === '') {
      ctx.addIssue({
        code: 'custom',
        path: ['SLACK_SIGNING_SECRET'],
        message: 'SLACK_SIGNING_SECRET must not be empty',
      });
    }
    const oauthVars = ['SLACK_CLIENT_ID', 'SLACK_CLIENT_SECRET', 'SLACK_STATE_SECRET'] as const;
    const oauthSet = oauthVars.filter((name) => env[name] !== undefined);
    const distribution = oauthSet.length > 0;
    for (const name of oauthVars) {
      if (distribution && env[name] === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: [name],
          message: `${name} is required with ${oauthSet.join(', ')} (distribution mode: Slack's OAuth install)`,
        });
      }
    }
    if (distribution && env.SLACK_BOT_TOKEN) {
      ctx.addIssue({
        code: 'custom',
        path: ['SLACK_BOT_TOKEN'],
        message:
          'SLACK_BOT_TOKEN (one workspace) and SLACK_CLIENT_ID, SLACK_CLIENT_SECRET, SLACK_STATE_SECRET (distribution mode) exclude each other: unset one',
      });
    }
    if (distribution && !env.INSTALLATION_KEY) {
      ctx.addIssue({
        code: 'custom',
        path: ['INSTALLATION_KEY'],
        message:
          "INSTALLATION_KEY is required in distribution mode (it encrypts the installations' tokens at rest)",
      });
    }
    const hasAccess = Boolean(env.SLACK_BOT_TOKEN) || distribution;
    if (env.SLACK_APP_TOKEN && !hasAccess) {
      ctx.addIssue({
        code: 'custom',
        path: ['SLACK_BOT_TOKEN'],
        message:
          'SLACK_BOT_TOKEN (or SLACK_CLIENT_ID, SLACK_CLIENT_SECRET, SLACK_STATE_SECRET) is required with SLACK_APP_TOKEN (Socket Mode)',
      });
    }
    if (!env.SLACK_APP_TOKEN && hasAccess && env.SLACK_SIGNING_SECRET === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['SLACK_SIGNING_SECRET'],
        message: env.SLACK_BOT_TOKEN
          ? 'SLACK_SIGNING_SECRET is required with SLACK_BOT_TOKEN (HTTP mode)'
          : 'SLACK_SIGNING_SECRET is required in distribution mode over HTTP',
      });
    }
    if (!env.SLACK_APP_TOKEN && !hasAccess && env.SLACK_SIGNING_SECRET) {
      ctx.addIssue({
        code: 'custom',
        path: ['SLACK_BOT_TOKEN'],
        message: 'SLACK_BOT_TOKEN is required with SLACK_SIGNING_SECRET (HTTP mode)',
      });
    }
    if (env.MAIL_DISABLED && env.SMTP_URL) {
      ctx.addIssue({
        code: 'custom',
        path: ['MAIL_DISABLED'],
        message:
          'MAIL_DISABLED=true and SMTP_URL exclude each other: unset SMTP_URL to keep mail off, or MAIL_DISABLED to send mail',
      });
    }
    // Outside console mode nothing may fall back to a default that only works on a laptop.
    if (env.SLACK_APP_TOKEN || hasAccess) {
      if (!env.PUBLIC_URL) {
        ctx.addIssue({
          code: 'custom',
          path: ['PUBLIC_URL'],
          message:
            'PUBLIC_URL is required in HTTP and Socket Mode: the public base URL of invitation links (e.g. https://astrobee.example.com)',
        });
      }
      for (const name of ['SMTP_URL', 'MAIL_FROM'] as const) {
        if (!env.MAIL_DISABLED && !env[name]) {
          ctx.addIssue({
            code: 'custom',
            path: [name],
            message: `${name} is required in HTTP and Socket Mode, unless MAIL_DISABLED=true says mail is off on purpose`,
          });
        }
      }
    }
  });

/** The parsed configuration. Durations are in milliseconds unless the name says otherwise. */
export interface Config {
  mode: Mode;
  slack: {
    botToken?: string;
    signingSecret?: string;
    appToken?: string;
    apiUrl: string;
    /**
     * Distribution mode (one app installed by many workspaces through Slack's OAuth v2 flow): the app's client
     * credentials, the secret that signs the install flow's `state`, and Slack's authorize page. Absent in
     * single-workspace mode (a static `botToken`).
     */
    oauth?: { clientId: string; clientSecret: string; stateSecret: string; authorizeUrl: string };
  };
  /** Secrets of the key ring that encrypts installation tokens at rest, newest first (distribution mode). */
  installationKeys?: string[];
  port: number;
  databaseUrl: string;
  publicUrl: string;
  smtpUrl?: string;
  mailFrom: string;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** OAuth API clients: how long a rotated-out secret keeps working, and how long an access token lives. */
  clients: { secretGracePeriodMs: number; accessTokenLifetimeMs: number; leakAction: 'disable' | 'rotate' };
  /**
   * Secret from which the key that seals unsent invitation tokens in the mail outbox is derived. Absent: derived
   * from `SLACK_SIGNING_SECRET` when there is one, else random per process (console mode, tests).
   */
  invitationKey?: string;
  /** Cap on invitations (and requests) an organization may create per 24 hours. */
  invitationsPerDay: number;
  /** Milliseconds between two runs of the mail outbox worker. */
  mailWorkerIntervalMs: number;
  /**
   * Milliseconds a drain (SIGTERM, SIGINT) may take to finish the work in flight before the process exits non-zero
   * and logs what was cut off.
   */
  drainTimeoutMs: number;
  /** Delivery attempts of one mail before it is marked failed. */
  mailMaxAttempts: number;
  /**
   * Milliseconds an instance's claim on a mail lasts (the lease; `CLAIM_MS` by default): longer than one SMTP
   * exchange with its timeouts; a mail claimed by an instance that died is sent by another after it.
   */
  mailClaimMs: number;
  /** Milliseconds between two polls of the Slack delivery worker (it also runs right after each change). */
  slackDeliveryIntervalMs: number;
  /** Attempts of one Slack delivery (message or view) before it is marked failed. */
  slackDeliveryMaxAttempts: number;
  /** Milliseconds an instance's claim on a Slack delivery lasts (`SLACK_CLAIM_MS` by default), as `mailClaimMs`. */
  slackDeliveryClaimMs: number;
  /**
   * `MAIL_DISABLED=true`: mail is off on purpose (no SMTP_URL); invitation mail stays queued in the outbox and
   * only invitees who are in the workspace learn of their invitation (by Slack DM).
   */
  mailDisabled: boolean;
  /** Which proxies are believed about the client's address (`TRUST_PROXY`; off by default). */
  trustProxy: TrustProxy;
  /** The retention job (src/db/retention.ts). */
  retention: {
    /** Milliseconds between two runs (`RETENTION_INTERVAL_MS`, one hour by default). */
    intervalMs: number;
    /** Days a finished outbox row (mail or Slack delivery) is kept (`OUTBOX_RETENTION_DAYS`). */
    outboxDays: number;
    /** Days an audit event is kept; 0 keeps them forever (`AUDIT_RETENTION_DAYS`). */
    auditDays: number;
  };
  /** Bearer token that `GET /metrics` requires; absent: `/metrics` is open (keep it off the public internet). */
  metricsToken?: string;
  /** The hygiene nudges job (src/slack/nudges/nudge-job.ts); every time in milliseconds. */
  nudges: {
    /** `NUDGES_ENABLED=false` switches the job off (no run, no DM). */
    enabled: boolean;
    /** Between two runs (`NUDGE_INTERVAL`, 15 minutes by default). */
    intervalMs: number;
    /** A rotated-out secret's grace period ends within this (`NUDGE_GRACE_ENDING_WITHIN`, 24 hours). */
    graceEndingWithinMs: number;
    /** An active client last used longer ago than this (`NUDGE_CLIENT_UNUSED_AFTER`, 90 days). */
    clientUnusedAfterMs: number;
    /** An active client never used, created longer ago than this (`NUDGE_CLIENT_NEVER_USED_AFTER`, 14 days). */
    clientNeverUsedAfterMs: number;
    /** A pending invitation expires within this (`NUDGE_INVITATION_EXPIRING_WITHIN`, 24 hours). */
    invitationExpiringWithinMs: number;
    /** An invitation request has waited longer than this (`NUDGE_REQUEST_WAITING_AFTER`, 48 hours). */
    requestWaitingAfterMs: number;
  };
}

/** Thrown when the environment is invalid; `message` names every offending variable. */
export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(readonly issues: { variable: string; message: string }[]) {
    super(
      `Invalid configuration:\n${issues
        .map((i) =>
          i.message.startsWith(`${i.variable} `) ? `  ${i.message}` : `  ${i.variable}: ${i.message}`,
        )
        .join('\n')}`,
    );
  }
}

/**
 * The part of the environment `npm run migrate` needs: `DATABASE_URL` and `LOG_LEVEL` only, so a migration job
 * needs neither the Slack secrets nor the mail settings (and is not refused for lacking them).
 * @throws ConfigError naming each bad variable
 */
export function loadDatabaseConfig(
  env: NodeJS.ProcessEnv = process.env,
): Pick<Config, 'databaseUrl' | 'logLevel'> {
  const parsed = z
    .object({ DATABASE_URL: databaseUrl, LOG_LEVEL: logLevel })
    .safeParse({ DATABASE_URL: env.DATABASE_URL || undefined, LOG_LEVEL: env.LOG_LEVEL || undefined });
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => ({
        variable: String(issue.path[0] ?? 'environment'),
        message: issue.message,
      })),
    );
  }
  return { databaseUrl: parsed.data.DATABASE_URL, logLevel: parsed.data.LOG_LEVEL };
}

/**
 * Parses the environment (DESIGN.md §4). Unset and empty-string variables count as unset, except
 * `SLACK_SIGNING_SECRET`, where an empty value is refused.
 *
 * @param env the variables, `process.env` by default
 * @returns the configuration, with the mode chosen: `SLACK_APP_TOKEN` → Socket Mode; a bot token or the OAuth
 *   client credentials (distribution mode), and the signing secret → HTTP mode; none → console mode.
 * @throws ConfigError naming each bad variable
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const raw: Record<string, string | undefined> = {};
  for (const key of Object.keys(EnvSchema.shape)) {
    const value = env[key];
    raw[key] = value === '' && key !== 'SLACK_SIGNING_SECRET' ? undefined : value;
  }
  const parsed = EnvSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => ({
        variable: String(issue.path[0] ?? 'environment'),
        message: issue.message,
      })),
    );
  }
  const e = parsed.data;
  const oauth =
    e.SLACK_CLIENT_ID && e.SLACK_CLIENT_SECRET && e.SLACK_STATE_SECRET
      ? {
          clientId: e.SLACK_CLIENT_ID,
          clientSecret: e.SLACK_CLIENT_SECRET,
          stateSecret: e.SLACK_STATE_SECRET,
          authorizeUrl: e.SLACK_AUTHORIZE_URL,
        }
      : undefined;
  const mode: Mode = e.SLACK_APP_TOKEN ? 'socket' : e.SLACK_BOT_TOKEN || oauth ? 'http' : 'console';
  return {
    mode,
    slack: {
      ...(e.SLACK_BOT_TOKEN ? { botToken: e.SLACK_BOT_TOKEN } : {}),
      ...(e.SLACK_SIGNING_SECRET ? { signingSecret: e.SLACK_SIGNING_SECRET } : {}),
      ...(e.SLACK_APP_TOKEN ? { appToken: e.SLACK_APP_TOKEN } : {}),
      apiUrl: e.SLACK_API_URL.endsWith('/') ? e.SLACK_API_URL : `${e.SLACK_API_URL}/`,
      ...(oauth ? { oauth } : {}),
    },
    ...(e.INSTALLATION_KEY ? { installationKeys: e.INSTALLATION_KEY } : {}),
    port: e.PORT,
    databaseUrl: e.DATABASE_URL,
    publicUrl: (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, ''),
    ...(e.SMTP_URL ? { smtpUrl: e.SMTP_URL } : {}),
    mailFrom: e.MAIL_FROM ?? 'AstroBee <no-reply@example.com>',
    logLevel: e.LOG_LEVEL,
    clients: {
      secretGracePeriodMs: e.CLIENT_SECRET_GRACE_PERIOD,
      accessTokenLifetimeMs: e.ACCESS_TOKEN_LIFETIME,
      leakAction: e.LEAK_ACTION,
    },
    ...(e.INVITATION_KEY ? { invitationKey: e.INVITATION_KEY } : {}),
    invitationsPerDay: e.INVITATIONS_PER_DAY,
    mailWorkerIntervalMs: e.MAIL_WORKER_INTERVAL_MS,
    drainTimeoutMs: e.DRAIN_TIMEOUT_MS,
    mailMaxAttempts: e.MAIL_MAX_ATTEMPTS,
    mailClaimMs: e.MAIL_CLAIM_MS,
    slackDeliveryIntervalMs: e.SLACK_DELIVERY_INTERVAL_MS,
    slackDeliveryMaxAttempts: e.SLACK_DELIVERY_MAX_ATTEMPTS,
    slackDeliveryClaimMs: e.SLACK_DELIVERY_CLAIM_MS,
    mailDisabled: e.MAIL_DISABLED,
    trustProxy: e.TRUST_PROXY,
    retention: {
      intervalMs: e.RETENTION_INTERVAL_MS,
      outboxDays: e.OUTBOX_RETENTION_DAYS,
      auditDays: e.AUDIT_RETENTION_DAYS,
    },
    ...(e.METRICS_TOKEN ? { metricsToken: e.METRICS_TOKEN } : {}),
    nudges: {
      enabled: e.NUDGES_ENABLED,
      intervalMs: e.NUDGE_INTERVAL,
      graceEndingWithinMs: e.NUDGE_GRACE_ENDING_WITHIN,
      clientUnusedAfterMs: e.NUDGE_CLIENT_UNUSED_AFTER,
      clientNeverUsedAfterMs: e.NUDGE_CLIENT_NEVER_USED_AFTER,
      invitationExpiringWithinMs: e.NUDGE_INVITATION_EXPIRING_WITHIN,
      requestWaitingAfterMs: e.NUDGE_REQUEST_WAITING_AFTER,
    },
  };
}
