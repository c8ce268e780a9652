import { AuditEventSchema } from '../domain/audit/audit-event.entity.js';
import { BaseEntitySchema } from '../domain/base.entity.js';
import { AccessTokenSchema, ApiClientSchema, ClientSecretSchema } from '../domain/clients/client.entity.js';
import { DataLayerSchema, DataSourceSchema } from '../domain/data/data.entity.js';
import {
  SlackInstallationSchema,
  SlackOAuthStateSchema,
} from '../domain/installations/slack-installation.entity.js';
import { InvitationSchema } from '../domain/invitations/invitation.entity.js';
import { MemberSchema } from '../domain/members/member.entity.js';
import { NudgeSchema } from '../domain/nudges/nudge.entity.js';
import { NudgeMuteSchema } from '../domain/nudges/nudge-mute.entity.js';
import { OrganizationSchema } from '../domain/organizations/organization.entity.js';
import { OutboxMailSchema } from '../mail/outbox.entity.js';

/**
 * The entity schemas of the domain and of the mail outbox. The front ends' own (the Slack side's deliveries) are not
 * here, since src/db imports no front end: the composition root (`src/adapters.ts`, `ormEntities`) lists them all.
 */
export const entities = [
  BaseEntitySchema,
  OrganizationSchema,
  MemberSchema,
  DataSourceSchema,
  DataLayerSchema,
  AuditEventSchema,
  InvitationSchema,
  OutboxMailSchema,
  SlackInstallationSchema,
  SlackOAuthStateSchema,
  ApiClientSchema,
  ClientSecretSchema,
  AccessTokenSchema,
  NudgeSchema,
  NudgeMuteSchema,
];
