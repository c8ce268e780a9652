import type { EntityManager } from '@mikro-orm/core';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { lockAdmin, requireAdmin, requireMember } from '../access.js';
import type { Actor, Clock } from '../actor.js';
import { recordAudit } from '../audit/audit.js';
import { type OrganizationMetrics, organizationMetrics } from '../data/data.service.js';
import { InvalidInputError, NotAuthorizedError, OrganizationExistsError } from '../errors.js';
import { InstallationsService } from '../installations/installations.service.js';
import { Member } from '../members/member.entity.js';
import { OrganizationName, parseInput } from '../validation.js';
import { Organization } from './organization.entity.js';

/** What `/org overview` shows. */
export interface Overview {
  organization: { id: string; name: string; createdAt: Date };
  metrics: OrganizationMetrics;
}

/** Organization setup, identity and overview. */
export class OrganizationsService {
  constructor(
    private readonly em: EntityManager,
    private readonly clock: Clock,
  ) {}

  /**
   * Binds a new organization to the actor's Slack workspace; the actor becomes its first Admin.
   * @param input `name` (raw, validated here), `email` of the caller's Slack profile, and whether the caller is a
   *   Slack workspace admin or owner (from `users.info`); `enterpriseId` is the workspace's enterprise under
   *   Enterprise Grid (the command's `enterprise_id`), whose users count as the organization's own
   * @throws OrganizationExistsError when the workspace is already bound (also under a concurrent setup);
   *   NotAuthorizedError when the caller is not a workspace admin or owner; InvalidInputError for a bad name or a
   *   missing email
   */
  async setup(
    actor: Actor,
    input: { name: string; email: string | null; isWorkspaceAdmin: boolean; enterpriseId?: string | null },
  ): Promise<Organization> {
    if (actor.organization) throw new OrganizationExistsError(actor.organization.name);
    if (!input.isWorkspaceAdmin) {
      throw new NotAuthorizedError('setup_requires_workspace_admin', {});
    }
    const name = parseInput(OrganizationName, input.name, 'name');
    if (!input.email) {
      throw new InvalidInputError('setup_requires_email', {}, 'email');
    }
    const now = this.clock.now();
    const organization = new Organization(name, actor.slackTeamId, now, input.enterpriseId ?? null);
    const admin = new Member({
      organization,
      email: input.email,
      role: 'admin',
      slackUserId: actor.slackUserId,
      now,
    });
    try {
      await this.em.transactional(async (em) => {
        em.persist([organization, admin]);
        recordAudit(em, {
          organization,
          actor: { member: admin, slackUserId: actor.slackUserId },
          action: 'organization.setup',
          targetType: 'organization',
          targetId: organization.id,
          details: { name, adminEmail: admin.email },
          at: now,
        });
        // Distribution mode: the organization's audit log starts with the app's install in its workspace.
        const installation = await new InstallationsService(em, this.clock).find({
          teamId: actor.slackTeamId,
          enterpriseId: input.enterpriseId ?? undefined,
          isEnterpriseInstall: false,
        });
        if (installation?.botToken) {
          recordAudit(em, {
            organization,
            actor: {
              member: installation.installerUserId === actor.slackUserId ? admin : null,
              slackUserId: installation.installerUserId,
            },
            action: 'slack_app.installed',
            targetType: 'slack_installation',
            targetId: installation.isEnterpriseInstall ? installation.enterpriseId : installation.teamId,
            details: {
              orgWide: installation.isEnterpriseInstall,
              installerUserId: installation.installerUserId,
              scopes: installation.botScopes,
            },
            at: installation.updatedAt,
          });
        }
      });
    } catch (err) {
      if (err instanceof UniqueConstraintViolationException) {
        const existing = await this.em.fork().findOne(Organization, { slackTeamId: actor.slackTeamId });
        throw new OrganizationExistsError(existing?.name ?? name);
      }
      throw err;
    }
    return organization;
  }

  /**
   * The organization's identity and metrics.
   * @throws NoOrganizationError / NotAMemberError
   */
  async overview(actor: Actor): Promise<Overview> {
    const { organization } = requireMember(actor);
    return {
      organization: { id: organization.id, name: organization.name, createdAt: organization.createdAt },
      metrics: await organizationMetrics(this.em, organization),
    };
  }

  /**
   * Changes the display name (the organization ID never changes).
   * @param name raw input, validated here
   * @returns the previous and the new name
   * @throws NotAuthorizedError unless the caller is an Admin at the moment of the write; InvalidInputError (field
   *   `name`) for an invalid name
   */
  async rename(actor: Actor, name: string): Promise<{ previous: string; name: string }> {
    const { organization } = requireAdmin(actor, 'rename the organization');
    const valid = parseInput(OrganizationName, name, 'name');
    let previous = organization.name;
    await this.em.transactional(async (em) => {
      await lockAdmin(em, actor, 'rename the organization');
      const org = await em.findOneOrFail(Organization, organization.id, { refresh: true });
      previous = org.name;
      const now = this.clock.now();
      org.rename(valid, now);
      recordAudit(em, {
        organization: org,
        actor,
        action: 'organization.renamed',
        targetType: 'organization',
        targetId: org.id,
        details: { from: previous, to: valid },
        at: now,
      });
    });
    organization.name = valid;
    return { previous, name: valid };
  }
}
