import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CustomRoute } from '@slack/bolt';
import { describe, expect, it } from 'vitest';
import { Router, startAppServer } from '../../src/http/server.js';
import { createLogger } from '../../src/logger.js';

type Req = IncomingMessage & { params?: Record<string, string | string[]> };

/** A handler that answers its own name and the params it saw. */
function named(name: string) {
  return (req: Req, res: ServerResponse) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ name, params: req.params ?? null }));
  };
}

const ROUTES: CustomRoute[] = [
  { path: '/oauth/token', method: ['POST', 'GET'], handler: named('token') },
  { path: '/api/v1', method: ['GET'], handler: named('api-root') },
  { path: '/api/v1/*path', method: ['GET', 'DELETE'], handler: named('api') },
  { path: '/healthz', method: ['GET'], handler: named('healthz') },
  { path: '/invitations/:token', method: ['GET', 'POST'], handler: named('invitation') },
  { path: '/boom', method: ['GET'], handler: async () => Promise.reject(new Error('kaput')) },
];

function req(method: string, url: string): Req {
  return { method, url } as Req;
}

describe('Router', () => {
  const router = new Router(ROUTES);
  const nameOf = (method: string, url: string) => {
    const r = req(method, url);
    const handler = router.match(r);
    return handler
      ? { handler: ROUTES.find((x) => x.handler === handler)?.path, params: r.params }
      : undefined;
  };

  it('matches literal paths, ignoring the query and one trailing slash', () => {
    expect(nameOf('POST', '/oauth/token')?.handler).toBe('/oauth/token');
    expect(nameOf('GET', '/oauth/token?x=1')?.handler).toBe('/oauth/token');
    expect(nameOf('GET', '/healthz/')?.handler).toBe('/healthz');
    expect(nameOf('GET', '/api/v1/')?.handler).toBe('/api/v1');
    expect(nameOf('GET', '/oauth/tokens')).toBeUndefined();
    expect(nameOf('GET', '/oauth')).toBeUndefined();
  });

  it('passes a method it does not list through (so it reaches the fallback)', () => {
    expect(nameOf('POST', '/healthz')).toBeUndefined();
    expect(nameOf('PUT', '/oauth/token')).toBeUndefined();
  });

  it('sets decoded params for :param (one segment) and *rest (one or more)', () => {
    expect(nameOf('GET', '/invitations/abo_inv_a%2Bb')).toEqual({
      handler: '/invitations/:token',
      params: { token: 'abo_inv_a+b' },
    });
    expect(nameOf('GET', '/invitations/a/b')).toBeUndefined();
    expect(nameOf('GET', '/invitations/')).toBeUndefined();
    expect(nameOf('GET', '/invitations/%E0%A4%A')).toBeUndefined();
    expect(nameOf('DELETE', '/api/v1/data-sources/ds_1')).toEqual({
      handler: '/api/v1/*path',
      params: { path: 'data-sources/ds_1' },
    });
  });

  it('refuses patterns it cannot match exactly', () => {
    expect(() => new Router([{ path: '/a/:b/c', method: 'GET', handler: named('x') }])).toThrow(
      /not supported/,
    );
    expect(() => new Router([{ path: '/a{/:b}', method: 'GET', handler: named('x') }])).toThrow(
      /not supported/,
    );
  });
});

describe('startAppServer', () => {
  it('serves routes, answers 404 JSON without a fallback, 500 for a failed handler, and hands the rest to the fallback', async () => {
    const plain = await startAppServer({ routes: ROUTES, port: 0, logger: createLogger('silent') });
    const withFallback = await startAppServer({
      routes: ROUTES,
      port: 0,
      logger: createLogger('silent'),
      fallback: (_req, res) => {
        res.writeHead(202);
        res.end('fallback');
      },
    });
    try {
      const base = `http://127.0.0.1:${plain.port}`;
      expect(await (await fetch(`${base}/healthz`)).json()).toEqual({ name: 'healthz', params: null });
      const missing = await fetch(`${base}/slack/events`, { method: 'POST', body: 'x' });
      expect(missing.status).toBe(404);
      expect(await missing.json()).toEqual({ error: 'not_found' });
      const failed = await fetch(`${base}/boom`);
      expect(failed.status).toBe(500);
      expect(await failed.json()).toEqual({ error: 'server_error' });
      const other = await fetch(`http://127.0.0.1:${withFallback.port}/slack/events`, {
        method: 'POST',
        body: 'x',
      });
      expect(other.status).toBe(202);
      expect(await other.text()).toBe('fallback');
    } finally {
      await plain.close();
      await withFallback.close();
    }
  });
});
