import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type CustomRoute, HTTPReceiverDeferredRequestError } from '@slack/bolt';
import type { Logger } from '../logger.js';
import { logAccess } from './access-log.js';

/** Milliseconds that requests in progress get to finish when the server closes. */
const CLOSE_GRACE_MS = 2000;
/** Seconds a client is asked to wait (`Retry-After`) when the server refuses a request because it is draining. */
export const DRAINING_RETRY_AFTER_SECONDS = 5;

/** A started HTTP server: the app's own routes, and Slack's requests when there is a fallback (HTTP mode). */
export interface AppServer {
  server: Server;
  port: number;
  close(): Promise<void>;
}

/** A request as route handlers see it: Bolt's shape, with the path parameters in `params`. */
type RouteRequest = IncomingMessage & { params?: Record<string, string | string[]> };
type RouteHandler = (req: RouteRequest, res: ServerResponse) => unknown;
/** A route, compiled: the methods it answers, and a matcher for paths with parameters. */
interface CompiledRoute {
  methods: Map<string, RouteHandler>;
  /** The pattern as given (`/invitations/:token`): the access log's `route`. */
  pattern: string;
  /** Literal start of the path (`/invitations/`, `/api/v1/`); undefined for a literal path. */
  prefix?: string;
  /** `:name` matches one non-empty segment; `*name` one or more segments. */
  param?: { name: string; kind: 'segment' | 'rest' };
}

/**
 * A small router for the `customRoutes` patterns this app uses, compiled once: literal paths (`/oauth/token`),
 * literal paths ending in one `:param` segment (`/invitations/:token`) and in a `*rest` wildcard
 * (`/api/v1/*path`). It replaces Bolt's dispatch, which rebuilds a path-to-regexp matcher for every route on every
 * request. As with path-to-regexp's defaults, one trailing slash is ignored; unlike them, matching is
 * case-sensitive. A path whose method is not listed is not matched.
 * @throws Error at construction for a pattern outside that subset
 */
export class Router {
  private readonly exact = new Map<string, CompiledRoute>();
  private readonly patterns: CompiledRoute[] = [];

  constructor(routes: CustomRoute[]) {
    for (const route of routes) {
      const methods = new Map<string, RouteHandler>();
      for (const m of Array.isArray(route.method) ? route.method : [route.method]) {
        methods.set(m.toUpperCase(), route.handler as RouteHandler);
      }
      const param = /^(.*\/)([:*])([A-Za-z_]\w*)$/.exec(route.path);
      const literal = param ? param[1] : route.path;
      if (!literal?.startsWith('/') || /[:*?(){}]/.test(literal)) {
        throw new Error(`route pattern not supported: ${route.path}`);
      }
      if (!param) {
        const existing = this.exact.get(route.path);
        if (existing) for (const [m, h] of methods) existing.methods.set(m, h);
        else this.exact.set(route.path, { methods, pattern: route.path });
        continue;
      }
      this.patterns.push({
        methods,
        pattern: route.path,
        prefix: literal,
        param: { name: param[3] ?? '', kind: param[2] === ':' ? 'segment' : 'rest' },
      });
    }
  }

  /**
   * Finds the handler of a request and sets `req.params` (decoded, like Bolt's). A parameter that is not valid
   * percent-encoding does not match.
   * @returns the handler, or undefined when no route takes this method and path
   */
  match(req: RouteRequest): RouteHandler | undefined {
    return this.route(req)?.handler;
  }

  /** As {@link match}, with the pattern of the route matched. */
  route(req: RouteRequest): { handler: RouteHandler; pattern: string } | undefined {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    let path = q < 0 ? url : url.slice(0, q);
    const method = req.method ?? 'GET';
    const exact = this.exact.get(path);
    const found = exact?.methods.get(method);
    if (found) return { handler: found, pattern: exact?.pattern ?? path };
    if (path.length > 1 && path.endsWith('/')) {
      path = path.slice(0, -1);
      const trimmedRoute = this.exact.get(path);
      const trimmed = trimmedRoute?.methods.get(method);
      if (trimmed) return { handler: trimmed, pattern: trimmedRoute?.pattern ?? path };
    }
    for (const route of this.patterns) {
      const { prefix, param } = route;
      if (!prefix || !param || !path.startsWith(prefix) || path.length === prefix.length) continue;
      const handler = route.methods.get(method);
      if (!handler) continue;
      const rest = path.slice(prefix.length);
      if (param.kind === 'segment' && rest.includes('/')) continue;
      try {
        req.params = { [param.name]: decodeURIComponent(rest) };
      } catch {
        continue;
      }
      return { handler, pattern: route.pattern };
    }
    return undefined;
  }
}

/**
 * Starts the one HTTP server of the app. Requests for the app's routes go straight to their handlers; all others go
 * to `fallback` — Bolt's `HTTPReceiver.requestListener` in HTTP mode, which verifies Slack's signatures and serves
 * `/slack/events` exactly as Bolt's own server would — or get 404 `{"error":"not_found"}` (Socket Mode, where
 * Slack's traffic arrives over the WebSocket). A handler's rejected promise is logged and answered 500. While
 * `isDraining()` is true every new request is answered 503 `{"error":"draining"}` with `Connection: close` and
 * `Retry-After` (RFC 9110 §10.2.3), so a load balancer sends it elsewhere; requests already in progress go on.
 * @param port TCP port; 0 picks a free one
 * @throws Error when the port cannot be bound (EADDRINUSE …)
 */
export async function startAppServer(options: {
  routes: CustomRoute[];
  port: number;
  logger: Logger;
  fallback?: (req: IncomingMessage, res: ServerResponse) => void;
  isDraining?: () => boolean;
}): Promise<AppServer> {
  const router = new Router(options.routes);
  const { fallback, logger } = options;
  const failed = (req: IncomingMessage, res: ServerResponse, err: unknown) => {
    logger.error({ err, method: req.method, path: req.url?.split('?')[0] }, 'HTTP request failed');
    if (!res.headersSent) sendStatus(res, 500, 'server_error');
    else res.destroy();
  };
  const notFound = (res: ServerResponse) => sendStatus(res, 404, 'not_found');
  const server = createServer((req, res) => {
    const matched = router.route(req);
    // One access log line per request: our routes at info, Slack's and unmatched ones at debug.
    if (matched) logAccess(logger, req, res, matched.pattern);
    else logAccess(logger, req, res, slackOrUnmatched(req), 'debug');
    const handler = matched?.handler;
    // While draining every new request is refused, but for `GET /readyz`, which says why itself.
    if (options.isDraining?.() && matched?.pattern !== '/readyz') {
      res.setHeader('connection', 'close');
      res.setHeader('retry-after', String(DRAINING_RETRY_AFTER_SECONDS));
      sendStatus(res, 503, 'draining');
      req.resume();
      return;
    }
    if (handler) {
      try {
        const result = handler(req, res);
        if (result instanceof Promise) result.catch((err: unknown) => failed(req, res, err));
      } catch (err) {
        failed(req, res, err);
      }
      return;
    }
    if (!fallback) {
      notFound(res);
      return;
    }
    try {
      fallback(req, res);
    } catch (err) {
      // Bolt throws this for paths it does not serve (its own server answers them 404 too).
      if (err instanceof HTTPReceiverDeferredRequestError) notFound(res);
      else failed(req, res, err);
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    server,
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        // Requests in progress may finish (within a grace period); idle keep-alive connections go at once.
        const force = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
        force.unref();
        server.close((err) => {
          clearTimeout(force);
          if (err) reject(err);
          else resolve();
        });
        server.closeIdleConnections();
      }),
  };
}

/** The access log's `route` of a request no route of ours took. */
function slackOrUnmatched(req: IncomingMessage): string {
  const path = (req.url ?? '/').split('?')[0];
  return path === '/slack/events' || path === '/slack/events/' ? '/slack/events' : 'unmatched';
}

function sendStatus(res: ServerResponse, status: number, error: string): void {
  const body = JSON.stringify({ error });
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}
