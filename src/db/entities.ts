import { AuditEventSchema } from '../domain/audit/audit-event.entity.js';
import { BaseEntitySchema } from '../domain/base.entity.js';
import { AccessTokenSchema, ApiClientSchema, ClientSecretSchema } from '../domain/clients/client.entity.js';
import { DataLayerSchema, DataSourceSchema } from '../domain/data/data.entity.js';
import { SlackDeliverySchema } from '../domain/deliveries/slack-delivery.entity.js';
import {
  SlackInstallationSchema,
  SlackOAuthStateSchema,
} from '../domain/installations/slack-installation.entity.js';
import { InvitationMessageSchema, InvitationSchema } from '../domain/invitations/invitation.entity.js';
import { MemberSchema } from '../domain/members/member.entity.js';
import { OrganizationSchema } from '../domain/organizations/organization.entity.js';
import { OutboxMailSchema } from '../mail/outbox.entity.js';

/** Every entity schema the ORM knows. */
export const entities = [
  BaseEntitySchema,
  OrganizationSchema,
  MemberSchema,
  DataSourceSchema,
  DataLayerSchema,
  AuditEventSchema,
  InvitationSchema,
  InvitationMessageSchema,
  OutboxMailSchema,
  SlackDeliverySchema,
  SlackInstallationSchema,
  SlackOAuthStateSchema,
  ApiClientSchema,
  ClientSecretSchema,
  AccessTokenSchema,
];
