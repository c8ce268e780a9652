/**
 * The token endpoint's failed-authentication limiter keys on the client address TRUST_PROXY believes: real HTTP
 * requests from 127.0.0.1 (standing for a load balancer) with `X-Forwarded-For`, into the running app.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../support/harness.js';

/** Failures from one address before it is answered 429 (DEFAULT_FAILED_AUTH_LIMITS.perAddress). */
const ADDRESS_LIMIT = 50;
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

/** A well-formed client ID no client has (the n-th of its kind), so each failure counts against the address. */
function unknownClientId(prefix: string, n: number): string {
  return `cli_${prefix.padEnd(18, 'a')}${ALPHABET[n >> 5]}${ALPHABET[n & 31]}`;
}

/** A token request with wrong credentials from `forwardedFor`; resolves to the status. */
async function failedAuth(h: Harness, clientId: string, forwardedFor: string): Promise<number> {
  const res = await fetch(`${h.url}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': forwardedFor },
    body: `grant_type=client_credentials&client_id=${clientId}&client_secret=wrong`,
  });
  await res.text();
  return res.status;
}

describe('TRUST_PROXY=1: one load balancer in front', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { TRUST_PROXY: '1' } });
  });
  afterAll(async () => h?.stop());

  it('limits the address the proxy reports, not the proxy, and not what the client wrote', async () => {
    for (let i = 0; i < ADDRESS_LIMIT; i += 1) {
      // Each request claims another origin on the left; the proxy's entry (rightmost) is what counts.
      expect(await failedAuth(h, unknownClientId('abuser', i), `198.51.100.${i}, 203.0.113.10`)).toBe(401);
    }
    expect(await failedAuth(h, unknownClientId('abuser', 60), '203.0.113.10')).toBe(429);
    expect(await failedAuth(h, unknownClientId('abuser', 61), '198.51.100.77, 203.0.113.10')).toBe(429);
    // Another client behind the same proxy is not held back.
    expect(await failedAuth(h, unknownClientId('someone', 0), '203.0.113.11')).toBe(401);
    expect(h.logs()).toContain('"address":"203.0.113.10"');
  });
});

describe('TRUST_PROXY unset: X-Forwarded-For is not believed', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => h?.stop());

  it('limits the socket peer however the header varies', async () => {
    for (let i = 0; i < ADDRESS_LIMIT; i += 1) {
      expect(await failedAuth(h, unknownClientId('spoofer', i), `203.0.113.${i}`)).toBe(401);
    }
    expect(await failedAuth(h, unknownClientId('spoofer', 60), '203.0.113.200')).toBe(429);
    expect(h.logs()).not.toContain('"address":"203.0.113.');
    // The app listens on every interface, so the loopback peer shows as an IPv4-mapped IPv6 address.
    expect(h.logs()).toMatch(/"address":"(::ffff:)?127\.0\.0\.1"/);
  });
});
