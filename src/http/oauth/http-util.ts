import type { IncomingMessage, ServerResponse } from 'node:http';
import proxyaddr from 'proxy-addr';
import type { TrustProxy } from '../../config.js';

/** The media type of a request, lower-cased, without parameters (`application/json; charset=utf-8` → `application/json`). */
export function mediaType(req: IncomingMessage): string {
  const header = req.headers['content-type'] ?? '';
  // The usual exact forms need no parsing.
  if (header === 'application/x-www-form-urlencoded' || header === 'application/json') return header;
  return header.split(';')[0]?.trim().toLowerCase() ?? '';
}

/** Sends a JSON body with `Cache-Control: no-store` (and `Pragma: no-cache`, RFC 6749 §5.1). */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers?: Record<string, string>,
): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  const head: Record<string, string | number> =
    body === undefined
      ? { 'content-length': 0, 'cache-control': 'no-store', pragma: 'no-cache' }
      : {
          'content-type': 'application/json; charset=utf-8',
          'content-length': Buffer.byteLength(text),
          'cache-control': 'no-store',
          pragma: 'no-cache',
        };
  if (headers) Object.assign(head, headers);
  res.writeHead(status, head);
  res.end(text);
}

/** Decides, for the client address, whether the address `addr` at hop `i` (0: the socket's peer) is a trusted proxy. */
export type ProxyTrust = (addr: string, i: number) => boolean;

/** Trusts no proxy: the socket's peer address is the client (`TRUST_PROXY` unset). */
export const TRUST_NO_PROXY: ProxyTrust = () => false;

/**
 * Compiles `TRUST_PROXY` (see {@link TrustProxy}) into the test `proxy-addr` applies, as Express' `trust proxy`
 * does: a hop count trusts the first `hops` addresses from the right (the socket's peer first); a list trusts the
 * addresses in it, wherever they stand.
 * @throws TypeError for an address `proxy-addr` cannot parse (loadConfig has refused it already)
 */
export function proxyTrust(setting: TrustProxy): ProxyTrust {
  switch (setting.kind) {
    case 'off':
      return TRUST_NO_PROXY;
    case 'hops':
      return (_addr, i) => i < setting.hops;
    case 'addresses':
      return proxyaddr.compile(setting.addresses);
  }
}

/**
 * The client's address: the socket's peer, or, when it is a trusted proxy, the `X-Forwarded-For` entry found by
 * walking the header right to left past trusted proxies (the leftmost when all are trusted). A spoofed entry to the
 * left of an untrusted hop is never reached. IPv4-mapped IPv6 peers (`::ffff:10.0.0.1`) match IPv4 ranges.
 * @param trust from {@link proxyTrust}; no proxy is trusted by default
 */
export function clientAddress(req: IncomingMessage, trust: ProxyTrust = TRUST_NO_PROXY): string {
  if (trust === TRUST_NO_PROXY || req.headers['x-forwarded-for'] === undefined) {
    return req.socket.remoteAddress ?? 'unknown';
  }
  return proxyaddr(req, trust);
}
