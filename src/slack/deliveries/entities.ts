import { InvitationMessageSchema } from './invitation-message.entity.js';
import { SlackDeliverySchema } from './slack-delivery.entity.js';

/**
 * The Slack side's entity schemas: its delivery outbox (`slack_deliveries`) and the posted copies of messages about
 * invitations (`invitation_messages`). The composition root lists them for the ORM beside `src/db/entities.ts`.
 */
export const slackEntities = [SlackDeliverySchema, InvitationMessageSchema];
