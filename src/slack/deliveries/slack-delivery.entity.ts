import { randomUUID } from 'node:crypto';
import { EntitySchema } from '@mikro-orm/core';
import { belongsToOrganization, type Organization } from '../../domain/organizations/organization.entity.js';

/**
 * What a Slack delivery carries, by kind. Payloads name records (an invitation id) or hold what a message shows;
 * never a secret: client secrets stay ephemeral and direct, invitation tokens never reach Slack.
 * - `approval_request`: a copy of a Member's request for the Admins (`chat.postMessage` to the approvals channel
 *   or an Admin's DM), rendered from the invitation as it is at delivery, recorded as an invitation message.
 * - `invitee_dm`: the invitee's DM with Accept / Decline; `target` null means "find them by email"
 *   (`users.lookupByEmail`) at delivery.
 * - `message_update`: `chat.update` of one recorded message about an invitation (request copy or invitee DM).
 * - `requester_outcome`: the requester's DM saying what the Admins decided.
 * - `removal_dm`: the DM to a removed member.
 * - `mail_failed`: the DM telling an Admin an invitation mail was given up on.
 * - `approvals_channel_failing`: the DM telling an Admin that posting to the approvals channel fails.
 * - `recovery_notice`: the DM telling a member the organization was recovered.
 * - `home`: `views.publish` of a user's Home tab (latest wins: coalesced per user).
 * - `leak_notice`: the DM telling an Admin that a credential of the organization was found posted in Slack and
 *   neutralised (payload: kind, client id and name, outcome, and channel, poster and file name — channel and poster
 *   null when it was posted in another workspace); sent with the organization's own installation token, so it
 *   reaches the Admins in their workspace even when the leak was seen in another one. Never the credential.
 * - `nudge`: a hygiene nudge to an Admin (src/slack/nudges): the payload names the fact (`nudge`, `subjectId`,
 *   `factKey`); rendered from the records at delivery, skipped when the fact no longer holds.
 */
export const SLACK_DELIVERY_KINDS = [
  'approval_request',
  'invitee_dm',
  'message_update',
  'requester_outcome',
  'removal_dm',
  'mail_failed',
  'approvals_channel_failing',
  'recovery_notice',
  'home',
  'leak_notice',
  'nudge',
] as const;
export type SlackDeliveryKind = (typeof SLACK_DELIVERY_KINDS)[number];

/**
 * Delivery state: `pending` (to deliver at `nextAttemptAt`, or at once when null), `sent`, `failed` (Slack refused
 * it for good, or the attempts ran out; `lastError` says why) and `skipped` (not delivered on purpose: the
 * recipient's account is deactivated, the Admin left, the invitation closed before its DM went out; `lastError`
 * says which).
 */
export const SLACK_DELIVERY_STATUSES = ['pending', 'sent', 'failed', 'skipped'] as const;
export type SlackDeliveryStatus = (typeof SLACK_DELIVERY_STATUSES)[number];

/** A JSON payload: plain data only. */
export type DeliveryPayload = Record<string, string | number | boolean | null>;

/** What a new delivery needs; see {@link SlackDelivery}. */
export interface DeliveryInit {
  organization: Organization;
  kind: SlackDeliveryKind;
  target: string | null;
  payload?: DeliveryPayload;
  invitationId?: string | null;
  dedupeKey?: string | null;
  now: Date;
}

/**
 * One message or view the app promised to deliver to Slack (a durable outbox, like the mail outbox): written in
 * the same transaction as the change that promises it, delivered by the Slack side's worker with backoff, at most
 * once (a claim with `lockedBy` / `lockedUntil` and a conditional status change).
 */
export class SlackDelivery {
  id: string;
  organization: Organization;
  kind: SlackDeliveryKind;
  /** A channel or user id (a user id posts to their DM with the app); null only for `invitee_dm` found by email. */
  target: string | null;
  payload: DeliveryPayload;
  /** The invitation the delivery is about, when it is about one. */
  invitationId: string | null;
  /** Rows with one key coalesce while pending (the latest payload wins): `home:<user id>`, `update:<channel>:<ts>`. */
  dedupeKey: string | null;
  status: SlackDeliveryStatus = 'pending';
  attempts = 0;
  /** When to try next; null means at once. Set by the worker (wall-clock time, as Slack's Retry-After is). */
  nextAttemptAt: Date | null = null;
  lockedBy: string | null = null;
  lockedUntil: Date | null = null;
  lastError: string | null = null;
  /** For posted messages: where the message went (conversation id) and its `ts`, once delivered. */
  channelId: string | null = null;
  ts: string | null = null;
  createdAt: Date;
  deliveredAt: Date | null = null;

  constructor(init: DeliveryInit) {
    this.id = randomUUID();
    this.organization = init.organization;
    this.kind = init.kind;
    this.target = init.target;
    this.payload = init.payload ?? {};
    this.invitationId = init.invitationId ?? null;
    this.dedupeKey = init.dedupeKey ?? null;
    this.createdAt = init.now;
  }
}

export const SlackDeliverySchema = new EntitySchema<SlackDelivery>({
  class: SlackDelivery,
  tableName: 'slack_deliveries',
  indexes: [
    { properties: ['status', 'nextAttemptAt'], name: 'slack_deliveries_status_next_attempt_at_index' },
    { properties: ['dedupeKey', 'status'], name: 'slack_deliveries_dedupe_key_status_index' },
  ],
  properties: {
    id: { type: 'text', primary: true },
    organization: belongsToOrganization,
    kind: { type: 'text' },
    target: { type: 'text', nullable: true },
    payload: { type: 'json' },
    invitationId: { type: 'text', fieldName: 'invitation_id', nullable: true },
    dedupeKey: { type: 'text', fieldName: 'dedupe_key', nullable: true },
    // Plain text columns: MikroORM 6's SQLite introspection misreads CHECK lists of more than two items.
    status: { type: 'text' },
    attempts: { type: 'integer', default: 0 },
    nextAttemptAt: { type: 'Date', fieldName: 'next_attempt_at', nullable: true },
    lockedBy: { type: 'text', fieldName: 'locked_by', nullable: true },
    lockedUntil: { type: 'Date', fieldName: 'locked_until', nullable: true },
    lastError: { type: 'text', fieldName: 'last_error', nullable: true },
    channelId: { type: 'text', fieldName: 'channel_id', nullable: true },
    ts: { type: 'text', nullable: true },
    createdAt: { type: 'Date', fieldName: 'created_at' },
    deliveredAt: { type: 'Date', fieldName: 'delivered_at', nullable: true },
  },
});
