import { membersMessage } from '../../blocks/members.js';
import { parsePage } from '../commands/members.js';
import type { ButtonArgs } from '../types.js';

/** Previous / Next under `/org members`: replaces the list with the requested page. */
export async function membersPage({ ack, action, context, respond }: ButtonArgs): Promise<void> {
  await ack();
  const page = parsePage({ kind: 'word', text: action.value ?? '1' });
  const actor = await context.actor();
  const result = await context.services.members.list(actor, page);
  await respond({ replace_original: true, ...membersMessage(result, actor.organization?.name ?? '') });
}
