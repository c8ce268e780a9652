import type { EntityManager } from '@mikro-orm/sqlite';
import type { Clock } from './actor.js';
import { MembersService } from './members/members.service.js';
import { OrganizationsService } from './organizations/organizations.service.js';

/** The domain services bound to one unit of work (one EntityManager fork per Slack payload or HTTP request). */
export interface Services {
  organizations: OrganizationsService;
  members: MembersService;
}

/** Builds the services over `em` (a fork, never the global EntityManager). */
export function createServices(em: EntityManager, clock: Clock): Services {
  return {
    organizations: new OrganizationsService(em, clock),
    members: new MembersService(em, clock),
  };
}
