/**
 * The standard implementations of the domain's ports (DESIGN.md §6), for the composition roots: `src/app.ts`
 * (HTTP, Socket Mode, and the console through it) and the workers. The domain declares the ports; this module is
 * the one place that picks their implementations.
 */
import type { EntityManager } from '@mikro-orm/core';
import { SqlClientCredentialStore } from './db/client-credentials.js';
import type { Orm } from './db/orm.js';
import { TableWriteSignal } from './db/table-writes.js';
import type { Clock } from './domain/actor.js';
import { Member } from './domain/members/member.entity.js';
import { TeamDirectory } from './domain/members/team-directory.js';
import { Organization } from './domain/organizations/organization.entity.js';
import {
  createServices as createDomainServices,
  type DomainPorts,
  type ServiceOptions,
  type Services,
} from './domain/services.js';
import { OutboxMailQueue } from './mail/invitation-outbox.js';

/** The ports over MikroORM, the SQL database and the mail outbox table; stateless (one set serves every request). */
export function standardPorts(): DomainPorts {
  return { outbox: new OutboxMailQueue(), credentials: new SqlClientCredentialStore() };
}

/**
 * The domain services over `em` with the {@link standardPorts} (unless `options.ports` says otherwise) and the
 * given settings (defaults of the domain otherwise).
 */
export function createServices(
  em: EntityManager,
  clock: Clock,
  options: Partial<ServiceOptions> = {},
): Services {
  return createDomainServices(em, clock, { ...options, ports: options.ports ?? standardPorts() });
}

/**
 * The team directory of `orm`, kept coherent by a {@link TableWriteSignal} on the members and organizations
 * tables. Make one per ORM (it hooks the ORM's `onQuery`).
 */
export function teamDirectoryOn(orm: Orm): TeamDirectory {
  return new TeamDirectory(orm, new TableWriteSignal(orm, [Member, Organization]));
}
