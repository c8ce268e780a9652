import { requireAdmin } from '../../domain/access.js';
import type { ButtonArgs } from '../shared/listener-types.js';
import { parsePage } from '../shared/text.js';
import { auditMessage } from './audit.blocks.js';

/**
 * Previous / Next under `/org audit`: replaces the log with the requested page. The clicker's role is checked again:
 * a Member's forged click is refused.
 */
export async function auditPage({ ack, action, context, respond }: ButtonArgs): Promise<void> {
  await ack();
  const page = parsePage({ kind: 'word', text: action.value ?? '1' }, '/org audit 2');
  const actor = await context.actor();
  const { organization } = requireAdmin(actor, 'read the audit log');
  const result = await context.services.audit.list(actor, page);
  await respond({ replace_original: true, ...auditMessage(result, organization.name) });
}
