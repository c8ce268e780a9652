import type { EntityManager } from '@mikro-orm/core';
import { requireAdmin } from '../access.js';
import type { Actor } from '../actor.js';
import type { Page } from '../members/members.service.js';
import { pageBounds } from '../paging.js';
import { AuditEvent } from './audit-event.entity.js';

/** Audit events per page of `/org audit` (one section each, plus header and pager: 22 of 50 message blocks). */
export const AUDIT_PAGE_SIZE = 20;

/** Reading the audit log (writing is {@link recordAudit}, inside each change's own transaction). */
export class AuditService {
  constructor(private readonly em: EntityManager) {}

  /**
   * One page of the organization's audit events, newest first. Events recorded in the same millisecond are ordered
   * by id, which is stable but arbitrary.
   * @param page 1-based; clamped into range
   * @throws NoOrganizationError / NotAMemberError; NotAuthorizedError for a Member
   */
  async list(actor: Actor, page = 1, pageSize = AUDIT_PAGE_SIZE): Promise<Page<AuditEvent>> {
    const { organization } = requireAdmin(actor, 'read the audit log');
    const total = await this.em.count(AuditEvent, { organization });
    const { offset, ...bounds } = pageBounds(total, page, pageSize);
    const items = await this.em.find(
      AuditEvent,
      { organization },
      { orderBy: { createdAt: 'desc', id: 'desc' }, limit: pageSize, offset },
    );
    return { items, ...bounds };
  }
}
