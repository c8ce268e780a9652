/** Shared by the members' listeners (`/org members`, the pager and row buttons): the viewer, the refresh of a page. */
import type { RespondFn } from '@slack/bolt';
import type { Actor } from '../../domain/actor.js';
import type { OrgContext } from '../context.js';
import { type MembersViewer, membersMessage } from './members.blocks.js';

/** Who is looking at the members list (Admins get controls); undefined for a non-member. */
export function viewerOf(actor: Actor): MembersViewer | undefined {
  return actor.member ? { memberId: actor.member.id, role: actor.member.role } : undefined;
}

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
