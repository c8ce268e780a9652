/**
 * The notifier ports write in the change's own transaction (issue 10 §2): on a real migrated SQLite file, with the
 * Slack side's real notifier, a committed change has its Slack deliveries and a change that fails after its notifier
 * wrote (the notifier's write followed by a failure, as a failing flush or a lost race would be) leaves neither the
 * change nor any delivery behind — an invitation request, an approval and a removal alike.
 */
import type { EntityManager } from '@mikro-orm/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createServices, standardPorts } from '../../src/adapters.js';
import type { Actor } from '../../src/domain/actor.js';
import { AuditEvent } from '../../src/domain/audit/audit-event.entity.js';
import { Invitation } from '../../src/domain/invitations/invitation.entity.js';
import type { InvitationChange, InvitationEvent } from '../../src/domain/invitations/ports.js';
import { Member } from '../../src/domain/members/member.entity.js';
import type { MemberRemoved } from '../../src/domain/members/ports.js';
import { Organization } from '../../src/domain/organizations/organization.entity.js';
import { SlackDelivery } from '../../src/slack/deliveries/slack-delivery.entity.js';
import { SlackNotifier } from '../../src/slack/deliveries/slack-notifier.js';
import { type FreshDb, freshOrm, profileOf, TestClock } from '../support/db.js';

const TEAM = 'T0TEAM';
const ADA = { id: 'U0ADA', email: 'ada@example.com' };
const BOB = { id: 'U0BOB', email: 'bob@example.com' };

/** The real Slack notifier, whose change then fails: each event's rows are written, then the transaction throws. */
class FailingAfterNotifier extends SlackNotifier {
  override async requestMade(em: EntityManager, event: InvitationEvent): Promise<void> {
    await super.requestMade(em, event);
    throw new Error('the change failed after its notifier wrote');
  }

  override async invitationChanged(
    em: EntityManager,
    event: InvitationEvent & { change: InvitationChange },
  ): Promise<void> {
    await super.invitationChanged(em, event);
    throw new Error('the change failed after its notifier wrote');
  }

  override async memberRemoved(em: EntityManager, event: MemberRemoved): Promise<string | null> {
    await super.memberRemoved(em, event);
    throw new Error('the change failed after its notifier wrote');
  }
}

let db: FreshDb;
let clock: TestClock;

/** A unit of work for `user`, with the standard ports or the failing notifier. */
async function as(user: { id: string; email: string }, notifier?: SlackNotifier) {
  const ports = notifier
    ? { ...standardPorts(), invitationNotifier: notifier, memberNotifier: notifier }
    : standardPorts();
  const services = createServices(db.orm.em.fork(), clock, { ports });
  const actor: Actor = await services.members.resolveActor(TEAM, user.id, async () =>
    profileOf(TEAM, user.id, user.email),
  );
  return { services, actor };
}

const deliveries = (where: object = {}) => db.orm.em.fork().find(SlackDelivery, where);

beforeEach(async () => {
  db = await freshOrm();
  clock = new TestClock();
  await createServices(db.orm.em.fork(), clock).organizations.setup(
    { slackTeamId: TEAM, slackUserId: ADA.id, organization: null, member: null },
    { name: 'Bee Labs', email: ADA.email, isWorkspaceAdmin: true },
  );
  const em = db.orm.em.fork();
  const organization = await em.findOneOrFail(Organization, { slackTeamId: TEAM });
  await em
    .persist(
      new Member({ organization, email: BOB.email, role: 'member', slackUserId: BOB.id, now: clock.now() }),
    )
    .flush();
});

afterEach(async () => {
  await db.close();
});

describe('the notifier writes in the change’s transaction', () => {
  it('a committed request has its copy for the Admin; a failed one leaves no request and no copy', async () => {
    const failing = await as(BOB, new FailingAfterNotifier());
    await expect(
      failing.services.invitations.invite(failing.actor, { email: 'ivy@example.com' }),
    ).rejects.toThrow('the change failed after its notifier wrote');
    expect(await db.orm.em.fork().count(Invitation, { email: 'ivy@example.com' })).toBe(0);
    expect(await db.orm.em.fork().count(AuditEvent, { action: 'invitation.requested' })).toBe(0);
    expect(await deliveries()).toHaveLength(0);

    const bob = await as(BOB);
    const { invitation } = await bob.services.invitations.invite(bob.actor, { email: 'ivy@example.com' });
    const rows = await deliveries({ invitationId: invitation.id });
    expect(rows.map((r) => [r.kind, r.target, r.status])).toEqual([['approval_request', ADA.id, 'pending']]);
  });

  it('a failed approval leaves the request waiting, with no outcome, no invitee DM and no audit event', async () => {
    const bob = await as(BOB);
    const { invitation } = await bob.services.invitations.invite(bob.actor, { email: 'jay@example.com' });
    const before = (await deliveries()).length;

    const failing = await as(ADA, new FailingAfterNotifier());
    await expect(failing.services.invitations.approve(failing.actor, invitation.id)).rejects.toThrow(
      'the change failed after its notifier wrote',
    );
    const stored = await db.orm.em.fork().findOneOrFail(Invitation, invitation.id);
    expect(stored.status).toBe('requested');
    expect(stored.tokenHash).toBeNull();
    expect(await db.orm.em.fork().count(AuditEvent, { action: 'invitation.approved' })).toBe(0);
    expect(await deliveries()).toHaveLength(before);

    const ada = await as(ADA);
    await ada.services.invitations.approve(ada.actor, invitation.id);
    const kinds = (await deliveries({ invitationId: invitation.id })).map((r) => r.kind).sort();
    expect(kinds).toEqual(['approval_request', 'invitee_dm', 'requester_outcome']);
  });

  it('a failed removal keeps the member and queues no removal DM; a committed one queues it', async () => {
    const failing = await as(ADA, new FailingAfterNotifier());
    await expect(failing.services.members.remove(failing.actor, { email: BOB.email })).rejects.toThrow(
      'the change failed after its notifier wrote',
    );
    expect(await db.orm.em.fork().count(Member, { email: BOB.email })).toBe(1);
    expect(await deliveries({ kind: 'removal_dm' })).toHaveLength(0);

    const ada = await as(ADA);
    const departure = await ada.services.members.remove(ada.actor, { email: BOB.email });
    const [notice] = await deliveries({ kind: 'removal_dm' });
    expect(notice?.id).toBe(departure.noticeId);
    expect(notice?.target).toBe(BOB.id);
  });
});
