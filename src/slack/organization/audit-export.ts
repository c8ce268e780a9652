import { requireAdmin } from '../../domain/access.js';
import { auditExportBatches, auditExportRecord, recordAuditExport } from '../../domain/audit/audit-export.js';
import { isRateLimited } from '../deliveries/slack-errors.js';
import type { SubcommandInput } from '../shared/listener-types.js';
import { SlackInputError } from '../shared/slack-input-error.js';
import { argText, type SlackArg } from '../shared/text.js';
import {
  AUDIT_EXPORT_DEFAULT_DAYS,
  AUDIT_EXPORT_MAX_DAYS,
  AUDIT_EXPORT_USAGE,
  auditExportDaysRefusal,
  auditExportEmptyMessage,
  auditExportFailedMessage,
  auditExportFilename,
  auditExportSentMessage,
  auditExportTitle,
} from './audit-export.blocks.js';
import { shareFileInDm, spoolLines } from './audit-export.upload.js';

const DAY_MS = 86_400_000;

/**
 * The `days` of `/org audit export [days]`: a whole number from 1 to {@link AUDIT_EXPORT_MAX_DAYS}, default
 * {@link AUDIT_EXPORT_DEFAULT_DAYS}.
 * @param rest the arguments after `export`
 * @throws SlackInputError naming the allowed range (a bad number), or the usage (more than one argument)
 */
export function parseExportDays(rest: readonly SlackArg[]): number {
  if (rest.length > 1) {
    throw new SlackInputError(`Give at most one number of days: ${AUDIT_EXPORT_USAGE}.`, 'days');
  }
  const [arg] = rest;
  if (!arg) return AUDIT_EXPORT_DEFAULT_DAYS;
  const text = argText(arg);
  const days = /^\d{1,4}$/.test(text) ? Number(text) : Number.NaN;
  if (!(days >= 1 && days <= AUDIT_EXPORT_MAX_DAYS))
    throw new SlackInputError(auditExportDaysRefusal(text), 'days');
  return days;
}

/**
 * `/org audit export [days]` (admins): the organization's audit events of the last `days` days as a JSON-lines file
 * (one {@link AuditExportRecord} a line, oldest first), shared in the requester's DM with the bot, then an
 * ephemeral note of what was sent. The command is acknowledged before any Slack call (Slack allows 3 s). Events are
 * read in keyset batches and spooled to a temporary file, which is streamed to Slack and then deleted. When Slack
 * refuses or fails a step, the requester gets an apology with the request id and nothing is shared (the flow shares
 * the file only in its last call). A shared file is recorded as an `audit.exported` event (the period, the number
 * of events). A Member or a bad `days` is refused before anything is read or sent.
 */
export async function auditExport({
  args,
  command,
  actor,
  reply,
  acknowledge,
}: SubcommandInput): Promise<void> {
  const { organization } = requireAdmin(actor, 'read the audit log');
  const days = parseExportDays(command.args.slice(1));
  await acknowledge();
  const { context, client, body } = args;
  const until = context.clock.now();
  const since = new Date(until.getTime() - days * DAY_MS);
  const summary = { organizationName: organization.name, days, since, until };
  const filename = auditExportFilename(since, until);
  const file = await spoolLines(exportLines(context.em, actor, { since, until }), filename);
  try {
    if (file.lines === 0) {
      await reply(auditExportEmptyMessage(summary));
      return;
    }
    try {
      await shareFileInDm(client, body.user_id, {
        path: file.path,
        bytes: file.bytes,
        filename,
        title: auditExportTitle(organization.name, days),
      });
    } catch (err) {
      // Rate limited: the error handler's "Slack is busy right now" is the truth, and tells when to try again.
      if (isRateLimited(err)) throw err;
      context.log.error({ err }, 'audit export: Slack did not take the file');
      await reply(auditExportFailedMessage(context.requestId));
      return;
    }
    context.log.info({ events: file.lines, bytes: file.bytes, days }, 'audit export shared');
    await recordAuditExport(context.em, actor, {
      period: { since, until },
      events: file.lines,
      filename,
      at: context.clock.now(),
    });
    await reply(auditExportSentMessage({ ...summary, count: file.lines, filename }));
  } finally {
    await file.remove();
  }
}

async function* exportLines(
  em: Parameters<typeof auditExportBatches>[0],
  actor: SubcommandInput['actor'],
  period: { since: Date; until: Date },
): AsyncGenerator<string> {
  for await (const batch of auditExportBatches(em, actor, period)) {
    for (const event of batch) yield JSON.stringify(auditExportRecord(event));
  }
}
