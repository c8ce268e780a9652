import type { BlockAction, ButtonAction } from '@slack/bolt';
import type { Actor } from '../../../domain/actor.js';
import { denyModal } from '../../blocks/approval.js';
import type { SlackMessage } from '../../blocks/common.js';
import { invitesMessage } from '../../blocks/invites.js';
import type { OrgContext } from '../../context.js';
import type { ButtonArgs } from '../types.js';
import { encodeDenyMetadata } from '../views/deny-submission.js';

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
 * Approve on a request (approvals channel, an Admin's DM, `/org invites`, or the Home tab). The server re-checks
 * that the clicker is an Admin; the decision is a conditional update, so a second click or a second Admin gets
 * "already approved by …" and nothing happens twice.
 */
export async function approvalApprove(args: ButtonArgs): Promise<void> {
  await args.ack();
  const { action, body, context } = args;
  const actor = await context.actor();
  const approved = await context.services.invitations.approve(actor, action.value ?? '');
  context.log.info({ invitationId: approved.id }, 'invitation request approved');
  await afterDecision(context, {
    source: clickSource(body),
    actor,
    replaceList: (message) => args.respond({ replace_original: true, ...message }),
  });
}

/**
 * Deny on a request: after the same checks as Approve, opens a small modal for an optional reason (the decision
 * happens on its submission).
 */
export async function approvalDeny(args: ButtonArgs): Promise<void> {
  await args.ack();
  const { action, body, context, client } = args;
  const inv = await context.services.invitations.requireOpenRequest(
    await context.actor(),
    action.value ?? '',
  );
  const source = clickSource(body);
  await client.views.open({
    trigger_id: body.trigger_id,
    view: denyModal(
      inv,
      encodeDenyMetadata({
        invitationId: inv.id,
        source,
        ...(source === 'ephemeral' && body.response_url ? { responseUrl: body.response_url } : {}),
      }),
    ),
  });
}
