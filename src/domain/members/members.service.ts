import type { EntityManager } from '@mikro-orm/sqlite';
import { requireMember } from '../access.js';
import type { Actor, Clock } from '../actor.js';
import { Organization } from '../organizations/organization.entity.js';
import { Member } from './member.entity.js';

/** A page of a list; `page` counts from 1. */
export interface Page<T> {
  items: T[];
  page: number;
  pageCount: number;
  total: number;
  pageSize: number;
}

/** Members shown per page of `/org members` (each row is one Block Kit section, well within 50 blocks). */
export const MEMBERS_PAGE_SIZE = 20;

/** The team: listing, and linking Slack users to members. */
export class MembersService {
  constructor(
    private readonly em: EntityManager,
    private readonly clock: Clock,
  ) {}

  /**
   * Finds who is asking: the organization bound to the workspace and the caller's membership. A Slack user not yet
   * linked is matched by the email of their Slack profile, on first use, and linked.
   * @param lookupEmail fetches the caller's Slack profile email (called only when needed)
   */
  async resolveActor(
    slackTeamId: string,
    slackUserId: string,
    lookupEmail: () => Promise<string | null>,
  ): Promise<Actor> {
    const organization = await this.em.findOne(Organization, { slackTeamId });
    if (!organization) return { slackTeamId, slackUserId, organization: null, member: null };
    let member = await this.em.findOne(Member, { organization, slackUserId });
    if (!member) {
      const email = (await lookupEmail())?.trim().toLowerCase();
      if (email) {
        const unlinked = await this.em.findOne(Member, { organization, email, slackUserId: null });
        if (unlinked) {
          unlinked.linkSlackUser(slackUserId, this.clock.now());
          await this.em.flush();
          member = unlinked;
        }
      }
    }
    return { slackTeamId, slackUserId, organization, member };
  }

  /**
   * One page of the team, admins first, then by email.
   * @param page 1-based; clamped into range
   * @throws NoOrganizationError / NotAMemberError
   */
  async list(actor: Actor, page = 1, pageSize = MEMBERS_PAGE_SIZE): Promise<Page<Member>> {
    const { organization } = requireMember(actor);
    const total = await this.em.count(Member, { organization });
    const pageCount = Math.max(1, Math.ceil(total / pageSize));
    const current = Math.min(Math.max(1, Math.trunc(page) || 1), pageCount);
    const items = await this.em.find(
      Member,
      { organization },
      { orderBy: { role: 'asc', email: 'asc' }, limit: pageSize, offset: (current - 1) * pageSize },
    );
    return { items, page: current, pageCount, total, pageSize };
  }
}
