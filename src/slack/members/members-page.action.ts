import type { ButtonArgs } from '../shared/listener-types.js';
import { parsePage } from '../shared/text.js';
import { showMembersPage } from './members-list.js';

/** Previous / Next under `/org members`: replaces the list with the requested page. */
export async function membersPage({ ack, action, context, respond }: ButtonArgs): Promise<void> {
  await ack();
  await showMembersPage(context, respond, parsePage({ kind: 'word', text: action.value ?? '1' }));
}
