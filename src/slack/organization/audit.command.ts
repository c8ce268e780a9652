import { requireAdmin } from '../../domain/access.js';
import type { SubcommandHandler } from '../shared/listener-types.js';
import { withPageNotice } from '../shared/paging.blocks.js';
import { parsePage } from '../shared/text.js';
import { auditMessage } from './audit.blocks.js';

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
