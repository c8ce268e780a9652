import { requireAdmin } from '../../domain/access.js';
import { auditMessage } from './audit.blocks.js';
import { withPageNotice } from '../shared/paging.blocks.js';
import { parsePage } from '../members/members-list.js';
import type { ButtonArgs, SubcommandHandler } from '../shared/listener-types.js';

/** `/org audit [page]` (admins): the audit log, newest first, a page at a time; a page past the last says so. */
export const audit: SubcommandHandler = async ({ args, command, actor }) => {
  const { organization } = requireAdmin(actor, 'read the audit log');
  const page = parsePage(command.args[0], '/org audit 2');
  const result = await args.context.services.audit.list(actor, page);
  await args.respond({
    response_type: 'ephemeral',
    ...withPageNotice(auditMessage(result, organization.name), page, result),
  });
};

/**
 * Previous / Next under `/org audit`: replaces the log with the requested page. The clicker's role is checked again:
 * a Member's forged click is refused. (Kept beside the command it pages, as the two render the same message.)
 */
export async function auditPage({ ack, action, context, respond }: ButtonArgs): Promise<void> {
  await ack();
  const page = parsePage({ kind: 'word', text: action.value ?? '1' }, '/org audit 2');
  const actor = await context.actor();
  const { organization } = requireAdmin(actor, 'read the audit log');
  const result = await context.services.audit.list(actor, page);
  await respond({ replace_original: true, ...auditMessage(result, organization.name) });
}
