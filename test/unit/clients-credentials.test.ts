import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ClientName } from '../../src/domain/clients/clients.service.js';
import {
  ACCESS_TOKEN_PREFIX,
  accessTokenKey,
  CLIENT_SECRET_PREFIX,
  generateAccessToken,
  generateCredential,
  hashCredential,
  hashesEqual,
  isClientIdShape,
  isWellFormedAccessToken,
  isWellFormedCredential,
  keysEqual,
  newClientId,
} from '../../src/domain/clients/credentials.js';
import { SCOPES } from '../../src/domain/clients/scopes.js';
import { DataName } from '../../src/domain/data/data.service.js';
import { OrganizationName } from '../../src/domain/validation.js';
import { scrubCredentials } from '../../src/logger.js';
import { clientsMessage, secretMessage } from '../../src/slack/clients/clients.blocks.js';

/** The earlier access token shape: `abo_at_` + 43 base62 + checksum; found by trying checksums (CRC32 is not exported). */
function findWellFormed(body: string): string {
  const digits = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
  const crc = crc32(`abo_at_${body}`);
  let v = crc;
  let sum = '';
  for (let i = 0; i < 6; i += 1) {
    sum = digits[v % 62] + sum;
    v = Math.floor(v / 62);
  }
  return `abo_at_${body}${sum}`;
}

describe('client credentials', () => {
  it('generates prefixed 256-bit secrets and tokens with a checksum, all different', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i += 1) {
      const secret = generateCredential(CLIENT_SECRET_PREFIX);
      const token = generateAccessToken();
      expect(secret).toMatch(/^abo_cs_[0-9A-Za-z]{49}$/);
      expect(token).toMatch(/^abo_at_[0-9A-Za-z]{57}$/);
      expect(isWellFormedCredential(secret, CLIENT_SECRET_PREFIX)).toBe(true);
      expect(isWellFormedCredential(secret, ACCESS_TOKEN_PREFIX)).toBe(false);
      expect(isWellFormedAccessToken(token)).toBe(true);
      expect(isWellFormedAccessToken(secret)).toBe(false);
      expect(scrubCredentials(`leaked ${secret} and ${token}`)).toBe('leaked [Redacted] and [Redacted]');
      seen.add(secret).add(token);
    }
    expect(seen.size).toBe(400);
  });

  it('rejects a mistyped secret by its checksum, before any lookup', () => {
    const secret = generateCredential(CLIENT_SECRET_PREFIX);
    const chars = [...secret];
    let refused = 0;
    for (let i = CLIENT_SECRET_PREFIX.length; i < chars.length; i += 1) {
      const typo = [...chars];
      typo[i] = typo[i] === 'a' ? 'b' : 'a';
      if (!isWellFormedCredential(typo.join(''), CLIENT_SECRET_PREFIX)) refused += 1;
    }
    expect(refused).toBe(chars.length - CLIENT_SECRET_PREFIX.length);
    expect(isWellFormedCredential(secret.slice(0, -1), CLIENT_SECRET_PREFIX)).toBe(false);
    expect(isWellFormedCredential(`${secret}x`, CLIENT_SECRET_PREFIX)).toBe(false);
  });

  it('hashes with SHA-256 and compares hashes in constant time', () => {
    const secret = generateCredential(CLIENT_SECRET_PREFIX);
    const hash = hashCredential(secret);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hash).not.toContain(secret.slice(7, 20));
    expect(hashesEqual(hash, hashCredential(secret))).toBe(true);
    expect(hashesEqual(hash, hashCredential(`${secret}x`))).toBe(false);
    expect(hashesEqual(hash, 'short')).toBe(false);
  });

  it('keys an access token by its issue time then its SHA-256, so keys sort by issue time', () => {
    const early = generateAccessToken(Date.UTC(2026, 10, 29, 9, 0, 0));
    const later = generateAccessToken(Date.UTC(2026, 10, 29, 9, 0, 0, 1));
    const much = generateAccessToken(Date.UTC(2031, 0, 1));
    const keys = [much, early, later].map(accessTokenKey);
    for (const [token, key] of [much, early, later].map((t, i) => [t, keys[i] ?? ''] as const)) {
      expect(key).toMatch(/^[0-9A-Za-z]{8}[0-9a-f]{64}$/);
      expect(key.slice(8)).toBe(hashCredential(token));
      // Only the issue time is kept in clear: none of the 43 random characters is.
      expect(key).not.toContain(token.slice(15, 22));
    }
    expect([...keys].sort()).toEqual([keys[1], keys[2], keys[0]]);
    expect(keysEqual(accessTokenKey(early), accessTokenKey(early))).toBe(true);
    expect(keysEqual(accessTokenKey(early), accessTokenKey(later))).toBe(false);
    expect(keysEqual(accessTokenKey(early), 'short')).toBe(false);
  });

  it('still accepts a token of the earlier shape (no issue time), keyed by its hash alone', () => {
    const body = 'A'.repeat(43);
    const earlier = findWellFormed(body);
    expect(isWellFormedAccessToken(earlier)).toBe(true);
    expect(accessTokenKey(earlier)).toBe(hashCredential(earlier));
    expect(isWellFormedAccessToken(`${earlier.slice(0, -2)}xx`)).toBe(earlier.endsWith('xx'));
  });

  it('makes client IDs of a fixed, checkable shape', () => {
    const ids = new Set(Array.from({ length: 100 }, newClientId));
    expect(ids.size).toBe(100);
    for (const id of ids) expect(isClientIdShape(id)).toBe(true);
    expect(isClientIdShape('cli_short')).toBe(false);
  });

  it('draws every body character uniformly from the 62 of base62', () => {
    const counts = new Map<string, number>();
    const samples = 2000;
    for (let i = 0; i < samples; i += 1) {
      for (const ch of generateAccessToken().slice(15, 58)) {
        counts.set(ch, (counts.get(ch) ?? 0) + 1);
      }
    }
    expect(counts.size).toBe(62);
    // 86,000 characters: 1,387 expected each, σ ≈ 37; ±25 % is over 9 σ, so only a biased generator fails.
    const expected = (samples * 43) / 62;
    for (const n of counts.values()) {
      expect(n).toBeGreaterThan(expected * 0.75);
      expect(n).toBeLessThan(expected * 1.25);
    }
  });

  it('validates client names', () => {
    expect(ClientName.parse('  Nightly   export ')).toBe('Nightly export');
    expect(ClientName.safeParse('').success).toBe(false);
    expect(ClientName.safeParse('a\nb').success).toBe(false);
    expect(ClientName.safeParse('x'.repeat(61)).success).toBe(false);
    expect(ClientName.safeParse('---').success).toBe(false);
  });

  it('refuses a name holding a client secret or an access token, without repeating it', () => {
    const secret = generateCredential(CLIENT_SECRET_PREFIX);
    const token = generateAccessToken();
    for (const [schema, value] of [
      [ClientName, secret],
      [ClientName, `key ${token.slice(0, 40)}`],
      [DataName, `feed ${secret}`],
      [OrganizationName, secret],
    ] as const) {
      const result = schema.safeParse(value);
      expect(result.success, value).toBe(false);
      const message = result.error?.issues[0]?.message ?? '';
      expect(message).toContain('must not contain a client secret or an access token');
      expect(message).not.toContain(value.slice(-20));
    }
    // Words that merely start like one stay allowed.
    expect(ClientName.parse('abo_cs_ docs')).toBe('abo_cs_ docs');
  });
});

describe('client blocks', () => {
  const client = (i: number) => ({
    id: `cli_${'a'.repeat(18)}${String(i)
      .padStart(2, '0')
      .replace(/\d/g, (d) => 'abcdefghij'[Number(d)] ?? 'a')}`,
    name: `Client <${i}> & co ${'x'.repeat(70)}`,
    status: (i % 2 ? 'active' : 'disabled') as 'active' | 'disabled',
    createdAt: new Date('2026-11-02T09:00:00Z'),
    createdBySlackUserId: 'U0ADA',
    lastUsedAt: i % 3 ? new Date('2026-11-03T10:00:00Z') : null,
    previousSecretValidUntil: i % 4 ? null : new Date('2026-11-04T10:00:00Z'),
    scopes: [...SCOPES],
  });

  it('keeps a full page within Slack limits and escapes names', () => {
    const items = Array.from({ length: 15 }, (_, i) => client(i));
    const message = clientsMessage(
      { items, page: 2, pageCount: 3, total: 40, pageSize: 15 },
      'Orbit & <Analytics>',
      'notice',
    );
    expect(message.blocks.length).toBeLessThanOrEqual(50);
    const json = JSON.stringify(message.blocks);
    expect(json).toContain('Client &lt;1&gt; &amp; co');
    expect(json).toContain('Orbit &amp; &lt;Analytics&gt;');
    for (const block of message.blocks) {
      if (block.type === 'actions') {
        for (const el of block.elements) {
          if (el.type === 'button') expect(el.text.text.length).toBeLessThanOrEqual(75);
          if (el.type === 'button' && el.confirm)
            expect(el.confirm.text.text.length).toBeLessThanOrEqual(300);
        }
      }
      if (block.type === 'section' && block.text) expect(block.text.text.length).toBeLessThanOrEqual(3000);
    }
  });

  it('puts the secret in the secret message only', () => {
    const secret = generateCredential(CLIENT_SECRET_PREFIX);
    const message = secretMessage({ id: 'cli_aaaaaaaaaaaaaaaaaaaa', name: 'Export' }, secret);
    expect(JSON.stringify(message.blocks)).toContain(secret);
    expect(message.text).not.toContain(secret);
  });
});
