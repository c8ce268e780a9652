import type { ButtonArgs } from '../shared/listener-types.js';
import { denyModal } from './approval.blocks.js';
import { afterDecision, clickSource, encodeDenyMetadata } from './approval-decision.js';

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
