/**
 * TRUST_PROXY decides which `X-Forwarded-For` entry is the client (Express' `trust proxy` semantics): real HTTP
 * requests from 127.0.0.1 to a server that answers the address `clientAddress` finds, for each setting as
 * `loadConfig` parses it.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { clientAddress, proxyTrust } from '../../src/http/oauth/http-util.js';

let server: Server;
let base: string;

beforeAll(async () => {
  // The setting travels in a header of the test's own, so one server serves every case.
  server = createServer((req, res) => {
    const setting = loadConfig({ TRUST_PROXY: String(req.headers['x-test-trust'] ?? '') }).trustProxy;
    res.end(clientAddress(req, proxyTrust(setting)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** The address the server believes for a request from 127.0.0.1 with `forwardedFor` under `trust`. */
async function believed(trust: string, forwardedFor?: string): Promise<string> {
  const headers: Record<string, string> = { 'x-test-trust': trust };
  if (forwardedFor !== undefined) headers['x-forwarded-for'] = forwardedFor;
  const res = await fetch(base, { headers });
  return res.text();
}

describe('clientAddress under TRUST_PROXY', () => {
  it('ignores X-Forwarded-For when off (the default): the socket peer is the client', async () => {
    expect(await believed('', '203.0.113.9')).toBe('127.0.0.1');
    expect(await believed('false', '203.0.113.9, 198.51.100.1')).toBe('127.0.0.1');
    expect(await believed('0', '203.0.113.9')).toBe('127.0.0.1');
  });

  it('with a hop count, takes the address that many hops from the right (the peer is the first)', async () => {
    // A client that writes its own X-Forwarded-For only adds entries on the left: they are never reached.
    expect(await believed('1', 'spoofed, 203.0.113.9')).toBe('203.0.113.9');
    expect(await believed('2', 'spoofed, 203.0.113.9, 10.0.0.2')).toBe('203.0.113.9');
    // More hops trusted than there are entries: the leftmost, as Express does.
    expect(await believed('3', '203.0.113.9')).toBe('203.0.113.9');
    // Trusted, but no header: the peer.
    expect(await believed('1')).toBe('127.0.0.1');
  });

  it('with a CIDR list, walks right to left past trusted proxies (IPv4 and IPv6)', async () => {
    const trust = '127.0.0.1/32, 10.0.0.0/8, 2001:db8::/32';
    expect(await believed(trust, 'spoofed, 198.51.100.4, 10.1.2.3')).toBe('198.51.100.4');
    expect(await believed(trust, '198.51.100.4, 2001:db8::5, 10.1.2.3')).toBe('198.51.100.4');
    expect(await believed(trust, '2001:db8:1::7, 2001:db9::1')).toBe('2001:db9::1');
    // The peer itself is not trusted: its X-Forwarded-For is not believed at all.
    expect(await believed('10.0.0.0/8', '198.51.100.4')).toBe('127.0.0.1');
  });
});
