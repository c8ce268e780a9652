/**
 * A tiny HTTP load balancer for the multi-instance tests and the benchmark (node:http, no dependency): each request
 * goes to the next of N upstreams in turn. An upstream that refuses the connection (a killed instance) is skipped
 * and the request goes to the next one; a request whose upstream fails after the connection was made (killed while
 * handling it) is answered 502, so the caller never takes it for an acknowledgement.
 *
 * A request carrying the header {@link UPSTREAM_HEADER} (`x-upstream: <index>`) goes to that upstream only (no
 * skipping): tests use it to send two racing requests through two different instances.
 */
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Header that pins a request to one upstream, by its 0-based index. Not forwarded. */
export const UPSTREAM_HEADER = 'x-upstream';

/** A running proxy. */
export interface RoundRobinProxy {
  /** `http://127.0.0.1:<port>` */
  url: string;
  port: number;
  /** How many requests each upstream answered (by index), 502s and skips not counted. */
  served: number[];
  /** Stops listening and closes idle connections. */
  stop(): Promise<void>;
}

/** Error codes meaning "nothing listens there": the request never reached an app, so another may take it. */
const REFUSED = new Set(['ECONNREFUSED', 'EHOSTUNREACH']);

/**
 * Starts a proxy on 127.0.0.1 (port 0 unless given) in front of `upstreams` (base URLs such as
 * `http://127.0.0.1:3001`). Request bodies are read whole before forwarding (Slack payloads are small), so a
 * refused upstream can be replaced by the next one with the same bytes.
 * @throws Error when `upstreams` is empty
 */
export async function startRoundRobinProxy(
  upstreams: string[],
  options: { port?: number } = {},
): Promise<RoundRobinProxy> {
  if (upstreams.length === 0) throw new Error('a proxy needs at least one upstream');
  const targets = upstreams.map((u) => new URL(u));
  const served = targets.map(() => 0);
  let next = 0;

  const forward = (
    index: number,
    req: IncomingMessage,
    body: Buffer,
    res: ServerResponse,
    onRefused: () => void,
  ) => {
    const target = targets[index] as URL;
    const headers: Record<string, string | string[] | undefined> = { ...req.headers, host: target.host };
    delete headers[UPSTREAM_HEADER];
    const upstream = request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers,
      },
      (answer) => {
        served[index] = (served[index] ?? 0) + 1;
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
        answer.on('error', () => res.destroy());
      },
    );
    upstream.on('error', (err: NodeJS.ErrnoException) => {
      if (REFUSED.has(err.code ?? '')) return onRefused();
      if (!res.headersSent) {
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(`upstream ${index} failed: ${err.code ?? err.message}`);
      } else res.destroy();
    });
    upstream.end(body);
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const pinned = req.headers[UPSTREAM_HEADER];
      const refusedAll = () => {
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end('no upstream accepted the connection');
      };
      if (typeof pinned === 'string') {
        const index = Number(pinned);
        if (!Number.isInteger(index) || index < 0 || index >= targets.length) {
          res.writeHead(400, { 'content-type': 'text/plain' });
          res.end(`${UPSTREAM_HEADER} must be 0…${targets.length - 1}`);
          return;
        }
        forward(index, req, body, res, refusedAll);
        return;
      }
      const first = next;
      next = (next + 1) % targets.length;
      let tried = 0;
      const attempt = (index: number) => {
        tried += 1;
        forward(index, req, body, res, () => {
          if (tried >= targets.length) refusedAll();
          else attempt((index + 1) % targets.length);
        });
      };
      attempt(first);
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    served,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
