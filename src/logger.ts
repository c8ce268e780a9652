/**
 * The one logger factory: pino JSON lines with tokens and secrets redacted, and an adapter that routes Bolt's
 * own logging through it.
 */
import type { Logger as SlackLogger } from '@slack/bolt';
import { LogLevel } from '@slack/bolt';
import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger } from 'pino';

/**
 * Paths redacted from every log line. Covers our own fields and the places Slack payloads and HTTP requests carry
 * credentials (`token`, `response_url`, `trigger_id`, authorization headers).
 */
export const REDACT_PATHS = [
  'token',
  '*.token',
  '*.*.token',
  'botToken',
  '*.botToken',
  'appToken',
  '*.appToken',
  'signingSecret',
  '*.signingSecret',
  'secret',
  '*.secret',
  'client_secret',
  '*.client_secret',
  'clientSecret',
  '*.clientSecret',
  'access_token',
  '*.access_token',
  'refresh_token',
  '*.refresh_token',
  'refreshToken',
  '*.refreshToken',
  'botRefreshToken',
  '*.botRefreshToken',
  'accessToken',
  '*.accessToken',
  'password',
  '*.password',
  'response_url',
  '*.response_url',
  'headers.authorization',
  '*.headers.authorization',
  'headers.cookie',
  '*.headers.cookie',
  'headers["x-slack-signature"]',
  '*.headers["x-slack-signature"]',
];

/** Pattern of credential-shaped strings scrubbed from free text (messages, error strings). */
const CREDENTIAL_PATTERN =
  /\b((?:xoxe\.)?xox[abposre]-[A-Za-z0-9.-]+|xapp-[A-Za-z0-9-]+|abo_(?:cs|at|inv)_[A-Za-z0-9_-]+)/g;

/** JSON fields of free text that hold a secret, e.g. a logged `oauth.v2.access` request body. */
const SECRET_FIELDS_IN_TEXT =
  /\\?"(client_secret|code|refresh_token|access_token|token)\\?":\s*\\?"[^"\\]*\\?"/g;

/** Replaces anything that looks like a Slack or AstroBee credential in `text` with `[Redacted]`. */
export function scrubCredentials(text: string): string {
  return text.replace(CREDENTIAL_PATTERN, '[Redacted]');
}

/**
 * Builds the root logger.
 * @param level pino level name
 * @param destination where JSON lines go (stdout by default; tests pass a stream to capture them)
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'astrobee-org' },
      redact: { paths: REDACT_PATHS, censor: '[Redacted]' },
      hooks: {
        // Free-text messages can carry a credential (an error text quoting a request): scrub them too.
        logMethod(args, method) {
          const scrubbed = args.map((a) => (typeof a === 'string' ? scrubCredentials(a) : a));
          method.apply(this, scrubbed as Parameters<typeof method>);
        },
      },
      serializers: {
        err: (err: unknown) => {
          const s = pino.stdSerializers.err(err as Error);
          return {
            ...s,
            message: scrubCredentials(String(s.message)),
            stack: scrubCredentials(String(s.stack)),
          };
        },
      },
    },
    destination,
  );
}

const BOLT_LEVELS: Record<string, LogLevel> = {
  trace: LogLevel.DEBUG,
  debug: LogLevel.DEBUG,
  info: LogLevel.INFO,
  warn: LogLevel.WARN,
  error: LogLevel.ERROR,
  fatal: LogLevel.ERROR,
  silent: LogLevel.ERROR,
};

/**
 * Adapts a pino logger to the `Logger` interface of Bolt and `@slack/web-api`, so their output becomes JSON lines
 * with the same redaction.
 */
export function toSlackLogger(logger: Logger): SlackLogger {
  let child = logger.child({ component: 'bolt' });
  const text = (msgs: unknown[]) =>
    msgs
      .map((m) => (typeof m === 'string' ? m : m instanceof Error ? m.message : JSON.stringify(m)))
      .join(' ')
      // The Web API client logs request bodies at debug: OAuth exchanges carry the client secret, codes and
      // refresh tokens as JSON fields.
      .replace(SECRET_FIELDS_IN_TEXT, '"$1":"[Redacted]"');
  // Bolt and the Web API client log several debug lines per request, some with whole payloads: below the
  // configured level nothing is formatted at all.
  const at =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (...msgs: unknown[]) => {
      if (child.isLevelEnabled(level)) child[level](text(msgs));
    };
  return {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    setLevel: () => {},
    getLevel: () => BOLT_LEVELS[logger.level] ?? LogLevel.INFO,
    setName: (name: string) => {
      child = logger.child({ component: name });
    },
  };
}
