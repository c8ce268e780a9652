import { randomBytes } from 'node:crypto';
import { EntitySchema } from '@mikro-orm/core';
import { base32 } from '../../lib/base32.js';
import { BaseEntity, BaseEntitySchema } from '../base.entity.js';

/** A new organization ID: `org_` and 16 base32 characters (80 random bits). Public, stable, used by integrations. */
export function newOrganizationId(): string {
  return `org_${base32(randomBytes(10))}`;
}

/**
 * An AstroBee organization bound to one Slack workspace. `id` is the immutable organization ID; `name` is the
 * editable display name.
 */
export class Organization extends BaseEntity {
  name: string;
  slackTeamId: string;
  /**
   * The workspace's enterprise under Enterprise Grid (a slash command's `enterprise_id` at setup); null outside
   * Grid. Users of the enterprise count as users of the organization's own workspace.
   */
  slackEnterpriseId: string | null = null;
  /** Slack channel where Members' invitation requests go; null means a DM to each Admin. */
  approvalsChannelId: string | null = null;
  /**
   * When posting to the approvals channel started failing (requests then go to the Admins by DM, and the Admins
   * were told once); null while it works. Cleared when a post there succeeds again or the channel is changed.
   */
  approvalsChannelFailingSince: Date | null = null;

  constructor(name: string, slackTeamId: string, now: Date, slackEnterpriseId: string | null = null) {
    super();
    this.id = newOrganizationId();
    this.name = name;
    this.slackTeamId = slackTeamId;
    this.slackEnterpriseId = slackEnterpriseId;
    this.createdAt = now;
    this.updatedAt = now;
  }

  /** Changes the display name; the organization ID never changes. */
  rename(name: string, now: Date): void {
    this.name = name;
    this.updatedAt = now;
  }
}

export const OrganizationSchema = new EntitySchema<Organization, BaseEntity>({
  class: Organization,
  extends: BaseEntitySchema,
  tableName: 'organizations',
  properties: {
    name: { type: 'text' },
    slackTeamId: { type: 'text', fieldName: 'slack_team_id', unique: true },
    slackEnterpriseId: { type: 'text', fieldName: 'slack_enterprise_id', nullable: true },
    approvalsChannelId: { type: 'text', fieldName: 'approvals_channel_id', nullable: true },
    approvalsChannelFailingSince: {
      type: 'Date',
      fieldName: 'approvals_channel_failing_since',
      nullable: true,
    },
  },
});

/**
 * The `organization` property of every entity that belongs to one organization: a many-to-one on
 * `organization_id`, deleted with its organization.
 */
export const belongsToOrganization = {
  kind: 'm:1',
  entity: () => Organization,
  fieldName: 'organization_id',
  deleteRule: 'cascade',
  // Indexed on every database (MikroORM indexes foreign keys by default on SQLite, not on PostgreSQL).
  index: true,
} as const;
