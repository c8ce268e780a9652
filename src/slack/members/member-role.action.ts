import { slackRefusal } from '../error-texts.js';
import type { StaticSelectArgs } from '../shared/listener-types.js';
import { SlackInputError } from '../shared/slack-input-error.js';
import { roleChangedText } from './member-messages.blocks.js';
import { decodeMemberRef, MEMBER_ROW_BLOCK } from './members.blocks.js';
import { showMembersPage } from './members-list.js';

/**
 * The role select on an Admin's member row. The member and the list page come from the row's block_id; the
 * clicker's role is checked again on the server, in the write's transaction (a Member's forged payload is refused
 * and changes nothing). The list is redrawn with the outcome on top — also after a refusal, so the select shows the
 * role actually stored rather than the one picked.
 */
export async function memberRole({ ack, action, context, respond }: StaticSelectArgs): Promise<void> {
  await ack();
  const prefix = `${MEMBER_ROW_BLOCK}:`;
  const ref = action.block_id.startsWith(prefix)
    ? decodeMemberRef(action.block_id.slice(prefix.length))
    : null;
  if (!ref) {
    throw new SlackInputError('This control is out of date. Run `/org members` again.');
  }
  const actor = await context.actor();
  let notice: string;
  let refusal: unknown;
  try {
    const change = await context.services.members.changeRole(
      actor,
      { memberId: ref.memberId },
      action.selected_option.value,
      context.profiles,
    );
    notice = roleChangedText(change);
  } catch (err) {
    const refused = slackRefusal(err);
    if (!refused) throw err;
    context.log.info({ code: refused.code }, 'refused');
    refusal = err;
    notice = `:no_entry: ${refused.text}`;
  }
  try {
    await showMembersPage(context, respond, ref.page ?? 1, notice);
  } catch (err) {
    // A caller who may not see the list at all (not a member) is told why the change was refused, if it was.
    throw refusal ?? err;
  }
}
