/**
 * Shared by the approval listeners (the Approve and Deny buttons, the Deny modal's submission): where a click came
 * from, what follows a decision, and the Deny modal's private_metadata codec.
 */

import type { BlockAction, ButtonAction } from '@slack/bolt';
import { z } from 'zod';
import type { Actor } from '../../domain/actor.js';
import type { OrgContext } from '../context.js';
import type { SlackMessage } from '../shared/common.blocks.js';
import { decodePrivateMetadata, encodePrivateMetadata } from '../shared/view-metadata.js';
import { invitesMessage } from './invites.blocks.js';

/** What the Deny modal carries in private_metadata: the request and where the click came from. Never a secret. */
const DenyMetadata = z.object({
  invitationId: z.string().min(1),
  source: z.enum(['message', 'ephemeral', 'home']),
  responseUrl: z.string().url().optional(),
});
export type DenyMetadata = z.infer<typeof DenyMetadata>;

/** Where a click came from: a message in a channel or DM, an ephemeral (`/org invites`), or the Home tab. */
export type ClickSource = 'message' | 'ephemeral' | 'home';

/** The source of a `block_actions` payload. */
export function clickSource(body: BlockAction<ButtonAction>): ClickSource {
  if (body.container?.type === 'view') return 'home';
  return body.container?.is_ephemeral ? 'ephemeral' : 'message';
}

/**
 * After a decision on a request (committed with its Slack deliveries: every copy's update, the requester's DM, the
 * invitee's DM when approved): the clicker's Home tab is queued when the click came from it, the delivery worker
 * runs, and the `/org invites` list is replaced through `replaceList` when the click came from it.
 */
export async function afterDecision(
  context: Pick<OrgContext, 'services' | 'deliver'>,
  from: { source: ClickSource; actor: Actor; replaceList?: (message: SlackMessage) => Promise<unknown> },
): Promise<void> {
  if (from.source === 'home') await context.services.deliveries.queueHomeFor(from.actor);
  await context.deliver();
  if (from.source === 'ephemeral' && from.replaceList) {
    const { rows, total } = await context.services.invitations.listOpen(from.actor);
    await from.replaceList(invitesMessage(rows, total));
  }
}

/**
 * Encodes the Deny modal's metadata.
 * @throws Error past Slack's 3000-character limit
 */
export function encodeDenyMetadata(meta: DenyMetadata): string {
  return encodePrivateMetadata(meta);
}

/** Decodes the Deny modal's metadata; null when malformed. */
export function decodeDenyMetadata(text: string | undefined): DenyMetadata | null {
  return decodePrivateMetadata(DenyMetadata, text);
}
