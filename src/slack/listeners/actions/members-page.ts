import type { RespondFn } from '@slack/bolt';
import { membersMessage } from '../../blocks/members.js';
import type { OrgContext } from '../../context.js';
import { parsePage, viewerOf } from '../commands/members.js';
import type { ButtonArgs } from '../types.js';

/**
 * Replaces the members list the user is looking at with page `page` as it stands now, as the caller's role shows
 * it (an Admin's controls only for a current Admin), with `notice` above it.
 * @throws DomainError when the caller can no longer see the team (e.g. they were removed)
 */
export async function showMembersPage(
  context: OrgContext,
  respond: RespondFn,
  page: number,
  notice?: string,
): Promise<void> {
  const actor = await context.actor();
  const result = await context.services.members.list(actor, page);
  await respond({
    replace_original: true,
    ...membersMessage(result, actor.organization?.name ?? '', viewerOf(actor), notice),
  });
}

/** Previous / Next under `/org members`: replaces the list with the requested page. */
export async function membersPage({ ack, action, context, respond }: ButtonArgs): Promise<void> {
  await ack();
  await showMembersPage(context, respond, parsePage({ kind: 'word', text: action.value ?? '1' }));
}
