import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CustomRoute } from '@slack/bolt';
import express from 'express';

/** A started HTTP server for the app's own routes. */
export interface RoutesServer {
  server: Server;
  port: number;
  close(): Promise<void>;
}

/**
 * Serves Bolt-style custom routes on their own HTTP server — used in Socket Mode, where Slack's traffic arrives over
 * the WebSocket but `/healthz`, the OAuth endpoints and the invitation pages still need a port. (Bolt's Socket Mode
 * receiver can serve custom routes too, but neither awaits its `listen` nor reports the port or a bind error.)
 * Paths use the same path-to-regexp syntax as Bolt's `customRoutes`.
 * @param port TCP port; 0 picks a free one
 * @throws Error when the port cannot be bound (EADDRINUSE …)
 */
export async function startRoutesServer(routes: CustomRoute[], port: number): Promise<RoutesServer> {
  const app = express();
  app.disable('x-powered-by');
  for (const route of routes) {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      app[method.toLowerCase() as 'get' | 'post' | 'delete' | 'put' | 'patch'](route.path, (req, res) =>
        route.handler(Object.assign(req, { params: req.params }), res),
      );
    }
  }
  app.use((_req, res) => {
    res.status(404).json({ error: 'not_found' });
  });
  const server = createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    server,
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
