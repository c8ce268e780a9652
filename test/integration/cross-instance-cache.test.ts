/**
 * Two instances of the app on one PostgreSQL database, as behind a load balancer: what one instance keeps in memory
 * (the team directory, the token batcher's kept secret hashes) follows the writes made through the other at once,
 * by PostgreSQL's LISTEN/NOTIFY (src/db/change-notifications.ts). Real apps, real HTTP, the Slack stand-in.
 *
 * On SQLite these tests are skipped: SQLite runs one process per database file, so there is no other instance.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Member } from '../../src/domain/members/member.entity.js';
import { Organization } from '../../src/domain/organizations/organization.entity.js';
import { eventually, testDatabaseKind } from '../support/db.js';
import {
  type Harness,
  type Instance,
  instanceOf,
  startHarness,
  startInstance,
  USERS,
  visibleText,
} from '../support/harness.js';

const { ada, bob, cleo } = USERS;
const SECRET = /abo_cs_[0-9A-Za-z]+/;
const CLIENT_ID = /cli_[a-z2-7]{20}/;

/** `/org members` through `instance` as `userId`: the text they see. */
async function membersThrough(h: Harness, instance: Instance | null, userId: string): Promise<string> {
  (instance ?? instanceOf(h)).aim();
  try {
    return visibleText(await h.ask(userId, 'members'));
  } finally {
    instanceOf(h).aim();
  }
}

/** A member's line in the list, with their role. */
const lineOf = (text: string, userId: string) => text.split('\n').find((l) => l.includes(`<@${userId}>`));

async function tokenRequest(baseUrl: string, clientId: string, secret: string): Promise<Response> {
  return fetch(`${baseUrl}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: clientId,
      client_secret: secret,
    }),
  });
}

describe.skipIf(testDatabaseKind() !== 'postgresql')(
  'two instances on one PostgreSQL database (skipped on SQLite: one process per database file)',
  () => {
    let h: Harness;
    let b: Instance;

    beforeAll(async () => {
      h = await startHarness();
      await h.setupOrganization('Orbit Analytics');
      const em = h.em();
      const organization = await em.findOneOrFail(Organization, { slackTeamId: h.standin.team.id });
      for (const user of [bob, cleo]) {
        em.persist(
          new Member({
            organization,
            email: user.email,
            role: 'member',
            slackUserId: user.id,
            now: h.clock.now(),
          }),
        );
      }
      await em.flush();
      b = await startInstance(h);
    });

    afterAll(async () => {
      await b?.stop();
      await h?.stop();
    });

    it('a role change through A is seen by /org members through B at once', async () => {
      // B holds the team in memory first.
      expect(lineOf(await membersThrough(h, b, cleo.id), bob.id)).toContain('*Member*');
      const reply = await h.ask(ada.id, `role <@${bob.id}> admin`);
      expect(visibleText(reply)).toContain('is now an Admin');
      // No waiting: the next request to B sees it.
      expect(lineOf(await membersThrough(h, b, cleo.id), bob.id)).toContain('*Admin*');
      // And back, several times in a row, each read right after the write's reply.
      for (const role of ['member', 'admin', 'member'] as const) {
        await h.ask(ada.id, `role <@${bob.id}> ${role}`);
        expect(lineOf(await membersThrough(h, b, cleo.id), bob.id)).toContain(
          role === 'admin' ? '*Admin*' : '*Member*',
        );
      }
    });

    it("a client disabled through A: B refuses its secret, and B's API refuses its live tokens", async () => {
      const created = visibleText(await h.ask(ada.id, 'clients create Reporting'));
      const secret = SECRET.exec(created)?.[0];
      const clientId = CLIENT_ID.exec(created)?.[0];
      if (!secret || !clientId) throw new Error(`no credentials in ${created}`);

      // B issues a token (and keeps the hashes of the client's secrets), and its API accepts it.
      const issued = await tokenRequest(b.url, clientId, secret);
      expect(issued.status).toBe(200);
      const { access_token: token } = (await issued.json()) as { access_token: string };
      const api = () =>
        fetch(`${b.url}/api/v1/organization`, { headers: { authorization: `Bearer ${token}` } });
      expect((await api()).status).toBe(200);

      expect(visibleText(await h.ask(ada.id, `clients disable ${clientId}`))).toContain('is disabled');
      const refused = await tokenRequest(b.url, clientId, secret);
      expect(refused.status).toBe(400);
      expect(((await refused.json()) as { error: string }).error).toBe('unauthorized_client');
      expect((await api()).status).toBe(401);
    });

    it('the listener of B reconnects after its connection is ended, and drops its caches', async () => {
      const listener = b.app.changes;
      if (!listener) throw new Error('no listener on PostgreSQL');
      expect(lineOf(await membersThrough(h, b, cleo.id), bob.id)).toBeDefined();
      const pid = listener.backendPid;
      expect(pid).not.toBeNull();
      await h.em().getConnection().execute('select pg_terminate_backend(?)', [pid]);
      await eventually(async () => !listener.live, 'the listener to notice its connection ended');
      // A write while B is not listening: its notification is lost, yet B must not serve the old team.
      await h.em().nativeUpdate(Member, { email: bob.email }, { role: 'admin' });
      expect(lineOf(await membersThrough(h, b, cleo.id), bob.id)).toContain('*Admin*');
      await eventually(async () => listener.live && listener.backendPid !== pid, 'the listener to reconnect');
      expect(b.logs()).toContain('every cache dropped, reconnecting');
      expect(b.logs()).toContain('listening for changes again');
      await h.em().nativeUpdate(Member, { email: bob.email }, { role: 'member' });
      expect(lineOf(await membersThrough(h, b, cleo.id), bob.id)).toContain('*Member*');
    });
  },
);

describe.skipIf(testDatabaseKind() !== 'postgresql')(
  'token rotation on two instances (skipped on SQLite: one process per database file)',
  () => {
    let h: Harness;
    let b: Instance;
    afterAll(async () => {
      await b?.stop();
      await h?.stop();
    });

    it('an expiring bot token needed by both instances at once is refreshed once, and both use the new one', async () => {
      h = await startHarness({ distribution: { tokenRotation: true } });
      const acme = h.standin.addWorkspace({ team: { id: 'T0ACME', name: 'Acme Rockets' } });
      acme.addUser({ id: 'U0AVA', name: 'ava', email: 'ava@example.com', isAdmin: true });
      await h.install({ team: 'T0ACME' }, 'U0AVA');
      b = await startInstance(h);
      const firstToken = acme.botToken;

      // Eleven hours on: the 12-hour token is within the two hours before expiry in which it is refreshed.
      h.clock.advance(11 * 3_600_000);
      // Slack answers the refresh slowly, so both instances ask while the first refresh is under way.
      h.standin.addFault({ method: 'oauth.v2.access', delayMs: 400 });
      const team = { teamId: 'T0ACME', enterpriseId: null };
      const [onA, onB] = await Promise.all([h.app.access.clientFor(team), b.app.access.clientFor(team)]);
      h.standin.clearFaults();
      const refreshCalls = h.standin
        .callsTo('oauth.v2.access')
        .filter((c) => c.args.grant_type === 'refresh_token').length;
      expect(refreshCalls).toBe(1);
      expect(h.standin.refreshCount('T0ACME')).toBe(1);
      expect(acme.botToken).not.toBe(firstToken);
      expect(onA?.token).toBe(acme.botToken);
      expect(onB?.token).toBe(acme.botToken);
      expect(h.standin.apiErrors.filter((e) => /invalid_refresh_token/.test(e.error))).toEqual([]);
    });
  },
);
