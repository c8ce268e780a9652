import { parsePage, showMembersPage } from './members-list.js';
import type { ButtonArgs } from '../shared/listener-types.js';

/** Previous / Next under `/org members`: replaces the list with the requested page. */
export async function membersPage({ ack, action, context, respond }: ButtonArgs): Promise<void> {
  await ack();
  await showMembersPage(context, respond, parsePage({ kind: 'word', text: action.value ?? '1' }));
}
