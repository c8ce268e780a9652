/**
 * Issue 9 §3, deterministically: every admin-only change re-checks the caller's role inside the transaction that
 * writes. The caller is resolved as an Admin (as a Slack payload's middleware does), then demoted by another Admin
 * before the call; each change must refuse with NotAuthorizedError and write nothing (no row changed, no audit
 * event). A Member-level invitation by the demoted caller becomes a request, as their committed role says.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createServices } from '../../src/adapters.js';
import type { Actor } from '../../src/domain/actor.js';
import { AuditEvent } from '../../src/domain/audit/audit-event.entity.js';
import { ApiClient } from '../../src/domain/clients/client.entity.js';
import { NotAuthorizedError } from '../../src/domain/errors.js';
import { Invitation } from '../../src/domain/invitations/invitation.entity.js';
import { Member } from '../../src/domain/members/member.entity.js';
import { Organization } from '../../src/domain/organizations/organization.entity.js';
import type { Services } from '../../src/domain/services.js';
import { OutboxMail } from '../../src/mail/outbox.entity.js';
import { type FreshDb, freshOrm, TestClock } from '../support/db.js';

const TEAM = 'T0TEAM';
let db: FreshDb;
const clock = new TestClock();

beforeEach(async () => {
  db = await freshOrm();
});
afterEach(async () => {
  await db.close();
});

async function as(slackUserId: string): Promise<{ services: Services; actor: Actor }> {
  const services = createServices(db.orm.em.fork(), clock);
  const actor = await services.members.resolveActor(TEAM, slackUserId, async () => null);
  return { services, actor };
}

/** What a refused change must leave untouched: every row that a change could write, as JSON. */
async function snapshot(): Promise<string> {
  const em = db.orm.em.fork();
  const [orgs, members, clients, invitations, mails, audit] = await Promise.all([
    em.find(Organization, {}, { orderBy: { id: 'asc' } }),
    em.find(Member, {}, { orderBy: { id: 'asc' } }),
    em.find(ApiClient, {}, { orderBy: { id: 'asc' } }),
    em.find(Invitation, {}, { orderBy: { id: 'asc' } }),
    em.find(OutboxMail, {}, { orderBy: { id: 'asc' } }),
    em.count(AuditEvent, {}),
  ]);
  return JSON.stringify({ orgs, members, clients, invitations, mails, audit });
}

/**
 * Ada (U1) and Bob (U2) are Admins; Cleo (U3) is a Member with a pending request; there is an API client and a
 * sent invitation. Returns the ids the changes name.
 */
async function seed() {
  const { services, actor } = await as('U1');
  await services.organizations.setup(actor, {
    name: 'Bee Labs',
    email: 'ada@example.com',
    isWorkspaceAdmin: true,
  });
  const em = db.orm.em.fork();
  const organization = await em.findOneOrFail(Organization, { slackTeamId: TEAM });
  em.persist(
    new Member({
      organization,
      email: 'bob@example.com',
      role: 'admin',
      slackUserId: 'U2',
      now: clock.now(),
    }),
  );
  em.persist(
    new Member({
      organization,
      email: 'cleo@example.com',
      role: 'member',
      slackUserId: 'U3',
      now: clock.now(),
    }),
  );
  await em.flush();
  const ada = await as('U1');
  const client = await ada.services.clients.create(ada.actor, 'Nightly export');
  const sent = await ada.services.invitations.invite(ada.actor, { email: 'sent@example.com' });
  const cleo = await as('U3');
  const request = await cleo.services.invitations.invite(cleo.actor, {
    email: 'asked@example.com',
    reason: 'Team',
  });
  return { clientId: client.client.id, sentId: sent.invitation.id, requestId: request.invitation.id };
}

describe('an Admin demoted after their request was resolved', () => {
  it('is refused every admin-only change, which writes nothing', async () => {
    const ids = await seed();
    type Change = [string, (s: Services, a: Actor) => Promise<unknown>];
    const changes: Change[] = [
      ['rename', (s, a) => s.organizations.rename(a, 'Stale Name')],
      ['clients create', (s, a) => s.clients.create(a, 'Stale client')],
      ['clients disable', (s, a) => s.clients.disable(a, ids.clientId)],
      ['clients enable', (s, a) => s.clients.enable(a, ids.clientId)],
      ['clients rotate', (s, a) => s.clients.rotate(a, ids.clientId)],
      ['clients delete', (s, a) => s.clients.delete(a, ids.clientId)],
      ['invite an Admin', (s, a) => s.invitations.invite(a, { email: 'new@example.com', role: 'admin' })],
      ['approve', (s, a) => s.invitations.approve(a, ids.requestId)],
      ['deny', (s, a) => s.invitations.deny(a, ids.requestId, 'no')],
      ['resend', (s, a) => s.invitations.resend(a, ids.sentId)],
      ['revoke', (s, a) => s.invitations.revoke(a, ids.sentId)],
      ['approvals channel', (s, a) => s.invitations.setApprovalsChannel(a, 'C0APPROVALS')],
      ['role change', (s, a) => s.members.changeRole(a, { slackUserId: 'U3' }, 'admin')],
      ['remove', (s, a) => s.members.remove(a, { slackUserId: 'U3' })],
    ];
    for (const [name, change] of changes) {
      // Bob is an Admin when his payload is resolved …
      const bob = await as('U2');
      expect(bob.actor.member?.role, name).toBe('admin');
      // … and Ada demotes him before his change reaches the database.
      const ada = await as('U1');
      await ada.services.members.changeRole(ada.actor, { slackUserId: 'U2' }, 'member');
      const before = await snapshot();
      await expect(change(bob.services, bob.actor), name).rejects.toBeInstanceOf(NotAuthorizedError);
      expect(await snapshot(), `${name} wrote nothing`).toBe(before);
      // Promote him again for the next change.
      await ada.services.members.changeRole(ada.actor, { slackUserId: 'U2' }, 'admin');
    }
  });

  it("files a Member's request instead of sending, when the committed role is Member", async () => {
    await seed();
    const bob = await as('U2');
    const ada = await as('U1');
    await ada.services.members.changeRole(ada.actor, { slackUserId: 'U2' }, 'member');
    const { outcome, invitation } = await bob.services.invitations.invite(bob.actor, {
      email: 'late@example.com',
      reason: 'Rejoining',
      note: 'Rejoining',
    });
    expect(outcome).toBe('requested');
    expect(invitation.status).toBe('requested');
    expect(invitation.reason).toBe('Rejoining');
    expect(invitation.note).toBeNull();
    expect(await db.orm.em.fork().count(OutboxMail, { invitation: invitation.id })).toBe(0);
  });

  it('a removed Admin is refused as no longer a member', async () => {
    await seed();
    const bob = await as('U2');
    const ada = await as('U1');
    await ada.services.members.remove(ada.actor, { slackUserId: 'U2' });
    const before = await snapshot();
    await expect(bob.services.organizations.rename(bob.actor, 'Gone')).rejects.toMatchObject({
      code: 'not_a_member',
    });
    expect(await snapshot()).toBe(before);
  });
});
