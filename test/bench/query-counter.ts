/**
 * Preload of the benchmark (`node --import tsx --import ./test/bench/query-counter.ts src/main.ts`): counts the SQL
 * statements the process sends, and which of them were caused by an HTTP request, without touching the app.
 *
 * - Every statement of MikroORM 6 goes through knex, and knex emits `query` on its client for every statement
 *   (queries, `BEGIN`, `COMMIT`, in or out of a transaction, SQLite or PostgreSQL), also through the
 *   `Client.prototype.query` MikroORM puts in place of knex's: `Client.prototype.emit` is wrapped to count them.
 * - `http.Server.prototype.emit('request')` is wrapped to run each request's handling in an `AsyncLocalStorage`
 *   context: a statement issued while that context is current (the ack, Bolt's middleware and listeners, anything
 *   awaited from them) counts as the requests'; the others (timers and workers started at boot) as background.
 *
 * Reads are served on 127.0.0.1:`QUERY_COUNTER_PORT` (`GET /` → {@link QueryCounts} as JSON), from a server made
 * before the wrap, so reading the counts is not counted. Without `QUERY_COUNTER_PORT` the preload does nothing.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { createServer, Server } from 'node:http';
import { createRequire } from 'node:module';

/** What `GET /` on the counter answers: statements sent since the process started. */
export interface QueryCounts {
  /** Statements issued inside the handling of an HTTP request (any path but the counter's own). */
  request: number;
  /** Statements issued outside any request (boot, timers, workers). */
  background: number;
  /** HTTP requests the app received. */
  requests: number;
}

/**
 * Reads the counts of a process started with this preload.
 * @param url `http://127.0.0.1:<QUERY_COUNTER_PORT>`
 * @throws Error when the counter does not answer within 2 s
 */
export async function readQueryCounts(url: string): Promise<QueryCounts> {
  const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
  if (!res.ok) throw new Error(`query counter answered ${res.status}`);
  return (await res.json()) as QueryCounts;
}

/** knex's base class of every dialect's client (an EventEmitter). */
type KnexClient = { prototype: { emit: (...args: unknown[]) => boolean } };

/** Patches knex and `http.Server`, then serves the counts on `port`. */
function install(port: number, specifier: string): void {
  const counts: QueryCounts = { request: 0, background: 0, requests: 0 };
  const inRequest = new AsyncLocalStorage<true>();

  // The counter's own server exists before the wrap below: its requests do not count.
  const counter = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(counts));
  });
  counter.listen(port, '127.0.0.1');
  counter.unref();

  // knex emits `query` on the client once per statement (MikroORM's own `Client.prototype.query` too); a
  // transaction's client re-emits it on its parent with the same object, which is counted once.
  const Client = createRequire(import.meta.url)(specifier) as KnexClient;
  const clientEmit = Client.prototype.emit;
  const counted = new WeakSet<object>();
  Client.prototype.emit = function countedEmit(this: unknown, ...args: [string | symbol, ...unknown[]]) {
    const query = args[1];
    if (args[0] === 'query' && typeof query === 'object' && query !== null && !counted.has(query)) {
      counted.add(query);
      if (inRequest.getStore()) counts.request += 1;
      else counts.background += 1;
    }
    return Reflect.apply(clientEmit, this, args) as boolean;
  } as KnexClient['prototype']['emit'];

  const emit = Server.prototype.emit;
  Server.prototype.emit = function emitInContext(this: Server, ...args: [string | symbol, ...unknown[]]) {
    if (args[0] !== 'request' || this === counter) return Reflect.apply(emit, this, args) as boolean;
    counts.requests += 1;
    return inRequest.run(true, () => Reflect.apply(emit, this, args) as boolean);
  } as typeof emit;
}

const port = Number(process.env.QUERY_COUNTER_PORT);
if (Number.isInteger(port) && port > 0) install(port, 'knex/lib/client.js');
