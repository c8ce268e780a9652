import type { EntityManager } from '@mikro-orm/core';
import type { Organization } from '../organizations/organization.entity.js';

import { Member, type Role } from './member.entity.js';

/** A member as the REST API shows it: no secret, no internal state beyond the role. */
export interface MemberListing {
  id: string;
  /** As stored: lower-cased, an internationalised domain in ASCII (`xn--…`). */
  email: string;
  role: Role;
  /** The linked Slack user; null until linked. */
  slackUserId: string | null;
}

/**
 * One page of an organization's members for the REST API (`GET /api/v1/members`), oldest first and stable across
 * pages (ordered by creation time, then id).
 * @param page 1-based; past the end gives an empty page
 * @param perPage items per page, 1–100 (the caller checks it)
 * @returns the page's items and the organization's member count
 */
export async function membersPage(
  em: EntityManager,
  organization: Organization,
  page: number,
  perPage: number,
): Promise<{ items: MemberListing[]; total: number }> {
  const [rows, total] = await em.findAndCount(
    Member,
    { organization },
    { orderBy: { createdAt: 'asc', id: 'asc' }, limit: perPage, offset: (page - 1) * perPage },
  );
  return {
    items: rows.map((m) => ({ id: m.id, email: m.email, role: m.role, slackUserId: m.slackUserId })),
    total,
  };
}
