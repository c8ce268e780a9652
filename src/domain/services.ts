import type { EntityManager } from '@mikro-orm/core';
import type { Clock } from './actor.js';
import { AuditService } from './audit/audit.service.js';
import { ClientsService } from './clients/clients.service.js';
import { OAuthService } from './clients/oauth.service.js';
import type { ClientCredentialStore } from './clients/ports.js';
import type { ClientSettings } from './clients/settings.js';
import { DataService } from './data/data.service.js';
import { InstallationsService } from './installations/installations.service.js';
import { InvitationsService } from './invitations/invitations.service.js';
import type { InvitationNotifier, InvitationOutbox } from './invitations/ports.js';
import { defaultInvitationSettings, type InvitationSettings } from './invitations/settings.js';
import { MembersService } from './members/members.service.js';
import type { MemberNotifier } from './members/ports.js';
import { OrganizationsService } from './organizations/organizations.service.js';

/** The domain services bound to one unit of work (one EntityManager fork per Slack payload or HTTP request). */
export interface Services {
  organizations: OrganizationsService;
  members: MembersService;
  invitations: InvitationsService;
  audit: AuditService;
  clients: ClientsService;
  oauth: OAuthService;
  data: DataService;
  installations: InstallationsService;
}

/** The ports the domain declares, implemented by the outer layers and wired in by the composition root. */
export interface DomainPorts {
  /** The invitation mails' outbox (src/mail). */
  outbox: InvitationOutbox;
  /** The OAuth hot paths' statements (src/db). */
  credentials: ClientCredentialStore;
  /** Who is told what about invitations (the Slack side's delivery outbox). */
  invitationNotifier: InvitationNotifier;
  /** Who is told of a removal or a recovery (the Slack side's delivery outbox). */
  memberNotifier: MemberNotifier;
}

/** Settings (plain values from the composition root) and ports of the domain services. */
export interface ServiceOptions {
  invitations?: InvitationSettings;
  clients?: ClientSettings;
  ports: DomainPorts;
}

/**
 * Builds the services over `em` (a fork, never the global EntityManager). The composition root passes the ports
 * (`src/adapters.ts` builds the standard ones).
 */
export function createServices(em: EntityManager, clock: Clock, options: ServiceOptions): Services {
  return {
    organizations: new OrganizationsService(em, clock),
    members: new MembersService(em, clock, options.ports.memberNotifier),
    invitations: new InvitationsService(em, clock, options.invitations ?? defaultInvitationSettings(), {
      outbox: options.ports.outbox,
      notifier: options.ports.invitationNotifier,
    }),
    audit: new AuditService(em),
    clients: new ClientsService(em, clock, options.clients),
    oauth: new OAuthService(em, clock, options.ports.credentials, options.clients),
    data: new DataService(em, clock),
    installations: new InstallationsService(em, clock),
  };
}
