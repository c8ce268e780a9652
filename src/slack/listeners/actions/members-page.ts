import { parsePage, showMembersPage } from '../../shared/members.js';
import type { ButtonArgs } from '../types.js';

/** Previous / Next under `/org members`: replaces the list with the requested page. */
export async function membersPage({ ack, action, context, respond }: ButtonArgs): Promise<void> {
  await ack();
  await showMembersPage(context, respond, parsePage({ kind: 'word', text: action.value ?? '1' }));
}
