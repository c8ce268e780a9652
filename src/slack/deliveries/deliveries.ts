/**
 * The Slack side's own deliveries (not part of a domain change): a Home tab to publish, a mail failure to tell an
 * Admin, a queued delivery to withdraw; and {@link SlackServices}, the domain services with these beside them, as
 * the listeners find them in their context.
 */
import type { EntityManager } from '@mikro-orm/core';
import type { Actor, Clock } from '../../domain/actor.js';
import { Member } from '../../domain/members/member.entity.js';
import { Organization } from '../../domain/organizations/organization.entity.js';
import { createServices, type ServiceOptions, type Services } from '../../domain/services.js';
import type { MailFailure } from '../../mail/outbox-worker.js';
import { queueDelivery, queueHome } from './queue.js';
import { type DeliveryPayload, SlackDelivery } from './slack-delivery.entity.js';

/**
 * Deliveries the Slack side queues on its own, each in its own transaction of `em` (a fork, never the global
 * EntityManager).
 */
export class SlackDeliveries {
  constructor(
    private readonly em: EntityManager,
    private readonly clock: Clock,
  ) {}

  /**
   * Queues a publish of the caller's Home tab (coalesced per user). Nothing is queued before setup.
   * @returns the delivery's id, or null
   */
  async queueHomeFor(actor: Actor): Promise<string | null> {
    const { organization } = actor;
    if (!organization) return null;
    return this.em.transactional(async (em) => {
      const org = em.getReference(Organization, organization.id);
      return (await queueHome(em, org, actor.slackUserId, this.clock.now())).id;
    });
  }

  /**
   * Queues the DM telling the inviting (or approving) Admin that an invitation mail was given up on — unless they
   * are no longer an active Admin of the organization (left, demoted, or their account deactivated).
   * @returns the delivery's id, or null when nobody is to be told
   */
  async queueMailFailed(failure: MailFailure): Promise<string | null> {
    const target = failure.notifySlackUserId;
    if (!target) return null;
    return this.em.transactional(async (em) => {
      const admin = await em.findOne(Member, {
        organization: failure.organizationId,
        slackUserId: target,
        role: 'admin',
        slackDeactivatedAt: null,
      });
      if (!admin) return null;
      const payload: DeliveryPayload = {
        recipient: failure.recipient,
        reason: failure.reason,
        permanent: failure.permanent,
      };
      return queueDelivery(em, {
        organization: em.getReference(Organization, failure.organizationId),
        kind: 'mail_failed',
        target,
        payload,
        invitationId: failure.invitationId,
        now: this.clock.now(),
      }).id;
    });
  }

  /**
   * Marks a pending, unclaimed delivery skipped (its recipient turned out to be deactivated, say).
   * @returns true when this call skipped it
   */
  async skip(deliveryId: string, reason: string): Promise<boolean> {
    const n = await this.em.nativeUpdate(
      SlackDelivery,
      { id: deliveryId, status: 'pending', lockedUntil: null },
      { status: 'skipped', lastError: reason },
    );
    return n === 1;
  }
}

/** The domain services bound to one unit of work, and the Slack side's own {@link SlackDeliveries} beside them. */
export interface SlackServices extends Services {
  deliveries: SlackDeliveries;
}

/**
 * Builds the {@link SlackServices} over `em` (a fork, never the global EntityManager), the domain's with `options`
 * (settings and ports, from the composition root).
 */
export function slackServices(em: EntityManager, clock: Clock, options: ServiceOptions): SlackServices {
  return { ...createServices(em, clock, options), deliveries: new SlackDeliveries(em, clock) };
}
