import { randomUUID } from 'node:crypto';
import { EntitySchema } from '@mikro-orm/core';
import { BaseEntity, BaseEntitySchema } from '../base.entity.js';
import { belongsToOrganization, type Organization } from '../organizations/organization.entity.js';

/** The two roles of DESIGN.md §3. */
export const ROLES = ['admin', 'member'] as const;
export type Role = (typeof ROLES)[number];

/** A role as people read it, capitalised as DESIGN.md §3 names it: `Admin` or `Member`. */
export function roleLabel(role: Role): string {
  return role === 'admin' ? 'Admin' : 'Member';
}

/** A role with its article, as a sentence says it: `an Admin` or `a Member`. */
export function roleWithArticle(role: Role): string {
  return role === 'admin' ? 'an Admin' : 'a Member';
}

/** A member of an organization, linked to a Slack user by id (or, on first use, by profile email). */
export class Member extends BaseEntity {
  organization: Organization;
  /** Lower-cased, trimmed. */
  email: string;
  slackUserId: string | null;
  role: Role;
  /**
   * When the linked Slack account was seen deactivated (the `user_change` event, or `users.info` → `deleted: true`
   * checked when it mattered); null while it is active or unknown to be otherwise.
   */
  slackDeactivatedAt: Date | null = null;

  constructor(init: {
    organization: Organization;
    email: string;
    role: Role;
    slackUserId?: string | null;
    now: Date;
  }) {
    super();
    this.id = randomUUID();
    this.organization = init.organization;
    this.email = init.email.trim().toLowerCase();
    this.role = init.role;
    this.slackUserId = init.slackUserId ?? null;
    this.createdAt = init.now;
    this.updatedAt = init.now;
  }

  get isAdmin(): boolean {
    return this.role === 'admin';
  }

  /** False while the linked Slack account is known to be deactivated (such a member can neither act nor be told). */
  get isActive(): boolean {
    return this.slackDeactivatedAt === null;
  }

  /**
   * Records what Slack says of the linked account: deactivated (`deleted: true`) or active.
   * @returns false when that was already known (nothing changed)
   */
  recordSlackAccount(deleted: boolean, now: Date): boolean {
    if (deleted === !this.isActive) return false;
    this.slackDeactivatedAt = deleted ? now : null;
    this.updatedAt = now;
    return true;
  }

  /**
   * Makes this member an Admin.
   * @returns false when they already were one (nothing changed)
   */
  promoteToAdmin(now: Date): boolean {
    return this.setRole('admin', now);
  }

  /**
   * Makes this Admin a Member. The last-Admin rule spans the organization, so the service checks it in the same
   * transaction before calling this.
   * @returns false when they already were a Member (nothing changed)
   */
  demoteToMember(now: Date): boolean {
    return this.setRole('member', now);
  }

  private setRole(role: Role, now: Date): boolean {
    if (this.role === role) return false;
    this.role = role;
    this.updatedAt = now;
    return true;
  }

  /** Links this member to a Slack user (first use, matched by profile email). */
  linkSlackUser(slackUserId: string, now: Date): void {
    this.slackUserId = slackUserId;
    this.updatedAt = now;
  }
}

export const MemberSchema = new EntitySchema<Member, BaseEntity>({
  class: Member,
  extends: BaseEntitySchema,
  tableName: 'members',
  uniques: [
    { properties: ['organization', 'email'], name: 'members_organization_email_unique' },
    { properties: ['organization', 'slackUserId'], name: 'members_organization_slack_user_unique' },
  ],
  properties: {
    organization: belongsToOrganization,
    email: { type: 'text' },
    slackUserId: { type: 'text', fieldName: 'slack_user_id', nullable: true },
    role: { enum: true, items: () => ROLES, type: 'text' },
    slackDeactivatedAt: { type: 'datetime', fieldName: 'slack_deactivated_at', nullable: true },
    isAdmin: { type: 'boolean', persist: false, getter: true },
    isActive: { type: 'boolean', persist: false, getter: true },
  },
});
