import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Orm } from '../../db/orm.js';
import type { Clock } from '../../domain/actor.js';
import {
  CLIENT_SECRET_PREFIX,
  hashCredential,
  isClientIdShape,
  isWellFormedCredential,
} from '../../domain/clients/credentials.js';
import { type IssuedToken, OAuthService } from '../../domain/clients/oauth.service.js';
import type { ClientCredentialStore } from '../../domain/clients/ports.js';
import { isScope, parseStoredScopes, SCOPES, type Scope, sortScopes } from '../../domain/clients/scopes.js';
import type { ClientSettings } from '../../domain/clients/settings.js';
import type { TokenBatcher } from '../../domain/clients/token-batcher.js';
import { truncateGraphemes } from '../../domain/graphemes.js';
import { BodyTooLargeError, readBody } from '../../lib/http-body.js';
import type { Logger } from '../../logger.js';
import { CredentialsError, type FormParams, parseForm, presentedCredentials } from './client-auth.js';
import type { FailedAuthLimiter } from './failed-auth-limiter.js';
import { clientAddress, mediaType, type ProxyTrust, sendJson } from './http-util.js';

/** Largest form body accepted by the token and revocation endpoints, in bytes. */
export const MAX_FORM_BYTES = 8 * 1024;
/** `realm` of the `WWW-Authenticate: Basic` challenge. */
export const BASIC_REALM = 'AstroBee';
/** Milliseconds between two purges of expired access tokens. */
const PURGE_INTERVAL_MS = 60_000;

/** Error codes of RFC 6749 §5.2 and RFC 7009 §2.2.1 that these endpoints answer, plus the 429 of the limiter. */
export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'invalid_scope'
  | 'too_many_requests'
  | 'server_error';

/** What the endpoints share. */
export interface OAuthEndpointDeps {
  orm: Orm;
  logger: Logger;
  clock: Clock;
  settings: ClientSettings;
  limiter: FailedAuthLimiter;
  /** The OAuth hot paths' statements (the domain's port; src/db implements it). */
  credentials: ClientCredentialStore;
  /** Which proxies are believed about the client's address (`TRUST_PROXY`); none when absent. */
  proxyTrust?: ProxyTrust;
}

/** An OAuth error response to send. */
export class OAuthError extends Error {
  constructor(
    readonly error: OAuthErrorCode,
    readonly description: string,
    readonly status = 400,
    readonly headers: Record<string, string> = {},
  ) {
    super(description);
  }
}

/** Sends an RFC 6749 §5.2 error: JSON `{ error, error_description }`, never cached. */
export function sendOAuthError(res: ServerResponse, err: OAuthError): void {
  sendJson(res, err.status, { error: err.error, error_description: err.description }, err.headers);
}

/** `invalid_client`: 401 with a Basic challenge, so a client learns which scheme is expected (RFC 6749 §5.2). */
export function invalidClient(description: string): OAuthError {
  return new OAuthError('invalid_client', description, 401, {
    'www-authenticate': `Basic realm="${BASIC_REALM}", charset="UTF-8"`,
  });
}

/**
 * Reads and checks the common part of token and revocation requests: POST, `application/x-www-form-urlencoded`,
 * a body within {@link MAX_FORM_BYTES}, each parameter at most once, and client credentials.
 * @throws OAuthError (`invalid_request`, `invalid_client` or 429) for the caller
 */
export async function readClientRequest(
  req: IncomingMessage,
  deps: Pick<OAuthEndpointDeps, 'limiter' | 'proxyTrust'>,
): Promise<{ form: FormParams; clientId: string; clientSecret: string; address: string }> {
  if (req.method !== 'POST') {
    throw new OAuthError('invalid_request', 'Use POST.', 405, { allow: 'POST' });
  }
  if (mediaType(req) !== 'application/x-www-form-urlencoded') {
    throw new OAuthError('invalid_request', 'The body must be application/x-www-form-urlencoded.');
  }
  let form: FormParams;
  let credentials: ReturnType<typeof presentedCredentials>;
  try {
    form = parseForm(await readBody(req, MAX_FORM_BYTES));
    credentials = presentedCredentials(req, form);
  } catch (err) {
    if (err instanceof BodyTooLargeError) {
      throw new OAuthError('invalid_request', `The body must be at most ${MAX_FORM_BYTES} bytes.`, 413);
    }
    if (err instanceof CredentialsError) throw new OAuthError('invalid_request', err.message);
    throw err;
  }
  const address = clientAddress(req, deps.proxyTrust);
  const retryAfter = await deps.limiter.retryAfter(address, credentials.clientId);
  if (retryAfter !== null) {
    throw new OAuthError('too_many_requests', 'Too many failed authentications. Try again later.', 429, {
      'retry-after': String(retryAfter),
    });
  }
  if (credentials.method === 'none') {
    throw invalidClient(
      'Client authentication is required: HTTP Basic (client_secret_basic) or client_id and client_secret form parameters (client_secret_post).',
    );
  }
  return { form, clientId: credentials.clientId, clientSecret: credentials.clientSecret, address };
}

/**
 * Wraps an endpoint so that an {@link OAuthError} becomes its response and anything else a logged 500
 * `server_error` (Bolt calls custom route handlers without awaiting them). A refusal is logged with the client's
 * address as `deps.proxyTrust` decides it.
 */
export function oauthHandler(
  deps: Pick<OAuthEndpointDeps, 'logger' | 'proxyTrust'>,
  handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
): (req: IncomingMessage, res: ServerResponse) => void {
  const { logger } = deps;
  return (req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (err instanceof OAuthError) {
        logger.info(
          {
            path: req.url?.split('?')[0],
            error: err.error,
            status: err.status,
            address: clientAddress(req, deps.proxyTrust),
          },
          'oauth request refused',
        );
        sendOAuthError(res, err);
        return;
      }
      logger.error({ err }, 'oauth endpoint failed');
      if (!res.headersSent) {
        sendOAuthError(res, new OAuthError('server_error', 'Something went wrong on our side.', 500));
      }
    });
  };
}

/**
 * `POST /oauth/token`: the client credentials grant (RFC 6749 §4.4). The client authenticates with HTTP Basic or
 * form parameters; an optional `scope` (§3.3, names separated by spaces) narrows the token to some of the
 * client's scopes. The answer is `{ access_token, token_type: "Bearer", expires_in, scope? }` (§5.1) with no
 * refresh token; `scope` is there when it differs from the request and always when none was requested.
 * Errors follow §5.2: `invalid_request` (wrong method or media type, repeated or missing parameter, two
 * authentication methods), `invalid_client` (401 with `WWW-Authenticate: Basic`), `unauthorized_client` (the
 * client is disabled), `unsupported_grant_type`, `invalid_scope` (an unknown scope, one the client does not have, or
 * none at all); repeated failed authentication answers 429 with `Retry-After`.
 *
 * Tokens are issued through `batcher` (one authenticate-and-insert statement for all requests in flight, see
 * {@link TokenBatcher}); a request it does not serve is decided by {@link OAuthService.authenticate}. A database
 * error answers 500 `server_error` to every request of the failed group.
 *
 * `countOutcome` (the metrics) is told each answer's outcome: `issued`, the error code, or `rate_limited`.
 */
export function tokenEndpoint(
  deps: OAuthEndpointDeps & { batcher: TokenBatcher; countOutcome?: (outcome: string) => void },
) {
  let nextPurge = 0;
  const count = deps.countOutcome ?? (() => {});
  return oauthHandler(deps, async (req, res) => {
    await issueToken(req, res).catch((err: unknown) => {
      count(tokenOutcomeOf(err));
      throw err;
    });
    count('issued');
    const now = deps.clock.now().getTime();
    if (now >= nextPurge) {
      nextPurge = now + PURGE_INTERVAL_MS;
      await new OAuthService(
        deps.orm.em.fork(),
        deps.clock,
        deps.credentials,
        deps.settings,
      ).purgeExpiredTokens();
    }
  });

  async function issueToken(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { form, clientId, clientSecret, address } = await readClientRequest(req, deps);
    const grantType = form.get('grant_type');
    if (grantType === undefined) throw new OAuthError('invalid_request', 'grant_type is required.');
    if (grantType !== 'client_credentials') {
      throw new OAuthError('unsupported_grant_type', 'Only the client_credentials grant is supported.');
    }
    const requested = requestedScopes(form.get('scope'));
    // A malformed client ID or secret (bad shape or checksum) fails without any database work.
    const wellFormed =
      isClientIdShape(clientId) && isWellFormedCredential(clientSecret, CLIENT_SECRET_PREFIX);
    const token = wellFormed
      ? await deps.batcher.issue(clientId, hashCredential(clientSecret), requested)
      : null;
    if (token) {
      sendJson(res, 200, tokenResponse(token, requested));
      return;
    }
    // Not issued: find out why on the precise path (and issue after all if the client was enabled meanwhile).
    const oauth = new OAuthService(deps.orm.em.fork(), deps.clock, deps.credentials, deps.settings);
    const auth = await oauth.authenticate(clientId, clientSecret);
    if (auth.kind === 'failed') {
      await deps.limiter.recordFailure(address, clientId);
      throw invalidClient('Client authentication failed.');
    }
    if (auth.kind === 'disabled') throw clientDisabled();
    const held = parseStoredScopes(auth.scopes);
    const missing = (requested ?? []).filter((s) => !held.includes(s));
    if (missing.length > 0) {
      throw new OAuthError(
        'invalid_scope',
        `This client does not have the scope ${missing.join(', ')}. Its scopes: ${held.join(' ') || '(none)'}.`,
      );
    }
    const issued = await oauth.issueToken(auth.clientId, requested ?? held, auth.scopes);
    if (!issued) {
      throw new OAuthError(
        'unauthorized_client',
        'This client was disabled or its scopes changed just now. Request a token again.',
      );
    }
    sendJson(res, 200, tokenResponse(issued, requested));
  }
}

function clientDisabled(): OAuthError {
  return new OAuthError('unauthorized_client', 'This client is disabled. An admin can enable it in Slack.');
}

/**
 * Reads the `scope` parameter (RFC 6749 §3.3): scope names separated by spaces, each a known scope.
 * @returns the names in canonical order, or null when the parameter is absent (the token gets all the client's)
 * @throws OAuthError `invalid_scope` (§5.2) naming each unknown scope, or for a parameter with no name in it
 */
function requestedScopes(value: string | undefined): Scope[] | null {
  if (value === undefined) return null;
  // §3.3: scope-token *( SP scope-token ); runs of spaces are tolerated.
  const names = value.split(' ').filter((n) => n !== '');
  const unknown = [...new Set(names.filter((n) => !isScope(n)))];
  if (unknown.length > 0) {
    const shown = unknown.map((n) => truncateGraphemes(n, 40)).join(', ');
    throw new OAuthError('invalid_scope', `Unknown scope: ${shown}. The scopes are: ${SCOPES.join(' ')}.`);
  }
  if (names.length === 0) {
    throw new OAuthError(
      'invalid_scope',
      `Name at least one scope of: ${SCOPES.join(' ')}; or leave out scope.`,
    );
  }
  return sortScopes(names.filter(isScope));
}

/**
 * The token response (RFC 6749 §5.1). `scope` is sent when the granted scopes differ from those requested (§3.3
 * requires it then), and always when none were requested.
 */
function tokenResponse(token: IssuedToken, requested: Scope[] | null) {
  const scope = token.scopes.join(' ');
  const same = requested !== null && requested.join(' ') === scope;
  return {
    access_token: token.accessToken,
    token_type: 'Bearer',
    expires_in: token.expiresIn,
    ...(same ? {} : { scope }),
  };
}

/** The metrics' outcome of a refused token request: the OAuth error code, `rate_limited` for the 429. */
function tokenOutcomeOf(err: unknown): string {
  if (!(err instanceof OAuthError)) return 'server_error';
  return err.error === 'too_many_requests' ? 'rate_limited' : err.error;
}

/**
 * `POST /oauth/revoke`: token revocation (RFC 7009). The client authenticates as at the token endpoint; `token` is
 * required, `token_type_hint` is accepted and ignored (only access tokens exist). Revoking an unknown or expired
 * token answers 200 like a real one (§2.2); a token issued to another client is refused with
 * `unauthorized_client` (§2.1).
 */
export function revocationEndpoint(deps: OAuthEndpointDeps) {
  return oauthHandler(deps, async (req, res) => {
    const { form, clientId, clientSecret, address } = await readClientRequest(req, deps);
    const token = form.get('token');
    if (token === undefined) throw new OAuthError('invalid_request', 'token is required.');
    const oauth = new OAuthService(deps.orm.em.fork(), deps.clock, deps.credentials, deps.settings);
    const auth = await oauth.authenticate(clientId, clientSecret);
    if (auth.kind === 'failed') {
      await deps.limiter.recordFailure(address, clientId);
      throw invalidClient('Client authentication failed.');
    }
    const outcome = await oauth.revoke(clientId, token);
    if (outcome === 'other_client') {
      throw new OAuthError('unauthorized_client', 'This token was not issued to this client.');
    }
    sendJson(res, 200, undefined);
  });
}
