import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EntityManager } from '@mikro-orm/core';
import { z } from 'zod';
import type { Orm } from '../../db/orm.js';
import type { Clock } from '../../domain/actor.js';
import { type ApiCaller, OAuthService } from '../../domain/clients/oauth.service.js';
import type { ClientCredentialStore } from '../../domain/clients/ports.js';
import type { Scope } from '../../domain/clients/scopes.js';
import type { ClientSettings } from '../../domain/clients/settings.js';
import { type DataItem, type DataKind, DataService, MAX_PER_PAGE } from '../../domain/data/data.service.js';
import { DomainError } from '../../domain/errors.js';
import { truncateGraphemes } from '../../domain/graphemes.js';
import { membersPage } from '../../domain/members/members-page.js';
import { BodyTooLargeError, readBody } from '../../lib/http-body.js';
import type { Logger } from '../../logger.js';
import { mediaType, sendJson } from '../oauth/http-util.js';
import { AUDIT_SCOPE, auditEventsRoute } from './audit-events.js';
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
 * The query of a list, one value per parameter. An unknown parameter is refused, as on `/audit-events`: a misspelt
 * `per_page` would otherwise be answered with the default silently.
 * @throws ApiError 400 `invalid_request` naming the unknown parameter, the one given more than once, or the first
 *   invalid one
 */
function listQuery(params: URLSearchParams): z.output<typeof ListQuery> {
  const known = Object.keys(ListQuery.shape);
  for (const key of new Set(params.keys())) {
    if (!known.includes(key)) {
      const shown = truncateGraphemes(key, 40);
      throw new ApiError(
        400,
        'invalid_request',
        `Unknown parameter "${shown}": use ${known.join(', ')}.`,
        {},
        shown,
      );
    }
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

function bearerChallenge(error?: {
  code: string;
  description: string;
  scope?: Scope;
}): Record<string, string> {
  if (!error) return { 'www-authenticate': `Bearer realm="${BEARER_REALM}"` };
  const scope = error.scope ? `, scope="${error.scope}"` : '';
  return {
    'www-authenticate': `Bearer realm="${BEARER_REALM}", error="${error.code}", error_description="${error.description}"${scope}`,
  };
}

/** What a route's handler gets: the request, the authenticated caller, and the request's unit of work. */
export interface RouteContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  /** The path's `:name` segments, by name. */
  params: Record<string, string>;
  caller: ApiCaller;
  /** The request's unit of work (a fork). */
  em: EntityManager;
  clock: Clock;
  logger: Logger;
}

/**
 * One route of the API: method, path under {@link API_PREFIX} (`:name` stands for one segment), the scope a token
 * needs for it (RFC 6750 §3.1: 403 `insufficient_scope` without it), and its handler. Adding a route is one line
 * of {@link ROUTES} (or of `extraRoutes`).
 */
export interface ApiRoute {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  scope: Scope;
  handle: (ctx: RouteContext) => Promise<void>;
}

/** Sends one page of a list: `{ data, page, per_page, total }`. */
function sendPage<T>(
  res: ServerResponse,
  data: T[],
  query: { page: number; per_page: number },
  total: number,
) {
  sendJson(res, 200, { data, page: query.page, per_page: query.per_page, total });
}

async function getOrganization({ res, caller, em, clock }: RouteContext): Promise<void> {
  const metrics = await new DataService(em, clock).metrics(caller.organization);
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
}

async function listMembers({ res, url, caller, em }: RouteContext): Promise<void> {
  const query = listQuery(url.searchParams);
  const page = await membersPage(em, caller.organization, query.page, query.per_page);
  const data = page.items.map((m) => ({
    id: m.id,
    email: m.email,
    role: m.role,
    slack_user_id: m.slackUserId,
  }));
  sendPage(res, data, query, page.total);
}

/** The four routes of a data resource (`data-sources`, `data-layers`), each with its read or write scope. */
function dataRoutes(resource: 'data-sources' | 'data-layers', kind: DataKind): ApiRoute[] {
  const read = `${resource}:read` as const;
  const write = `${resource}:write` as const;
  return [
    {
      method: 'GET',
      path: `/${resource}`,
      scope: read,
      handle: async ({ res, url, caller, em, clock }) => {
        const query = listQuery(url.searchParams);
        const page = await new DataService(em, clock).list(caller, kind, query.page, query.per_page);
        sendPage(res, page.items.map(itemJson), query, page.total);
      },
    },
    {
      method: 'POST',
      path: `/${resource}`,
      scope: write,
      handle: async ({ req, res, caller, em, clock }) => {
        const item = await new DataService(em, clock).create(caller, kind, createName(await readJson(req)));
        sendJson(res, 201, itemJson(item), { location: `${API_PREFIX}/${resource}/${item.id}` });
      },
    },
    {
      method: 'GET',
      path: `/${resource}/:id`,
      scope: read,
      handle: async ({ res, params, caller, em, clock }) => {
        sendJson(res, 200, itemJson(await new DataService(em, clock).get(caller, kind, params.id ?? '')));
      },
    },
    {
      method: 'DELETE',
      path: `/${resource}/:id`,
      scope: write,
      handle: async ({ res, params, caller, em, clock }) => {
        await new DataService(em, clock).delete(caller, kind, params.id ?? '');
        sendJson(res, 204, undefined);
      },
    },
  ];
}

/** The routes of the API, each with its scope. */
export const ROUTES: readonly ApiRoute[] = [
  { method: 'GET', path: '/organization', scope: 'organization:read', handle: getOrganization },
  { method: 'GET', path: '/members', scope: 'members:read', handle: listMembers },
  ...dataRoutes('data-sources', 'data_source'),
  ...dataRoutes('data-layers', 'data_layer'),
  {
    method: 'GET',
    path: '/audit-events',
    scope: AUDIT_SCOPE,
    handle: ({ req, res, url, caller, em, logger }) =>
      auditEventsRoute(req, res, { em, organization: caller.organization, url, logger }),
  },
];

/** The path parameters of `path` under `pattern` (`:name` segments), or null when it does not match. */
function matchPath(pattern: string, parts: readonly string[]): Record<string, string> | null {
  const wanted = pattern.split('/').filter(Boolean);
  if (wanted.length !== parts.length) return null;
  const params: Record<string, string> = {};
  for (const [i, segment] of wanted.entries()) {
    const part = parts[i] ?? '';
    if (segment.startsWith(':')) params[segment.slice(1)] = part;
    else if (segment !== part) return null;
  }
  return params;
}

/**
 * The bearer-authenticated REST API under `/api/v1` (issue 4 §5, issue 14; RFC 6750 for the bearer token). Each
 * route of {@link ROUTES} needs a scope:
 *
 * - `GET /organization` (`organization:read`) → `{ id, name, metrics: { members, admins, data_layers,
 *   data_sources } }`
 * - `GET /members?page=&per_page=` (`members:read`) → `{ data: [{ id, email, role, slack_user_id }], page,
 *   per_page, total }`
 * - `GET /data-sources?page=&per_page=` (`data-sources:read`) → `{ data: [{ id, name, created_at }], page,
 *   per_page, total }` (each parameter at most once, a plain positive whole number)
 * - `POST /data-sources` (`data-sources:write`) with `{ "name": "…" }` → 201 and the item; `GET|DELETE
 *   /data-sources/:id` (read / write) → the item / 204
 * - the same for `/data-layers` (`data-layers:read`, `data-layers:write`).
 * - `GET /audit-events` (`audit:read`) → the audit log, cursor-paged or as NDJSON (audit-events.ts).
 *
 * Every GET route answers HEAD too (RFC 9110 §9.3.2): same checks, status and headers, no body. A GET route that
 * takes query parameters refuses one it does not know (400 `invalid_request` naming it in `field`).
 *
 * Every request is authenticated anew (no cache): a token of a disabled or deleted client, a revoked or expired
 * token, gets 401 at once; a token whose scopes (its own AND its client's current ones) lack the route's gets 403
 * `insufficient_scope` with `WWW-Authenticate: Bearer …, error="insufficient_scope", scope="<the scope>"` (RFC 6750
 * §3.1). Errors are JSON `{ error, message }` with stable codes: `missing_token` and `invalid_token` (401, with
 * `WWW-Authenticate: Bearer`), `insufficient_scope` (403, with `scope`), `invalid_request` (400, with `field`),
 * `invalid_json`, `unsupported_media_type` (415), `payload_too_large` (413), `not_found` (404),
 * `method_not_allowed` (405), `server_error` (500).
 *
 * @param extraRoutes more routes, matched after {@link ROUTES}
 */
export function apiHandler(
  deps: {
    orm: Orm;
    logger: Logger;
    clock: Clock;
    settings: ClientSettings;
    /** The OAuth hot paths' statements (the domain's port; src/db implements it). */
    credentials: ClientCredentialStore;
  },
  extraRoutes: readonly ApiRoute[] = [],
): (req: IncomingMessage, res: ServerResponse) => void {
  const routes = [...ROUTES, ...extraRoutes];
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const em = deps.orm.em.fork();
    const caller = await authenticate(req, new OAuthService(em, deps.clock, deps.credentials, deps.settings));
    const path = url.pathname.slice(API_PREFIX.length).replace(/\/+$/, '');
    const parts = path.split('/').filter(Boolean);
    const method = req.method ?? 'GET';
    // RFC 9110 §9.3.2: HEAD is GET without the content. The GET route answers it, with the same authentication,
    // scope check, status and headers; Node's server sends no body in an answer to HEAD.
    const wanted = method === 'HEAD' ? 'GET' : method;
    const matching = routes.flatMap((route) => {
      const params = matchPath(route.path, parts);
      return params ? [{ route, params }] : [];
    });
    if (matching.length === 0) {
      throw new ApiError(404, 'not_found', `No such resource: ${truncateGraphemes(url.pathname, 100)}`);
    }
    const found = matching.find((m) => m.route.method === wanted);
    if (!found) {
      const allowed = [
        ...new Set(matching.flatMap((m) => (m.route.method === 'GET' ? ['GET', 'HEAD'] : [m.route.method]))),
      ];
      throw new ApiError(405, 'method_not_allowed', `Use ${allowed.join(' or ')}.`, {
        allow: allowed.join(', '),
      });
    }
    requireScope(caller, found.route.scope);
    await found.route.handle({
      req,
      res,
      url,
      params: found.params,
      caller,
      em,
      clock: deps.clock,
      logger: deps.logger,
    });
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

/**
 * Refuses a caller whose scopes lack `scope` (RFC 6750 §3.1).
 * @throws ApiError 403 `insufficient_scope` with the challenge naming the scope
 */
function requireScope(caller: ApiCaller, scope: Scope): void {
  if (caller.scopes.includes(scope)) return;
  throw new ApiError(
    403,
    'insufficient_scope',
    `This token does not have the scope ${scope}. Ask for it in the token request (scope=${scope}); ` +
      'an admin may first have to give it to the client in Slack (/org clients).',
    bearerChallenge({
      code: 'insufficient_scope',
      description: `The access token lacks the scope ${scope}`,
      scope,
    }),
  );
}

async function authenticate(req: IncomingMessage, oauth: OAuthService): Promise<ApiCaller> {
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
