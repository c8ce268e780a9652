/**
 * The standard implementations of the domain's ports (DESIGN.md §6), for the composition roots: `src/app.ts`
 * (HTTP, Socket Mode, and the console through it), the workers, `src/migrate.ts` and `mikro-orm.config.ts`. The
 * domain declares the ports; this module is the one place that picks their implementations, and the one list of
 * every entity schema the ORM knows.
 */
import type { EntityManager } from '@mikro-orm/core';
import { type PostgresChangeListener, teamChangesOf } from './db/change-notifications.js';
import { SqlClientCredentialStore } from './db/client-credentials.js';
import { entities } from './db/entities.js';
import { initOrm, type Orm } from './db/orm.js';
import { TableWriteSignal } from './db/table-writes.js';
import { teamRowsOn } from './db/team-rows.js';
import type { Clock } from './domain/actor.js';
import { Member } from './domain/members/member.entity.js';
import { TeamDirectory } from './domain/members/team-directory.js';
import { Organization } from './domain/organizations/organization.entity.js';
import type { DomainPorts, ServiceOptions } from './domain/services.js';
import { OutboxMailQueue } from './mail/invitation-outbox.js';
import { type SlackServices, slackServices } from './slack/deliveries/deliveries.js';
import { slackEntities } from './slack/deliveries/entities.js';
import { SlackNotifier } from './slack/deliveries/slack-notifier.js';

/**
 * Every entity schema the ORM knows: the domain's and the mail outbox's (`src/db/entities.ts`), and the Slack
 * side's own (its delivery outbox and the posted copies of messages about invitations).
 */
export const ormEntities = [...entities, ...slackEntities];

/**
 * Opens the database with {@link ormEntities} (see `initOrm` in src/db/orm.ts: migrations run unless
 * `migrate: false`).
 */
export function openOrm(
  databaseUrl: string,
  options: Omit<Parameters<typeof initOrm>[1], 'entities'> = {},
): Promise<Orm> {
  return initOrm(databaseUrl, { ...options, entities: ormEntities });
}

/**
 * The ports over MikroORM, the SQL database, the mail outbox table and the Slack delivery outbox; stateless (one
 * set serves every request).
 */
export function standardPorts(): DomainPorts {
  const notifier = new SlackNotifier();
  return {
    outbox: new OutboxMailQueue(),
    credentials: new SqlClientCredentialStore(),
    invitationNotifier: notifier,
    memberNotifier: notifier,
  };
}

/**
 * The domain services over `em` with the {@link standardPorts} (unless `options.ports` says otherwise) and the
 * given settings (defaults of the domain otherwise), with the Slack side's own deliveries beside them.
 */
export function createServices(
  em: EntityManager,
  clock: Clock,
  options: Partial<ServiceOptions> = {},
): SlackServices {
  return slackServices(em, clock, { ...options, ports: options.ports ?? standardPorts() });
}

/**
 * The team directory of `orm`. With `changes` (PostgreSQL, several instances: the composition root's
 * `PostgresChangeListener`), kept coherent by the change notifications of every instance; otherwise by a
 * {@link TableWriteSignal} on the members and organizations tables, which sees this process's writes only (SQLite,
 * one process per file). Make one per ORM (the latter hooks the ORM's `onQuery`).
 */
export function teamDirectoryOn(orm: Orm, changes?: PostgresChangeListener): TeamDirectory {
  const rows = teamRowsOn(orm);
  if (changes) return new TeamDirectory(rows, teamChangesOf(changes));
  return new TeamDirectory(rows, new TableWriteSignal(orm, [Member, Organization]));
}
