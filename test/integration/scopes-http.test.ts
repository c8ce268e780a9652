/**
 * Scopes of API clients (issue 14): chosen in Slack (`--scopes`, the create modal's checkboxes, the edit modal of a
 * client's row), narrowed by token requests (RFC 6749 §3.3, with a real OAuth client library), enforced by every
 * /api/v1 route (RFC 6750 §3.1 `insufficient_scope`), and cut from live tokens at once when a client is narrowed —
 * also across two instances on PostgreSQL. Real HTTP into the running app, the Slack stand-in, real migrations.
 */

import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openOrm } from '../../src/adapters.js';
import { AuditEvent } from '../../src/domain/audit/audit-event.entity.js';
import { AccessToken, ApiClient } from '../../src/domain/clients/client.entity.js';
import { ClientsService } from '../../src/domain/clients/clients.service.js';
import { DEFAULT_SCOPES, SCOPES, type Scope } from '../../src/domain/clients/scopes.js';
import { Member } from '../../src/domain/members/member.entity.js';
import { Organization } from '../../src/domain/organizations/organization.entity.js';
import { CLIENT_ACTIONS, SCOPES_INPUT } from '../../src/slack/clients/clients.blocks.js';
import type { RecordedEphemeral } from '../../src/standin/index.js';
import { testDatabase, testDatabaseKind } from '../support/db.js';
import {
  type Harness,
  type Instance,
  startHarness,
  startInstance,
  USERS,
  visibleText,
} from '../support/harness.js';

const { ada, bob } = USERS;
const CLIENT_ID = /cli_[a-z2-7]{20}/;
const SECRET = /abo_cs_[0-9A-Za-z]+/;

/** `/org clients create …` as Ada; the new client's ID and secret from the one ephemeral that shows them. */
async function createClient(h: Harness, text: string): Promise<{ clientId: string; secret: string }> {
  const reply = visibleText(await h.ask(ada.id, `clients create ${text}`));
  const clientId = CLIENT_ID.exec(reply)?.[0];
  const secret = SECRET.exec(reply)?.[0];
  if (!clientId || !secret) throw new Error(`no credentials in: ${reply}`);
  return { clientId, secret };
}

/** A raw token request (client_secret_post); `scope` is sent when given. */
async function tokenRequest(
  baseUrl: string,
  clientId: string,
  secret: string,
  scope?: string,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${baseUrl}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: clientId,
      client_secret: secret,
      ...(scope === undefined ? {} : { scope }),
    }),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

async function tokenWith(baseUrl: string, clientId: string, secret: string, scopes: readonly Scope[]) {
  const res = await tokenRequest(baseUrl, clientId, secret, scopes.join(' '));
  expect(res.status, JSON.stringify(res.json)).toBe(200);
  return String(res.json.access_token);
}

interface ApiResponse {
  status: number;
  headers: Headers;
  json: Record<string, unknown> | null;
}

async function call(baseUrl: string, token: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${baseUrl}/api/v1${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    json: text ? (JSON.parse(text) as Record<string, unknown>) : null,
  } satisfies ApiResponse;
}

/** The `data` of a list answer. */
function dataOf(res: ApiResponse): Record<string, unknown>[] {
  return (res.json?.data ?? []) as Record<string, unknown>[];
}

function expectInsufficientScope(res: ApiResponse, scope: Scope): void {
  expect(res.status).toBe(403);
  expect(res.json?.error).toBe('insufficient_scope');
  expect(String(res.json?.message)).toContain(scope);
  expect(res.headers.get('www-authenticate')).toBe(
    `Bearer realm="AstroBee API", error="insufficient_scope", error_description="The access token lacks the scope ${scope}", scope="${scope}"`,
  );
}

function nextEphemeral(h: Harness, userId: string, before: Set<RecordedEphemeral>) {
  return h.standin.waitFor(
    () => h.standin.ephemerals.find((e) => e.user === userId && !before.has(e)),
    5000,
    `an ephemeral for ${userId}`,
  );
}

const checkboxes = (scopes: readonly string[]) => ({
  [SCOPES_INPUT.blockId]: {
    [SCOPES_INPUT.actionId]: {
      type: 'checkboxes',
      selected_options: scopes.map((s) => ({ text: { type: 'plain_text', text: s }, value: s })),
    },
  },
});

describe('scopes of API clients', () => {
  let h: Harness;
  let full: { clientId: string; secret: string };

  beforeAll(async () => {
    h = await startHarness();
    await h.setupOrganization('Orbit Analytics');
    const em = h.em();
    const organization = await em.findOneOrFail(Organization, { slackTeamId: h.standin.team.id });
    em.persist(
      new Member({ organization, email: bob.email, role: 'member', slackUserId: bob.id, now: h.clock.now() }),
    );
    await em.flush();
    full = await createClient(h, `Everything --scopes ${SCOPES.join(',')}`);
  });
  afterAll(async () => h.stop());

  it('a real OAuth client gets a narrowed token; scope comes back when none was asked for or it differs', async () => {
    const as: oauth.AuthorizationServer = { issuer: h.url, token_endpoint: `${h.url}/oauth/token` };
    const client: oauth.Client = { client_id: full.clientId };
    const grant = async (params: Record<string, string>) => {
      const response = await oauth.clientCredentialsGrantRequest(
        as,
        client,
        oauth.ClientSecretBasic(full.secret),
        new URLSearchParams(params),
        { [oauth.allowInsecureRequests]: true },
      );
      return oauth.processClientCredentialsResponse(as, client, response);
    };

    const narrowed = await grant({ scope: 'organization:read data-layers:read' });
    expect(narrowed.scope).toBeUndefined();
    const org = await call(h.url, narrowed.access_token, 'GET', '/organization');
    expect(org.status).toBe(200);
    expectInsufficientScope(
      await call(h.url, narrowed.access_token, 'GET', '/data-sources'),
      'data-sources:read',
    );
    const stored = await h
      .em()
      .find(AccessToken, { client: full.clientId }, { orderBy: { createdAt: 'desc' } });
    expect(stored.map((t) => t.scopes)).toContain('organization:read data-layers:read');

    const all = await grant({});
    expect(all.scope).toBe(SCOPES.join(' '));
    // The same set in another order, with a repeat: not different (§3.3), so no scope in the response.
    const reordered = await grant({ scope: 'data-layers:read  organization:read data-layers:read' });
    expect(reordered.scope).toBeUndefined();
  });

  it('refuses an unknown scope or one the client lacks with invalid_scope, issuing nothing', async () => {
    const readOnly = await createClient(h, 'Reader');
    const tokens = await h.em().count(AccessToken, {});
    for (const [scope, says] of [
      ['organization:read admin:all', 'Unknown scope: admin:all'],
      ['data-sources:write', 'does not have the scope data-sources:write'],
      ['   ', 'at least one scope'],
    ] as const) {
      const res = await tokenRequest(h.url, readOnly.clientId, readOnly.secret, scope);
      expect(res.status).toBe(400);
      expect(res.json.error).toBe('invalid_scope');
      expect(String(res.json.error_description)).toContain(says);
    }
    // A wrong secret is still invalid_client, whatever the scope.
    const wrong = await tokenRequest(h.url, readOnly.clientId, full.secret, 'data-sources:write');
    expect(wrong.json.error).toBe('invalid_client');
    expect(await h.em().count(AccessToken, {})).toBe(tokens);

    const issued = await tokenRequest(h.url, readOnly.clientId, readOnly.secret);
    expect(issued.json.scope).toBe(DEFAULT_SCOPES.join(' '));
  });

  it('every route answers with its scope and refuses without it (403 insufficient_scope, nothing changed)', async () => {
    const writer = await tokenWith(h.url, full.clientId, full.secret, SCOPES);
    const ids = {
      'data-sources': String(
        (await call(h.url, writer, 'POST', '/data-sources', { name: 'Telescope feed' })).json?.id,
      ),
      'data-layers': String(
        (await call(h.url, writer, 'POST', '/data-layers', { name: 'Star map' })).json?.id,
      ),
    };
    const routes: { method: string; path: string; scope: Scope; body?: unknown; ok: number }[] = [
      { method: 'GET', path: '/organization', scope: 'organization:read', ok: 200 },
      { method: 'GET', path: '/members', scope: 'members:read', ok: 200 },
      { method: 'GET', path: '/audit-events', scope: 'audit:read', ok: 200 },
    ];
    for (const resource of ['data-sources', 'data-layers'] as const) {
      routes.push(
        { method: 'GET', path: `/${resource}`, scope: `${resource}:read`, ok: 200 },
        { method: 'GET', path: `/${resource}/${ids[resource]}`, scope: `${resource}:read`, ok: 200 },
        {
          method: 'POST',
          path: `/${resource}`,
          scope: `${resource}:write`,
          body: { name: 'Extra' },
          ok: 201,
        },
        { method: 'DELETE', path: `/${resource}/${ids[resource]}`, scope: `${resource}:write`, ok: 204 },
      );
    }
    const only = new Map<Scope, string>();
    const allBut = new Map<Scope, string>();
    for (const scope of new Set(routes.map((r) => r.scope))) {
      only.set(scope, await tokenWith(h.url, full.clientId, full.secret, [scope]));
      allBut.set(
        scope,
        await tokenWith(
          h.url,
          full.clientId,
          full.secret,
          SCOPES.filter((s) => s !== scope),
        ),
      );
    }
    for (const route of routes) {
      const what = `${route.method} ${route.path}`;
      const refused = await call(h.url, allBut.get(route.scope) ?? '', route.method, route.path, route.body);
      expectInsufficientScope(refused, route.scope);
      const allowed = await call(h.url, only.get(route.scope) ?? '', route.method, route.path, route.body);
      expect(allowed.status, `${what}: ${JSON.stringify(allowed.json)}`).toBe(route.ok);
    }
    // The refused writes changed nothing: one item of each kind was created above, one more by each allowed POST,
    // and each allowed DELETE removed the first.
    for (const resource of ['data-sources', 'data-layers']) {
      const list = await call(h.url, writer, 'GET', `/${resource}`);
      expect(dataOf(list).map((d) => d.name)).toEqual(['Extra']);
    }
  });

  it('GET /api/v1/members lists id, email, role and Slack user id, paged, and nothing else', async () => {
    const token = await tokenWith(h.url, full.clientId, full.secret, ['members:read']);
    const first = await call(h.url, token, 'GET', '/members?per_page=1');
    expect(first.status).toBe(200);
    expect(first.json).toMatchObject({ page: 1, per_page: 1, total: 2 });
    const second = await call(h.url, token, 'GET', '/members?per_page=1&page=2');
    const members = [...dataOf(first), ...dataOf(second)];
    // Both pages together: each member once (the clock stands still, so the order is by id).
    members.sort((a, b) => String(a.email).localeCompare(String(b.email)));
    expect(members).toEqual([
      { id: expect.any(String), email: ada.email, role: 'admin', slack_user_id: ada.id },
      { id: expect.any(String), email: bob.email, role: 'member', slack_user_id: bob.id },
    ]);
    const bad = await call(h.url, token, 'GET', '/members?per_page=0');
    expect(bad.status).toBe(400);
    expect(bad.json?.field).toBe('per_page');
    const wrongMethod = await call(h.url, token, 'POST', '/members', {});
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('GET, HEAD');
  });

  it('--scopes chooses the scopes; unknown names are refused by name and nothing is created', async () => {
    const clients = await h.em().count(ApiClient, {});
    const refused = visibleText(
      await h.ask(ada.id, 'clients create Sneaky --scopes organization:read,admin:all,root'),
    );
    expect(refused).toContain('Unknown scope: admin:all, root');
    expect(refused).not.toMatch(SECRET);
    const empty = visibleText(await h.ask(ada.id, 'clients create Sneaky --scopes'));
    expect(empty).toContain('Choose at least one scope');
    const member = visibleText(await h.ask(bob.id, 'clients create Sneaky --scopes admin:all'));
    expect(member).toContain('Only admins');
    expect(await h.em().count(ApiClient, {})).toBe(clients);

    const before = h.standin.ephemerals.length;
    const chosen = await createClient(h, 'Layer sync --scopes data-layers:write,data-layers:read');
    // The secret's message says what the client may do.
    expect(h.standin.ephemerals.slice(before).map(visibleText).join('\n')).toContain(
      'is created, with the scopes `data-layers:read` `data-layers:write`.',
    );
    const typo = visibleText(await h.ask(ada.id, 'clients create Typo --scope organization:read'));
    expect(typo).toContain('Unknown option `--scope`');
    expect(await h.em().count(ApiClient, { name: { $like: 'Typo%' } })).toBe(0);
    const row = await h.em().findOneOrFail(ApiClient, chosen.clientId);
    expect(row.name).toBe('Layer sync');
    expect(row.scopes).toBe('data-layers:read data-layers:write');
    const list = visibleText(await h.ask(ada.id, 'clients'));
    expect(list).toContain('Scopes: `data-layers:read` `data-layers:write`');
  });

  it('the create modal offers every scope with the read scopes ticked, and creates with the ones ticked', async () => {
    await h.command(ada.id, 'clients create');
    const view = await h.standin.waitFor(() => h.standin.openView(ada.id), 5000, 'the modal');
    const block = (view.view.blocks as { block_id?: string; element?: Record<string, unknown> }[]).find(
      (b) => b.block_id === SCOPES_INPUT.blockId,
    );
    const values = (key: string) =>
      ((block?.element?.[key] ?? []) as { value: string }[]).map((o) => o.value);
    expect(block?.element?.type).toBe('checkboxes');
    expect(values('options')).toEqual([...SCOPES]);
    expect(values('initial_options')).toEqual([...DEFAULT_SCOPES]);

    const name = {
      client_name: { client_name_input: { type: 'plain_text_input', value: 'Modal made' } },
    };
    const clients = await h.em().count(ApiClient, {});
    const none = await h.standin.viewSubmission(
      ada.id,
      view.id,
      { ...name, ...checkboxes([]) },
      { skipClientValidation: true },
    );
    expect(none.json).toMatchObject({ response_action: 'errors' });
    expect(JSON.stringify(none.json)).toContain('Choose at least one scope');
    expect(await h.em().count(ApiClient, {})).toBe(clients);

    const before = new Set(h.standin.ephemerals);
    const ok = await h.standin.viewSubmission(ada.id, view.id, {
      ...name,
      ...checkboxes(['members:read', 'audit:read']),
    });
    expect(ok.body).toBe('');
    const reply = await nextEphemeral(h, ada.id, before);
    const clientId = CLIENT_ID.exec(visibleText(reply))?.[0] ?? '';
    expect((await h.em().findOneOrFail(ApiClient, clientId)).scopes).toBe('members:read audit:read');

    // `--scopes` without a name opens the form with those scopes ticked.
    await h.command(ada.id, 'clients create --scopes data-layers:write');
    const chosen = await h.standin.waitFor(() => h.standin.openView(ada.id), 5000, 'the second modal');
    const ticked = (
      chosen.view.blocks as { block_id?: string; element?: { initial_options?: { value: string }[] } }[]
    )
      .find((b) => b.block_id === SCOPES_INPUT.blockId)
      ?.element?.initial_options?.map((o) => o.value);
    expect(ticked).toEqual(['data-layers:write']);
    await h.standin.viewClosed(ada.id, chosen.id);
  });

  it('an admin edits scopes from the row; a live token loses a removed scope at once; the audit has before and after', async () => {
    const target = await createClient(
      h,
      'Narrowed --scopes organization:read,data-sources:read,data-sources:write',
    );
    const token = await tokenWith(h.url, target.clientId, target.secret, [
      'organization:read',
      'data-sources:read',
    ]);
    const noScope = await tokenRequest(h.url, target.clientId, target.secret);
    const whole = String(noScope.json.access_token);
    expect((await call(h.url, token, 'GET', '/data-sources')).status).toBe(200);

    const list = await h.ask(ada.id, 'clients');
    const edit = h.standin
      .buttonsOf(list.blocks)
      .find((b) => b.value === target.clientId && b.actionId === CLIENT_ACTIONS.scopes);
    expect(edit).toBeDefined();

    // A member is refused (a stale or forged button grants nothing), and nothing changes.
    const em = h.em();
    const organization = await em.findOneOrFail(Organization, { slackTeamId: h.standin.team.id });
    const bobMember = await em.findOneOrFail(Member, { email: bob.email });
    await expect(
      new ClientsService(em, h.clock).setScopes(
        { slackTeamId: h.standin.team.id, slackUserId: bob.id, organization, member: bobMember },
        target.clientId,
        [...SCOPES],
      ),
    ).rejects.toMatchObject({ code: 'admin_only' });

    await h.standin.blockAction(
      ada.id,
      { actionId: CLIENT_ACTIONS.scopes, blockId: `client_row:${target.clientId}`, value: target.clientId },
      { channelId: list.channel, messageTs: list.ts },
    );
    const view = await h.standin.waitFor(() => h.standin.openView(ada.id), 5000, 'the edit modal');
    const block = (
      view.view.blocks as { block_id?: string; element?: { initial_options?: { value: string }[] } }[]
    ).find((b) => b.block_id === SCOPES_INPUT.blockId);
    expect(block?.element?.initial_options?.map((o) => o.value)).toEqual([
      'organization:read',
      'data-sources:read',
      'data-sources:write',
    ]);
    expect(JSON.stringify(view.view.private_metadata)).not.toMatch(SECRET);

    const before = new Set(h.standin.ephemerals);
    const saved = await h.standin.viewSubmission(
      ada.id,
      view.id,
      checkboxes(['organization:read', 'members:read']),
    );
    expect(saved.body).toBe('');
    const refreshed = await nextEphemeral(h, ada.id, before);
    expect(refreshed.replaceOriginal).toBe(true);
    expect(visibleText(refreshed)).toContain(
      'are now `organization:read` `members:read`. Its live tokens lost `data-sources:read` `data-sources:write` at once.',
    );

    // At once, with no new token: the removed scope is gone, the kept one stays, the added one was never asked for.
    expectInsufficientScope(await call(h.url, token, 'GET', '/data-sources'), 'data-sources:read');
    expect((await call(h.url, token, 'GET', '/organization')).status).toBe(200);
    expectInsufficientScope(await call(h.url, token, 'GET', '/members'), 'members:read');
    // A token issued with all of the old scopes keeps only those still held.
    expectInsufficientScope(
      await call(h.url, whole, 'POST', '/data-sources', { name: 'Nope' }),
      'data-sources:write',
    );
    // New token requests see the new set at once.
    const stale = await tokenRequest(h.url, target.clientId, target.secret, 'data-sources:read');
    expect(stale.json.error).toBe('invalid_scope');
    expect((await tokenRequest(h.url, target.clientId, target.secret)).json.scope).toBe(
      'organization:read members:read',
    );

    const audit = await h
      .em()
      .findOneOrFail(AuditEvent, { action: 'client.scopes_changed', targetId: target.clientId });
    expect(audit.actorSlackUserId).toBe(ada.id);
    expect(audit.details).toEqual({
      name: 'Narrowed',
      scopesBefore: 'organization:read data-sources:read data-sources:write',
      scopesAfter: 'organization:read members:read',
    });

    // Giving a removed scope back reaches new tokens only: the live ones lost it for good.
    await new ClientsService(h.em(), h.clock).setScopes(
      {
        slackTeamId: h.standin.team.id,
        slackUserId: ada.id,
        organization,
        member: await h.em().findOneOrFail(Member, { slackUserId: ada.id }),
      },
      target.clientId,
      ['organization:read', 'members:read', 'data-sources:read', 'data-sources:write'],
    );
    expectInsufficientScope(await call(h.url, token, 'GET', '/data-sources'), 'data-sources:read');
    expectInsufficientScope(
      await call(h.url, whole, 'POST', '/data-sources', { name: 'Still nope' }),
      'data-sources:write',
    );
    expect((await call(h.url, token, 'GET', '/organization')).status).toBe(200);
    const fresh = await tokenWith(h.url, target.clientId, target.secret, ['data-sources:read']);
    expect((await call(h.url, fresh, 'GET', '/data-sources')).status).toBe(200);
  });
});

describe('the scopes migration', () => {
  it('gives clients and tokens made before it every scope', async () => {
    const db = await testDatabase({ migrated: false });
    const orm = await openOrm(db.url, { migrate: false });
    try {
      await orm.getMigrator().up({ to: 'Migration20261206000400_event_receipts_rate_limits' });
      const knex = orm.em.getConnection().getKnex();
      const at = new Date('2026-11-02T09:00:00Z');
      await knex('organizations').insert({
        id: 'org_old',
        name: 'Old Org',
        slack_team_id: 'T0OLD',
        created_at: at,
        updated_at: at,
      });
      await knex('api_clients').insert({
        id: 'cli_oldoldoldoldoldoldo',
        organization_id: 'org_old',
        name: 'Legacy',
        status: 'active',
        created_at: at,
        updated_at: at,
      });
      await knex('api_access_tokens').insert({
        id: 'tok_old',
        client_id: 'cli_oldoldoldoldoldoldo',
        token_hash: 'hash_old',
        created_at: at,
        expires_at: at,
      });
      await orm.getMigrator().up();
      const em = orm.em.fork();
      const client = await em.findOneOrFail(ApiClient, 'cli_oldoldoldoldoldoldo');
      expect(client.scopeList()).toEqual([...SCOPES]);
      const token = await em.findOneOrFail(AccessToken, 'tok_old');
      expect(token.scopes).toBe(SCOPES.join(' '));
    } finally {
      await orm.close(true);
      await db.drop();
    }
  });
});

describe.skipIf(testDatabaseKind() !== 'postgresql')(
  'narrowing across two instances on one PostgreSQL database (skipped on SQLite: one process per file)',
  () => {
    let h: Harness;
    let b: Instance;
    beforeAll(async () => {
      h = await startHarness();
      await h.setupOrganization('Orbit Analytics');
      b = await startInstance(h);
    });
    afterAll(async () => {
      await b?.stop();
      await h?.stop();
    });

    it("a narrowing through one instance cuts the other instance's live token and its kept scopes at once", async () => {
      const { clientId, secret } = await createClient(
        h,
        'Shared --scopes organization:read,data-sources:read',
      );
      // Instance B issues the token (and keeps the client's secrets and scopes in its token batcher).
      const token = await tokenWith(b.url, clientId, secret, ['organization:read', 'data-sources:read']);
      expect((await call(b.url, token, 'GET', '/data-sources')).status).toBe(200);

      // The harness's own instance (A) narrows the client.
      const em = h.em();
      const organization = await em.findOneOrFail(Organization, { slackTeamId: h.standin.team.id });
      const admin = await em.findOneOrFail(Member, { email: ada.email });
      await new ClientsService(em, h.clock).setScopes(
        { slackTeamId: h.standin.team.id, slackUserId: ada.id, organization, member: admin },
        clientId,
        ['organization:read'],
      );

      expectInsufficientScope(await call(b.url, token, 'GET', '/data-sources'), 'data-sources:read');
      expect((await call(b.url, token, 'GET', '/organization')).status).toBe(200);
      const again = await tokenRequest(b.url, clientId, secret, 'data-sources:read');
      expect(again.json.error).toBe('invalid_scope');
      expect((await tokenRequest(b.url, clientId, secret)).json.scope).toBe('organization:read');
    });
  },
);
