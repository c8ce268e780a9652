import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import type { Orm } from '../../db/orm.js';
import type { Clock } from '../../domain/actor.js';
import { OAuthService } from '../../domain/clients/oauth.service.js';
import type { ClientCredentialStore } from '../../domain/clients/ports.js';
import type { ClientSettings } from '../../domain/clients/settings.js';
import {
  type DataCaller,
  type DataItem,
  type DataKind,
  DataService,
  MAX_PER_PAGE,
} from '../../domain/data/data.service.js';
import { DomainError } from '../../domain/errors.js';
import { truncateGraphemes } from '../../domain/graphemes.js';
import { BodyTooLargeError, readBody } from '../../lib/http-body.js';
import type { Logger } from '../../logger.js';
import { mediaType, sendJson } from '../oauth/http-util.js';
import { auditEventsRoute } from './audit-events.js';
import { apiErrorBody } from './error-texts.js';

/** Path prefix of the API. */
export const API_PREFIX = '/api/v1';
/** `realm` of the `WWW-Authenticate: Bearer` challenge (RFC 6750 §3). */
export const BEARER_REALM = 'AstroBee API';
/** Largest JSON body accepted, in bytes. */
export const MAX_JSON_BYTES = 16 * 1024;
/** Items per page when `per_page` is not given. */
export const DEFAULT_PER_PAGE = 20;

/** An API error: HTTP status, a stable `error` code, and a message for people. */
class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    message: string,
    readonly headers: Record<string, string> = {},
    readonly field?: string,
  ) {
    super(message);
  }
}

const RESOURCES: Record<string, DataKind> = { 'data-sources': 'data_source', 'data-layers': 'data_layer' };

/**
 * A query parameter holding a plain positive whole number: decimal digits without sign, exponent, fraction or
 * leading zero (`1e3`, `+2`, `2.0` and `02` are refused rather than read as numbers).
 */
function positiveWhole(message: string, max: number, maxMessage: string) {
  return z
    .string()
    .regex(/^[1-9][0-9]*$/, message)
    .transform(Number)
    .pipe(z.number().max(max, maxMessage));
}

const ListQuery = z.object({
  page: positiveWhole('page must be a whole number of at least 1.', 1_000_000, 'page is too large.').default(
    1,
  ),
  per_page: positiveWhole(
    `per_page must be a whole number from 1 to ${MAX_PER_PAGE}.`,
    MAX_PER_PAGE,
    `per_page must be a whole number from 1 to ${MAX_PER_PAGE}.`,
  ).default(DEFAULT_PER_PAGE),
});

/**
 * The query of a list, one value per parameter.
 * @throws ApiError 400 `invalid_request` naming the parameter given more than once, or the first invalid one
 */
function listQuery(params: URLSearchParams): z.output<typeof ListQuery> {
  for (const key of new Set(params.keys())) {
    if (params.getAll(key).length > 1) {
      throw new ApiError(
        400,
        'invalid_request',
        `${truncateGraphemes(key, 40)} is given more than once; give it once.`,
        {},
        truncateGraphemes(key, 40),
      );
    }
  }
  const query = ListQuery.safeParse(Object.fromEntries(params));
  if (query.success) return query.data;
  const issue = query.error.issues[0];
  throw new ApiError(400, 'invalid_request', issue?.message ?? 'Invalid query.', {}, String(issue?.path[0]));
}

/**
 * The body of a create: a JSON object with `name` and nothing else.
 * @throws ApiError 400 `invalid_request` with `field`: `name` when it is missing, the unknown field otherwise
 */
function createName(body: unknown): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ApiError(400, 'invalid_request', 'The body must be a JSON object { "name": "…" }.');
  }
  const extra = Object.keys(body).find((key) => key !== 'name');
  if (extra !== undefined) {
    const shown = truncateGraphemes(extra, 40);
    throw new ApiError(
      400,
      'invalid_request',
      `Unknown field "${shown}": the body is { "name": "…" } and nothing else.`,
      {},
      shown,
    );
  }
  if (!('name' in body)) throw new ApiError(400, 'invalid_request', 'name is required.', {}, 'name');
  return body.name;
}

function itemJson(item: DataItem) {
  return { id: item.id, name: item.name, created_at: item.createdAt.toISOString() };
}

function bearerChallenge(error?: { code: string; description: string }): Record<string, string> {
  return {
    'www-authenticate': error
      ? `Bearer realm="${BEARER_REALM}", error="${error.code}", error_description="${error.description}"`
      : `Bearer realm="${BEARER_REALM}"`,
  };
}

/**
 * The bearer-authenticated REST API under `/api/v1` (issue 4 §5; RFC 6750 for the bearer token):
 *
 * - `GET /organization` → `{ id, name, metrics: { members, admins, data_layers, data_sources } }`
 * - `GET /data-sources?page=&per_page=` → `{ data: [{ id, name, created_at }], page, per_page, total }` (each
 *   parameter at most once, a plain positive whole number)
 * - `POST /data-sources` with `{ "name": "…" }` → 201 and the item; `GET|DELETE /data-sources/:id` → the item / 204
 * - the same for `/data-layers`
 * - `GET /audit-events` → the audit log, cursor-paged or as NDJSON (audit-events.ts; scope `AUDIT_SCOPE`).
 *
 * Every request is authenticated anew (no cache): a token of a disabled or deleted client, a revoked or expired
 * token, gets 401 at once. Errors are JSON `{ error, message }` with stable codes: `missing_token` and
 * `invalid_token` (401, with `WWW-Authenticate: Bearer`), `invalid_request` (400, with `field`), `invalid_json`,
 * `unsupported_media_type` (415), `payload_too_large` (413), `not_found` (404), `method_not_allowed` (405),
 * `server_error` (500).
 */
export function apiHandler(deps: {
  orm: Orm;
  logger: Logger;
  clock: Clock;
  settings: ClientSettings;
  /** The OAuth hot paths' statements (the domain's port; src/db implements it). */
  credentials: ClientCredentialStore;
}): (req: IncomingMessage, res: ServerResponse) => void {
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const em = deps.orm.em.fork();
    const caller = await authenticate(req, new OAuthService(em, deps.clock, deps.credentials, deps.settings));
    const path = url.pathname.slice(API_PREFIX.length).replace(/\/+$/, '');
    const parts = path.split('/').filter(Boolean);
    const method = req.method ?? 'GET';
    const data = new DataService(em, deps.clock);

    if (parts.length === 1 && parts[0] === 'organization') {
      allow(method, ['GET']);
      const metrics = await data.metrics(caller.organization);
      sendJson(res, 200, {
        id: caller.organization.id,
        name: caller.organization.name,
        metrics: {
          members: metrics.members,
          admins: metrics.admins,
          data_layers: metrics.dataLayers,
          data_sources: metrics.dataSources,
        },
      });
      return;
    }
    if (parts.length === 1 && parts[0] === 'audit-events') {
      allow(method, ['GET']); // scope: AUDIT_SCOPE (audit-events.ts)
      await auditEventsRoute(req, res, { em, organization: caller.organization, url, logger: deps.logger });
      return;
    }
    const kind = parts[0] === undefined ? undefined : RESOURCES[parts[0]];
    if (kind && parts.length === 1) {
      allow(method, ['GET', 'POST']);
      if (method === 'GET') {
        const query = listQuery(url.searchParams);
        const page = await data.list(caller, kind, query.page, query.per_page);
        sendJson(res, 200, {
          data: page.items.map(itemJson),
          page: page.page,
          per_page: page.perPage,
          total: page.total,
        });
        return;
      }
      const item = await data.create(caller, kind, createName(await readJson(req)));
      sendJson(res, 201, itemJson(item), { location: `${API_PREFIX}/${parts[0]}/${item.id}` });
      return;
    }
    if (kind && parts.length === 2 && parts[1]) {
      allow(method, ['GET', 'DELETE']);
      if (method === 'DELETE') {
        await data.delete(caller, kind, parts[1]);
        sendJson(res, 204, undefined);
        return;
      }
      const item = await data.get(caller, kind, parts[1]);
      sendJson(res, 200, itemJson(item));
      return;
    }
    throw new ApiError(404, 'not_found', `No such resource: ${truncateGraphemes(url.pathname, 100)}`);
  };

  return (req, res) => {
    handle(req, res).catch((err: unknown) => {
      const apiError = toApiError(err);
      if (apiError.status >= 500) deps.logger.error({ err }, 'api request failed');
      sendJson(
        res,
        apiError.status,
        {
          error: apiError.error,
          message: apiError.message,
          ...(apiError.field ? { field: apiError.field } : {}),
        },
        apiError.headers,
      );
    });
  };
}

async function authenticate(req: IncomingMessage, oauth: OAuthService): Promise<DataCaller> {
  const header = req.headers.authorization;
  if (header === undefined) {
    throw new ApiError(
      401,
      'missing_token',
      'Send an access token: Authorization: Bearer <token>.',
      bearerChallenge(),
    );
  }
  const match = /^bearer\s+([A-Za-z0-9._~+/-]+=*)\s*$/i.exec(header);
  if (!match?.[1]) {
    throw new ApiError(
      400,
      'invalid_request',
      'The Authorization header must be: Bearer <token>.',
      bearerChallenge({ code: 'invalid_request', description: 'malformed Authorization header' }),
    );
  }
  const caller = await oauth.authenticateBearer(match[1]);
  if (!caller) {
    throw new ApiError(
      401,
      'invalid_token',
      'The access token is invalid, expired or revoked, or its client is disabled or deleted.',
      bearerChallenge({ code: 'invalid_token', description: 'The access token is not valid' }),
    );
  }
  return caller;
}

function allow(method: string, allowed: string[]): void {
  if (!allowed.includes(method)) {
    throw new ApiError(405, 'method_not_allowed', `Use ${allowed.join(' or ')}.`, {
      allow: allowed.join(', '),
    });
  }
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  if (mediaType(req) !== 'application/json') {
    throw new ApiError(415, 'unsupported_media_type', 'The body must be application/json.');
  }
  let text: string;
  try {
    text = (await readBody(req, MAX_JSON_BYTES)).toString('utf8');
  } catch (err) {
    if (err instanceof BodyTooLargeError) {
      throw new ApiError(413, 'payload_too_large', `The body must be at most ${MAX_JSON_BYTES} bytes.`);
    }
    throw err;
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError(400, 'invalid_json', 'The body is not valid JSON.');
  }
}

function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof DomainError) {
    const body = apiErrorBody(err);
    return new ApiError(body.status, body.error, body.message, {}, body.field);
  }
  return new ApiError(500, 'server_error', 'Something went wrong on our side.');
}
