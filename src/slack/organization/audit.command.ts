import { requireAdmin } from '../../domain/access.js';
import type { SubcommandHandler } from '../shared/listener-types.js';
import { withPageNotice } from '../shared/paging.blocks.js';
import { parsePage } from '../shared/text.js';
import { auditMessage } from './audit.blocks.js';
import { auditExport } from './audit-export.js';

/**
 * `/org audit [page]` (admins): the audit log, newest first, a page at a time; a page past the last says so.
 * `/org audit export [days]` sends it as a file (audit-export.ts).
 */
export const audit: SubcommandHandler = async (input) => {
  const { args, command, actor } = input;
  const first = command.args[0];
  if (first?.kind === 'word' && first.text.toLowerCase() === 'export') {
    await auditExport(input);
    return;
  }
  const { organization } = requireAdmin(actor, 'read the audit log');
  const page = parsePage(command.args[0], '/org audit 2');
  const result = await args.context.services.audit.list(actor, page);
  await args.respond({
    response_type: 'ephemeral',
    ...withPageNotice(auditMessage(result, organization.name), page, result),
  });
};
