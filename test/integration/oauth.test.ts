/**
 * The token endpoint (RFC 6749 §4.4, errors per §5.2), revocation (RFC 7009) and the lifecycle's effect on tokens,
 * through real HTTP against the running app, with a real OAuth client library (oauth4webapi) where it fits.
 */

import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccessToken, ApiClient } from '../../src/domain/clients/client.entity.js';
import { accessTokenKey, hashCredential } from '../../src/domain/clients/credentials.js';
import { CLIENT_ACTIONS } from '../../src/slack/clients/clients.blocks.js';
import { failTokenInserts } from '../support/db.js';
import { type Harness, startHarness, USERS, visibleText } from '../support/harness.js';

const { ada } = USERS;
const HOUR = 3_600_000;

/** Creates a client through Slack as Ada and reads its ID and secret from the one ephemeral that shows them. */
async function createClient(h: Harness, name: string): Promise<{ clientId: string; secret: string }> {
  const reply = await h.ask(ada.id, `clients create ${name}`);
  const text = visibleText(reply);
  const clientId = /cli_[a-z2-7]{20}/.exec(text)?.[0];
  const secret = /abo_cs_[0-9A-Za-z]+/.exec(text)?.[0];
  if (!clientId || !secret) throw new Error(`no credentials in: ${text}`);
  return { clientId, secret };
}

/** Rotates through Slack and returns the new secret. */
async function rotate(h: Harness, clientId: string): Promise<string> {
  const reply = await h.ask(ada.id, `clients rotate ${clientId}`);
  const secret = /abo_cs_[0-9A-Za-z]+/.exec(visibleText(reply))?.[0];
  if (!secret) throw new Error(`no secret in: ${visibleText(reply)}`);
  return secret;
}

function basic(clientId: string, secret: string): string {
  const enc = (s: string) => encodeURIComponent(s).replace(/%20/g, '+');
  return `Basic ${Buffer.from(`${enc(clientId)}:${enc(secret)}`).toString('base64')}`;
}

/** A raw POST to the token (or another) endpoint. */
async function post(
  h: Harness,
  path: string,
  body: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; json: Record<string, unknown> | null }> {
  const res = await fetch(`${h.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body,
  });
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    json: text ? (JSON.parse(text) as Record<string, unknown>) : null,
  };
}

async function tokenFor(h: Harness, clientId: string, secret: string): Promise<string> {
  const res = await post(h, '/oauth/token', 'grant_type=client_credentials', {
    authorization: basic(clientId, secret),
  });
  expect(res.status, JSON.stringify(res.json)).toBe(200);
  return String(res.json?.access_token);
}

async function apiStatus(h: Harness, token: string): Promise<number> {
  const res = await fetch(`${h.url}/api/v1/organization`, { headers: { authorization: `Bearer ${token}` } });
  await res.text();
  return res.status;
}

describe('token endpoint and API with oauth4webapi', () => {
  let h: Harness;
  let as: oauth.AuthorizationServer;
  beforeAll(async () => {
    h = await startHarness();
    await h.setupOrganization('Orbit Analytics');
    as = {
      issuer: h.url,
      token_endpoint: `${h.url}/oauth/token`,
      revocation_endpoint: `${h.url}/oauth/revoke`,
    };
  });
  afterAll(async () => h.stop());

  for (const method of ['client_secret_basic', 'client_secret_post'] as const) {
    it(`gets a token with ${method} and reads the organization through the API`, async () => {
      const { clientId, secret } = await createClient(h, `Export ${method}`);
      const client: oauth.Client = { client_id: clientId };
      const auth =
        method === 'client_secret_basic' ? oauth.ClientSecretBasic(secret) : oauth.ClientSecretPost(secret);
      const response = await oauth.clientCredentialsGrantRequest(as, client, auth, new URLSearchParams(), {
        [oauth.allowInsecureRequests]: true,
      });
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect(response.headers.get('pragma')).toBe('no-cache');
      const result = await oauth.processClientCredentialsResponse(as, client, response);
      expect(result.token_type).toBe('bearer');
      expect(result.expires_in).toBe(3600);
      expect(result.refresh_token).toBeUndefined();
      expect(result.access_token).toMatch(/^abo_at_[0-9A-Za-z]{57}$/);

      const api = await oauth.protectedResourceRequest(
        result.access_token,
        'GET',
        new URL(`${h.url}/api/v1/organization`),
        undefined,
        undefined,
        { [oauth.allowInsecureRequests]: true },
      );
      expect(api.status).toBe(200);
      const org = (await api.json()) as { id: string; name: string; metrics: Record<string, number> };
      expect(org.name).toBe('Orbit Analytics');
      expect(org.id).toMatch(/^org_/);
      expect(org.metrics).toEqual({ members: 1, admins: 1, data_layers: 0, data_sources: 0 });

      const stored = await h.em().findOneOrFail(ApiClient, clientId);
      expect(stored.lastUsedAt?.getTime()).toBe(h.clock.now().getTime());
    });
  }

  it('revokes a token (RFC 7009) so the API refuses it at once; unknown tokens answer 200 too', async () => {
    const { clientId, secret } = await createClient(h, 'Revoker');
    const client: oauth.Client = { client_id: clientId };
    const token = await tokenFor(h, clientId, secret);
    expect(await apiStatus(h, token)).toBe(200);
    const res = await oauth.revocationRequest(as, client, oauth.ClientSecretPost(secret), token, {
      [oauth.allowInsecureRequests]: true,
    });
    await oauth.processRevocationResponse(res);
    expect(res.status).toBe(200);
    expect(await apiStatus(h, token)).toBe(401);
    const again = await post(h, '/oauth/revoke', `token=${token}&token_type_hint=access_token`, {
      authorization: basic(clientId, secret),
    });
    expect(again.status).toBe(200);
  });

  it("refuses to revoke another client's token", async () => {
    const a = await createClient(h, 'Alpha');
    const b = await createClient(h, 'Beta');
    const token = await tokenFor(h, a.clientId, a.secret);
    const res = await post(h, '/oauth/revoke', `token=${token}`, {
      authorization: basic(b.clientId, b.secret),
    });
    expect(res.status).toBe(400);
    expect(res.json?.error).toBe('unauthorized_client');
    expect(await apiStatus(h, token)).toBe(200);
  });
});

describe('token endpoint errors (RFC 6749 §5.2)', () => {
  let h: Harness;
  let clientId: string;
  let secret: string;
  beforeAll(async () => {
    h = await startHarness();
    await h.setupOrganization('Orbit Analytics');
    ({ clientId, secret } = await createClient(h, 'Nightly export'));
  });
  afterAll(async () => h.stop());

  const cases: Array<{
    name: string;
    body: () => string;
    headers?: () => Record<string, string>;
    status: number;
    error: string;
    challenge?: boolean;
  }> = [
    {
      name: 'no grant_type',
      body: () => '',
      headers: () => ({ authorization: basic(clientId, secret) }),
      status: 400,
      error: 'invalid_request',
    },
    {
      name: 'a repeated parameter',
      body: () => 'grant_type=client_credentials&grant_type=client_credentials',
      headers: () => ({ authorization: basic(clientId, secret) }),
      status: 400,
      error: 'invalid_request',
    },
    {
      name: 'Basic credentials with a stray character after the Base64',
      body: () => 'grant_type=client_credentials',
      headers: () => ({ authorization: `${basic(clientId, secret)}x` }),
      status: 400,
      error: 'invalid_request',
    },
    {
      name: 'Basic and form credentials at once',
      body: () => `grant_type=client_credentials&client_id=${clientId}&client_secret=${secret}`,
      headers: () => ({ authorization: basic(clientId, secret) }),
      status: 400,
      error: 'invalid_request',
    },
    {
      name: 'a JSON body',
      body: () => JSON.stringify({ grant_type: 'client_credentials' }),
      headers: () => ({ authorization: basic(clientId, secret), 'content-type': 'application/json' }),
      status: 400,
      error: 'invalid_request',
    },
    {
      name: 'a Bearer Authorization header',
      body: () => 'grant_type=client_credentials',
      headers: () => ({ authorization: 'Bearer abc' }),
      status: 400,
      error: 'invalid_request',
    },
    {
      name: 'no client authentication',
      body: () => 'grant_type=client_credentials',
      status: 401,
      error: 'invalid_client',
      challenge: true,
    },
    {
      name: 'a wrong secret with Basic',
      body: () => 'grant_type=client_credentials',
      // The last character changed (to one it is not: a secret ending in x would otherwise stay right).
      headers: () => ({
        authorization: basic(clientId, `${secret.slice(0, -1)}${secret.endsWith('x') ? 'y' : 'x'}`),
      }),
      status: 401,
      error: 'invalid_client',
      challenge: true,
    },
    {
      name: 'a wrong secret in the form',
      body: () => `grant_type=client_credentials&client_id=${clientId}&client_secret=abo_cs_nope`,
      status: 401,
      error: 'invalid_client',
    },
    {
      name: 'an unknown client',
      body: () => 'grant_type=client_credentials',
      headers: () => ({ authorization: basic('cli_aaaaaaaaaaaaaaaaaaaa', secret) }),
      status: 401,
      error: 'invalid_client',
      challenge: true,
    },
    {
      name: 'the authorization_code grant',
      body: () => 'grant_type=authorization_code&code=x',
      headers: () => ({ authorization: basic(clientId, secret) }),
      status: 400,
      error: 'unsupported_grant_type',
    },
    {
      name: 'a scope',
      body: () => 'grant_type=client_credentials&scope=admin',
      headers: () => ({ authorization: basic(clientId, secret) }),
      status: 400,
      error: 'invalid_scope',
    },
  ];

  for (const c of cases) {
    it(`answers ${c.error} (${c.status}) for ${c.name}`, async () => {
      const res = await post(h, '/oauth/token', c.body(), c.headers?.() ?? {});
      expect(res.status).toBe(c.status);
      expect(res.json?.error).toBe(c.error);
      expect(typeof res.json?.error_description).toBe('string');
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.headers.get('pragma')).toBe('no-cache');
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      if (c.challenge)
        expect(res.headers.get('www-authenticate')).toBe('Basic realm="AstroBee", charset="UTF-8"');
      if (c.status !== 401) expect(res.headers.get('www-authenticate')).toBeNull();
    });
  }

  it('answers 405 invalid_request to GET', async () => {
    const res = await fetch(`${h.url}/oauth/token?grant_type=client_credentials`);
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
    expect(((await res.json()) as { error: string }).error).toBe('invalid_request');
  });

  it('decodes form-urlencoded Basic credentials (RFC 6749 §2.3.1)', async () => {
    const raw = Buffer.from(`${clientId}:${secret}`).toString('base64');
    const res = await post(h, '/oauth/token', 'grant_type=client_credentials', {
      authorization: `basic ${raw}`,
    });
    expect(res.status).toBe(200);
  });

  it('answers unauthorized_client for a disabled client with the right secret, and serves it again once enabled', async () => {
    await h.ask(ada.id, `clients disable ${clientId}`);
    const res = await post(h, '/oauth/token', 'grant_type=client_credentials', {
      authorization: basic(clientId, secret),
    });
    expect(res.status).toBe(400);
    expect(res.json?.error).toBe('unauthorized_client');
    await h.ask(ada.id, `clients enable ${clientId}`);
    await tokenFor(h, clientId, secret);
  });
});

describe('lifecycle and live tokens', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    await h.setupOrganization('Orbit Analytics');
  });
  afterAll(async () => h.stop());

  it('disable stops tokens at once; enable restores the client but not its old tokens', async () => {
    const { clientId, secret } = await createClient(h, 'Dashboards');
    const token = await tokenFor(h, clientId, secret);
    expect(await apiStatus(h, token)).toBe(200);
    await h.ask(ada.id, `clients disable ${clientId}`);
    expect(await apiStatus(h, token)).toBe(401);
    await h.ask(ada.id, `clients enable ${clientId}`);
    expect(await apiStatus(h, token)).toBe(401);
    expect(await apiStatus(h, await tokenFor(h, clientId, secret))).toBe(200);
  });

  it('delete stops tokens and the secret for good, and the client ID is not offered again', async () => {
    const { clientId, secret } = await createClient(h, 'Legacy sync');
    const token = await tokenFor(h, clientId, secret);
    const question = await h.ask(ada.id, `clients delete ${clientId}`);
    // The command asks first; nothing stops until its Delete is clicked.
    expect(await apiStatus(h, token)).toBe(200);
    const button = h.standin.buttonsOf(question.blocks).find((b) => b.actionId === CLIENT_ACTIONS.delete);
    if (!button) throw new Error(`no Delete button in ${visibleText(question)}`);
    const before = new Set(h.standin.ephemerals);
    await h.standin.blockAction(ada.id, button, { channelId: question.channel, messageTs: question.ts });
    const reply = await h.standin.waitFor(
      () => h.standin.ephemerals.find((e) => e.user === ada.id && !before.has(e)),
      5000,
      'the outcome of Delete',
    );
    expect(visibleText(reply)).toContain('is deleted');
    expect(await apiStatus(h, token)).toBe(401);
    const res = await post(h, '/oauth/token', 'grant_type=client_credentials', {
      authorization: basic(clientId, secret),
    });
    expect(res.status).toBe(401);
    expect(res.json?.error).toBe('invalid_client');
    const enable = await h.ask(ada.id, `clients enable ${clientId}`);
    expect(visibleText(enable)).toContain(`There is no API client \`${clientId}\``);
    const row = await h.em().findOneOrFail(ApiClient, clientId);
    expect(row.status).toBe('deleted');
  });

  it('rotation: the old secret works inside the grace period and not after it; at most two secrets work', async () => {
    const { clientId, secret: first } = await createClient(h, 'Warehouse loader');
    const second = await rotate(h, clientId);
    expect(second).not.toBe(first);
    await tokenFor(h, clientId, first);
    await tokenFor(h, clientId, second);

    h.clock.advance(23 * HOUR);
    await tokenFor(h, clientId, first);
    const third = await rotate(h, clientId);
    // Only the latest previous secret keeps its grace: the first is gone at once.
    const refused = await post(h, '/oauth/token', 'grant_type=client_credentials', {
      authorization: basic(clientId, first),
    });
    expect(refused.status).toBe(401);
    await tokenFor(h, clientId, second);
    await tokenFor(h, clientId, third);

    h.clock.advance(24 * HOUR + 1);
    const late = await post(h, '/oauth/token', 'grant_type=client_credentials', {
      authorization: basic(clientId, second),
    });
    expect(late.status).toBe(401);
    expect(late.json?.error).toBe('invalid_client');
    await tokenFor(h, clientId, third);
  });

  it('tokens expire after an hour', async () => {
    const { clientId, secret } = await createClient(h, 'Short lived');
    const token = await tokenFor(h, clientId, secret);
    h.clock.advance(HOUR - 1000);
    expect(await apiStatus(h, token)).toBe(200);
    h.clock.advance(1000);
    expect(await apiStatus(h, token)).toBe(401);
  });
});

describe('configured grace period and token lifetime', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { CLIENT_SECRET_GRACE_PERIOD: '10m', ACCESS_TOKEN_LIFETIME: '120' } });
    await h.setupOrganization('Orbit Analytics');
  });
  afterAll(async () => h.stop());

  it('honours CLIENT_SECRET_GRACE_PERIOD and ACCESS_TOKEN_LIFETIME', async () => {
    const { clientId, secret } = await createClient(h, 'Configured');
    const res = await post(h, '/oauth/token', 'grant_type=client_credentials', {
      authorization: basic(clientId, secret),
    });
    expect(res.json?.expires_in).toBe(120);
    await rotate(h, clientId);
    h.clock.advance(10 * 60_000 - 1);
    await tokenFor(h, clientId, secret);
    h.clock.advance(1);
    const late = await post(h, '/oauth/token', 'grant_type=client_credentials', {
      authorization: basic(clientId, secret),
    });
    expect(late.status).toBe(401);
  });
});

describe('rate limit on failed client authentication', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    await h.setupOrganization('Orbit Analytics');
  });
  afterAll(async () => h.stop());

  it('answers 429 with Retry-After after 10 failures for one client ID, even with the right secret', async () => {
    const { clientId, secret } = await createClient(h, 'Target');
    const wrong = basic(clientId, `${secret.slice(0, 10)}${'A'.repeat(secret.length - 10)}`);
    for (let i = 0; i < 10; i += 1) {
      const res = await post(h, '/oauth/token', 'grant_type=client_credentials', { authorization: wrong });
      expect(res.status).toBe(401);
    }
    const blocked = await post(h, '/oauth/token', 'grant_type=client_credentials', {
      authorization: basic(clientId, secret),
    });
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(blocked.headers.get('retry-after'))).toBeLessThanOrEqual(900);
    expect(blocked.json?.error).toBe('too_many_requests');
    const revoke = await post(h, '/oauth/revoke', 'token=x', { authorization: basic(clientId, secret) });
    expect(revoke.status).toBe(429);
  });

  it('answers 429 after 50 failures from one address, whatever the client ID', async () => {
    // 10 failures were counted by the test above; 40 more with fresh client IDs reach the address limit.
    for (let i = 0; i < 40; i += 1) {
      const id = `cli_${'a'.repeat(18)}${'abcdefghijklmnopqrstuvwxyz234567'[i >> 5]}${'abcdefghijklmnopqrstuvwxyz234567'[i & 31]}`;
      const res = await post(
        h,
        '/oauth/token',
        `grant_type=client_credentials&client_id=${id}&client_secret=x${i}`,
      );
      expect(res.status).toBe(401);
    }
    const { clientId, secret } = await createClient(h, 'Innocent');
    const blocked = await post(h, '/oauth/token', 'grant_type=client_credentials', {
      authorization: basic(clientId, secret),
    });
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});

describe('token requests issued in groups (one authenticate-and-insert statement)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    await h.setupOrganization('Orbit Analytics');
  });
  afterAll(async () => h.stop());

  it('answers each of many concurrent requests rightly, and stores exactly the tokens it handed out', async () => {
    const good = [await createClient(h, 'Loader one'), await createClient(h, 'Loader two')];
    const disabled = await createClient(h, 'Switched off');
    await h.ask(ada.id, `clients disable ${disabled.clientId}`);
    const rotated = await createClient(h, 'Rotated');
    const newSecret = await rotate(h, rotated.clientId);

    type Kind = 'good' | 'old-secret' | 'new-secret' | 'wrong-secret' | 'disabled';
    const requests: Array<{ kind: Kind; clientId: string; secret: string }> = [];
    for (let i = 0; i < 12; i += 1) {
      const client = good[i % 2] ?? good[0];
      if (!client) throw new Error('no client');
      requests.push({ kind: 'good', ...client });
      if (i % 3 === 0) requests.push({ kind: 'old-secret', ...rotated });
      if (i % 3 === 1) requests.push({ kind: 'new-secret', clientId: rotated.clientId, secret: newSecret });
      if (i % 4 === 0) requests.push({ kind: 'disabled', ...disabled });
      if (i % 4 === 1) {
        // Well-formed (right shape and checksum) but not the client's secret: it reaches the statement.
        requests.push({ kind: 'wrong-secret', clientId: good[0]?.clientId ?? '', secret: newSecret });
      }
    }
    const answers = await Promise.all(
      requests.map((r) =>
        post(h, '/oauth/token', 'grant_type=client_credentials', {
          authorization: basic(r.clientId, r.secret),
        }),
      ),
    );

    const issuedHashes = new Map<string, string[]>();
    answers.forEach((res, i) => {
      const r = requests[i];
      if (!r) throw new Error('no request');
      if (r.kind === 'wrong-secret') {
        expect(res.status).toBe(401);
        expect(res.json?.error).toBe('invalid_client');
        expect(res.headers.get('www-authenticate')).toBe('Basic realm="AstroBee", charset="UTF-8"');
      } else if (r.kind === 'disabled') {
        expect(res.status).toBe(400);
        expect(res.json?.error).toBe('unauthorized_client');
      } else {
        expect(res.status, `${r.kind}: ${JSON.stringify(res.json)}`).toBe(200);
        expect(res.json?.access_token).toMatch(/^abo_at_[0-9A-Za-z]{57}$/);
        const list = issuedHashes.get(r.clientId) ?? [];
        list.push(accessTokenKey(String(res.json?.access_token)));
        issuedHashes.set(r.clientId, list);
      }
      expect(res.headers.get('cache-control')).toBe('no-store');
    });
    expect(issuedHashes.get(rotated.clientId)?.length).toBe(8);

    for (const clientId of [...good.map((g) => g.clientId), rotated.clientId, disabled.clientId]) {
      const stored = await h.em().find(AccessToken, { client: clientId });
      expect(stored.map((t) => t.tokenHash).sort()).toEqual((issuedHashes.get(clientId) ?? []).sort());
      const client = await h.em().findOneOrFail(ApiClient, clientId);
      if (clientId === disabled.clientId) expect(client.lastUsedAt).toBeNull();
      else expect(client.lastUsedAt?.getTime()).toBe(h.clock.now().getTime());
    }
    // Every token handed out works.
    for (const hashes of issuedHashes.values()) expect(hashes.length).toBeGreaterThan(0);
    const one = answers.find((a) => a.status === 200)?.json?.access_token;
    expect(await apiStatus(h, String(one))).toBe(200);
  });

  it('a disable that commits refuses the next group at once, without any cache to expire', async () => {
    const { clientId, secret } = await createClient(h, 'Flip flop');
    for (let round = 0; round < 3; round += 1) {
      const ok = await Promise.all([1, 2, 3].map(() => tokenFor(h, clientId, secret)));
      expect(new Set(ok).size).toBe(3);
      await h.ask(ada.id, `clients disable ${clientId}`);
      const refused = await Promise.all(
        [1, 2, 3].map(() =>
          post(h, '/oauth/token', 'grant_type=client_credentials', {
            authorization: basic(clientId, secret),
          }),
        ),
      );
      expect(refused.map((r) => r.json?.error)).toEqual([
        'unauthorized_client',
        'unauthorized_client',
        'unauthorized_client',
      ]);
      expect(await h.em().count(AccessToken, { client: clientId })).toBe(0);
      await h.ask(ada.id, `clients enable ${clientId}`);
    }
  });

  it('when the statement fails, every request of the group gets 500 server_error and no token is stored', async () => {
    const { clientId, secret } = await createClient(h, 'Unlucky');
    // A trigger: the insert fails as on a real database error.
    const refusal = await failTokenInserts(h.app.orm, 'refused by the test');
    try {
      const answers = await Promise.all(
        [1, 2, 3, 4, 5].map(() =>
          post(h, '/oauth/token', 'grant_type=client_credentials', {
            authorization: basic(clientId, secret),
          }),
        ),
      );
      for (const res of answers) {
        expect(res.status).toBe(500);
        expect(res.json?.error).toBe('server_error');
        expect(res.headers.get('cache-control')).toBe('no-store');
      }
      expect(await h.em().count(AccessToken, { client: clientId })).toBe(0);
    } finally {
      await refusal.undo();
    }
    const logs = h.logs();
    expect(logs).toContain(refusal.message);
    expect(logs).not.toContain(secret);
    expect(logs).not.toContain(hashCredential(secret));
    // The next group is not affected.
    expect(await apiStatus(h, await tokenFor(h, clientId, secret))).toBe(200);
  });
});
