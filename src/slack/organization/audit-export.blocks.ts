import { plainMessage, type SlackMessage, slackDate } from '../shared/common.blocks.js';
import { escapeMrkdwn } from '../shared/text.js';

/** Days an export covers when none is given. */
export const AUDIT_EXPORT_DEFAULT_DAYS = 30;
/** The longest period an export may cover, in days. */
export const AUDIT_EXPORT_MAX_DAYS = 365;

/** How to ask for an export, as the refusals quote it. */
export const AUDIT_EXPORT_USAGE = '`/org audit export [days]`';

/** What an export sent: the period, how many events, and the file's name. */
export interface AuditExportSummary {
  organizationName: string;
  days: number;
  since: Date;
  until: Date;
  count: number;
  filename: string;
}

function period(s: Pick<AuditExportSummary, 'days' | 'since' | 'until'>): string {
  const days = s.days === 1 ? 'the last day' : `the last ${s.days} days`;
  return `${days} (${slackDate(s.since)} to ${slackDate(s.until)})`;
}

/**
 * The file's name: `audit-events-<since>-to-<until>.jsonl`, dates in UTC (`YYYY-MM-DD`).
 */
export function auditExportFilename(since: Date, until: Date): string {
  const day = (d: Date): string => d.toISOString().slice(0, 10);
  return `audit-events-${day(since)}-to-${day(until)}.jsonl`;
}

/** The file's title in Slack. */
export function auditExportTitle(organizationName: string, days: number): string {
  return `Audit events of ${organizationName}, last ${days} day${days === 1 ? '' : 's'}`;
}

/** The ephemeral note after the file was shared in the requester's DM with the bot. */
export function auditExportSentMessage(s: AuditExportSummary): SlackMessage {
  const events = s.count === 1 ? '1 audit event' : `${s.count} audit events`;
  return plainMessage(
    `Sent *${escapeMrkdwn(s.filename)}* to your direct messages with me: ${events} of ` +
      `*${escapeMrkdwn(s.organizationName)}* from ${period(s)}, one JSON object per line.`,
  );
}

/** The ephemeral note when the period holds no event: no file is sent. */
export function auditExportEmptyMessage(
  s: Pick<AuditExportSummary, 'organizationName' | 'days' | 'since' | 'until'>,
): SlackMessage {
  return plainMessage(
    `*${escapeMrkdwn(s.organizationName)}* has no audit event from ${period(s)}, so no file was sent.`,
  );
}

/**
 * The apology when Slack did not take the file: nothing was shared, and the reference finds the logged cause.
 * @param requestId the payload's request id, as logged
 */
export function auditExportFailedMessage(requestId: string): SlackMessage {
  return plainMessage(
    `Sorry, the audit export could not be delivered: Slack did not accept the file, and nothing was shared. ` +
      `Please try again in a minute. (Reference: \`${escapeMrkdwn(requestId)}\`)`,
  );
}

/** The refusal of a bad `days`: what is allowed. */
export function auditExportDaysRefusal(given: string): string {
  return (
    `\`${escapeMrkdwn(given)}\` is not a number of days: give a whole number from 1 to ${AUDIT_EXPORT_MAX_DAYS} ` +
    `(${AUDIT_EXPORT_USAGE}, ${AUDIT_EXPORT_DEFAULT_DAYS} by default).`
  );
}
