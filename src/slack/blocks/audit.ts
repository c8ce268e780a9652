import type { KnownBlock } from '@slack/types';
import type { AuditDetails } from '../../domain/audit/audit-event.entity.js';
import type { Page } from '../../domain/members/members.service.js';
import { escapeMrkdwn } from '../text.js';
import { LIMITS, type SlackMessage, section, truncate } from './common.js';
import { pager } from './members.js';

/** action_id prefix of the page buttons under the audit log (`_prev`, `_next`); `value` is the page to show. */
export const AUDIT_PAGE_ACTION = 'audit_page';

/** What the builder needs of an audit event. */
export interface AuditEventView {
  createdAt: Date;
  actorSlackUserId: string | null;
  actorMemberId: string | null;
  action: string;
  targetType: string;
  targetId: string | null;
  details: AuditDetails;
}

/** Readable names of the actions we record; others are shown by their code with spaces. */
const ACTION_LABELS: Record<string, string> = {
  'organization.setup': 'set up the organization',
  'organization.renamed': 'renamed the organization',
  'member.role_changed': 'changed the role of',
  'member.removed': 'removed',
  'member.left': 'left the organization',
  'member.linked': 'was linked to their Slack account',
};

/** Longest shown detail value, in characters. */
const MAX_DETAIL = 120;

/**
 * A time in Slack's date formatting (https://api.slack.com/reference/surfaces/formatting#date-formatting): shown in
 * the reader's time zone, with a UTC fallback for clients that cannot format it.
 */
export function slackDate(at: Date): string {
  const seconds = Math.floor(at.getTime() / 1000);
  const fallback = `${at.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  return `<!date^${seconds}^{date_short_pretty} {time}|${fallback}>`;
}

function detailValue(value: string | number | boolean | null): string {
  return escapeMrkdwn(truncate(String(value), MAX_DETAIL));
}

/** One event as a line: time — actor *action* target · details. */
export function auditLine(e: AuditEventView): string {
  const actor = e.actorSlackUserId ? `<@${e.actorSlackUserId}>` : e.actorMemberId ? 'A member' : 'AstroBee';
  const label = ACTION_LABELS[e.action] ?? escapeMrkdwn(e.action.replace(/[._]/g, ' '));
  const details: AuditDetails = { ...e.details };
  let target = '';
  if (e.targetType === 'member' && e.action !== 'member.left' && e.action !== 'member.linked') {
    const slackUserId = typeof details.slackUserId === 'string' ? details.slackUserId : null;
    const email = typeof details.email === 'string' ? details.email : null;
    target = slackUserId
      ? ` <@${slackUserId}>${email ? ` (${escapeMrkdwn(email)})` : ''}`
      : ` ${email ? escapeMrkdwn(email) : `member ${escapeMrkdwn(e.targetId ?? '')}`}`;
    delete details.slackUserId;
    delete details.email;
  } else if (e.targetType === 'member') {
    // The actor is the member (left, linked): their mention is already shown.
    if (details.slackUserId === e.actorSlackUserId) delete details.slackUserId;
  } else if (e.targetType !== 'organization') {
    target = ` ${escapeMrkdwn(e.targetType)}${e.targetId ? ` \`${escapeMrkdwn(e.targetId)}\`` : ''}`;
  }
  const parts: string[] = [];
  if ('from' in details && 'to' in details) {
    parts.push(`from *${detailValue(details.from ?? null)}* to *${detailValue(details.to ?? null)}*`);
    delete details.from;
    delete details.to;
  }
  for (const [key, value] of Object.entries(details)) {
    if (value !== null && value !== '') parts.push(`${escapeMrkdwn(key)}: ${detailValue(value)}`);
  }
  return `${slackDate(e.createdAt)} — ${actor} *${label}*${target}${parts.length ? ` · ${parts.join(' · ')}` : ''}`;
}

/**
 * One page of `/org audit`, newest first: a header, one section per event (cut to 3000 characters), and
 * Previous/Next buttons — at most `pageSize + 2` blocks.
 */
export function auditMessage(page: Page<AuditEventView>, organizationName: string): SlackMessage {
  const header =
    `*Audit log of ${escapeMrkdwn(organizationName)}* — ${page.total} event${page.total === 1 ? '' : 's'}, newest first` +
    (page.pageCount > 1 ? ` · page ${page.page} of ${page.pageCount}` : '');
  const blocks: KnownBlock[] = [section(header)];
  if (page.items.length === 0) blocks.push(section('Nothing has been recorded yet.'));
  for (const e of page.items) blocks.push(section(auditLine(e)));
  blocks.push(...pager(AUDIT_PAGE_ACTION, 'audit_pager', page));
  return {
    text: truncate(`Audit log of ${organizationName}: ${page.total} events`, LIMITS.sectionText),
    blocks,
  };
}
