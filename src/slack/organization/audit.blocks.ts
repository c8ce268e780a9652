import type { KnownBlock } from '@slack/types';
import type { AuditDetails } from '../../domain/audit/audit-event.entity.js';
import { displayEmail } from '../../domain/email.js';
import { roleLabel } from '../../domain/members/member.entity.js';
import type { Page } from '../../domain/members/members.service.js';
import { LIMITS, type SlackMessage, section, slackDate, truncate } from '../shared/common.blocks.js';
import { pager } from '../shared/paging.blocks.js';
import { escapeMrkdwn } from '../shared/text.js';

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
  'organization.approvals_channel_set': 'changed where invitation requests go',
  'member.role_changed': 'changed the role of',
  'member.removed': 'removed',
  'member.left': 'left the organization',
  'member.linked': 'was linked to their Slack account',
  'member.slack_deactivated': 'recorded the deactivated Slack account of',
  'member.slack_reactivated': 'recorded the reactivated Slack account of',
  'organization.recovered':
    'recovered the organization as a Slack workspace owner or admin, and became an Admin',
  'invitation.sent': 'invited',
  'invitation.requested': 'asked to invite',
  'invitation.approved': 'approved the invitation of',
  'invitation.denied': 'denied the invitation of',
  'invitation.resent': 'resent the invitation of',
  'invitation.revoked': 'revoked the invitation of',
  'invitation.expired': 'closed the expired invitation of',
  'invitation.accepted': 'accepted the invitation',
  'invitation.declined': 'declined the invitation',
  'client.created': 'created',
  'client.deleted': 'deleted',
  'client.discarded': 'discarded',
  'client.secret_rotated': 'rotated the secret of',
  'client.rotation_reverted': 'reverted the secret rotation of',
  'client.scopes_changed': 'changed the scopes of',
  'client.secret_leaked': 'found a leaked secret of',
  'token.leaked': 'found and revoked a leaked access token of',
  'audit.exported': 'exported the audit log',
};

/** Readable names of detail keys; others are shown as they are (`key: value`). */
const DETAIL_LABELS: Record<string, string> = {
  previousValidUntil: 'previous secret works until',
  requestedBy: 'requested by',
  adminEmail: 'first admin',
  scopesBefore: 'scopes before',
  scopesAfter: 'scopes after',
  poster: 'posted by',
  channel: 'in',
  where: 'posted',
  file: 'in the file',
  outcome: 'outcome',
  slackUserId: 'Slack user',
  clientId: 'API client',
  orgWide: 'org-wide install',
};

/** Readable values of coded details (`outcome`, `reason`), by key; other values are shown as they are. */
const VALUE_LABELS: Record<string, Record<string, string>> = {
  outcome: {
    disabled: 'client disabled',
    already_disabled: 'client was already disabled',
    secret_voided: 'secret voided (the client stays enabled)',
    revoked: 'token revoked',
  },
  reason: { secret_not_delivered: 'the secret could not be delivered' },
  where: { 'another Slack workspace': 'in another Slack workspace' },
};

/** Details holding a Slack user id, shown as a mention. */
const USER_DETAILS = new Set(['poster', 'slackUserId']);
/** Details holding a Slack channel id, shown as a channel link (a direct message has no link). */
const CHANNEL_DETAILS = new Set(['channel']);
/** Details holding a role (`admin`, `member`), shown as its label. */
const ROLE_DETAILS = new Set(['role']);
/** Actions whose `from` and `to` are roles. */
const ROLE_ACTIONS = new Set(['member.role_changed', 'organization.recovered']);

/** Readable names of target types; others are shown by their code with spaces. */
const TARGET_LABELS: Record<string, string> = {
  client: 'API client',
  api_client: 'API client',
  data_source: 'data source',
  data_layer: 'data layer',
};

/** Target types whose `name` detail is the target's name, shown beside it. */
const NAMED_TARGETS = new Set(['client', 'api_client', 'data_source', 'data_layer']);

/** Details that are internal ids, saying nothing to a person (the member is shown by mention or email). */
const INTERNAL_DETAILS = new Set(['memberId']);

/** Our internal ids (random UUIDs): left out of the log. Ids people use, such as a `client_id`, are shown. */
const INTERNAL_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** An ISO 8601 UTC timestamp as we store them in details (`Date#toISOString`). */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

/** Longest shown detail value, in characters. */
const MAX_DETAIL = 120;

function detailValue(value: string | number | boolean | null): string {
  if (typeof value === 'string' && ISO_TIME.test(value) && !Number.isNaN(Date.parse(value))) {
    return slackDate(new Date(value));
  }
  return escapeMrkdwn(truncate(String(value), MAX_DETAIL));
}

/**
 * A detail shown to people: Slack user ids as mentions (`<@U…>`), channel ids as links (`<#C…>`), roles and coded
 * values by their labels, yes/no for flags, emails with a Unicode domain; anything else escaped for mrkdwn. A value
 * that does not look like what its key holds is shown as text, never as a mention.
 */
function shownDetail(key: string, value: string | number | boolean | null): string {
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (typeof value !== 'string') return detailValue(value);
  if (USER_DETAILS.has(key) && /^[UW][A-Z0-9]{2,20}$/.test(value)) return `<@${value}>`;
  if (CHANNEL_DETAILS.has(key)) {
    if (/^[CG][A-Z0-9]{2,20}$/.test(value)) return `<#${value}>`;
    if (/^D[A-Z0-9]{2,20}$/.test(value)) return 'a direct message';
  }
  if (ROLE_DETAILS.has(key) && (value === 'admin' || value === 'member')) return roleLabel(value);
  const coded = VALUE_LABELS[key]?.[value];
  if (coded) return coded;
  return detailValue(EMAIL_DETAILS.has(key) ? displayEmail(value) : value);
}

/** A channel setting's value: the channel as a link, or what null means (DMs to the admins). */
function channelValue(value: string | number | boolean | null | undefined): string {
  return typeof value === 'string' && /^[CG][A-Z0-9]+$/.test(value) ? `<#${value}>` : 'DMs to the admins';
}

/** Details that hold an email address (stored in ASCII form), shown with the domain in Unicode. */
const EMAIL_DETAILS = new Set(['email', 'adminEmail', 'requestedBy']);

function takeString(details: AuditDetails, key: string): string | null {
  const value = details[key];
  delete details[key];
  if (typeof value !== 'string' || value === '') return null;
  return EMAIL_DETAILS.has(key) ? displayEmail(value) : value;
}

/**
 * Who acted: a mention; the invitee's email for an acceptance on the web page (no Slack user known); the API
 * client for changes made through the API; AstroBee for its own (expiry). Consumes the details it shows.
 */
function actorText(e: AuditEventView, details: AuditDetails): string {
  if (e.action === 'invitation.accepted') {
    const email = takeString(details, 'email');
    if (e.actorSlackUserId) return `<@${e.actorSlackUserId}>${email ? ` (${escapeMrkdwn(email)})` : ''}`;
    if (email) return escapeMrkdwn(email);
  }
  if (e.actorSlackUserId) return `<@${e.actorSlackUserId}>`;
  if (e.actorMemberId) return 'A member';
  const clientId = typeof details.clientId === 'string' ? takeString(details, 'clientId') : null;
  return clientId ? `API client \`${escapeMrkdwn(clientId)}\`` : 'AstroBee';
}

/** What was acted on; consumes the details it shows. */
function targetText(e: AuditEventView, details: AuditDetails): string {
  if (e.targetType === 'member') {
    if (e.action === 'member.left' || e.action === 'member.linked' || e.action === 'organization.recovered') {
      // The actor is the member: their mention is already shown.
      if (details.slackUserId === e.actorSlackUserId) delete details.slackUserId;
      return '';
    }
    const slackUserId = takeString(details, 'slackUserId');
    const email = takeString(details, 'email');
    if (slackUserId) return ` <@${slackUserId}>${email ? ` (${escapeMrkdwn(email)})` : ''}`;
    if (email) return ` ${escapeMrkdwn(email)}`;
    return e.targetId && !INTERNAL_ID.test(e.targetId) ? ` member ${escapeMrkdwn(e.targetId)}` : ' a member';
  }
  if (e.targetType === 'organization') return '';
  if (e.targetType === 'invitation') {
    if (e.action === 'invitation.accepted') return '';
    const email = takeString(details, 'email');
    return email ? ` ${escapeMrkdwn(email)}` : '';
  }
  const label = TARGET_LABELS[e.targetType] ?? escapeMrkdwn(e.targetType.replace(/[._]/g, ' '));
  const name = NAMED_TARGETS.has(e.targetType) ? takeString(details, 'name') : null;
  const id = e.targetId && !INTERNAL_ID.test(e.targetId) ? ` \`${escapeMrkdwn(e.targetId)}\`` : '';
  return ` ${label}${name ? ` *${escapeMrkdwn(truncate(name, MAX_DETAIL))}*` : ''}${id}`;
}

/**
 * One event as a line: time — actor *action* target · details. Members and invitees read as mentions or emails,
 * times in Slack's date formatting; internal ids (UUIDs, `memberId`) are left out. Known detail keys get labels
 * (`posted by: <@U…>`, `in: <#C…>`, `outcome: client disabled`); unknown ones stay `key: value`, escaped for mrkdwn.
 */
export function auditLine(e: AuditEventView): string {
  const details: AuditDetails = { ...e.details };
  for (const key of INTERNAL_DETAILS) delete details[key];
  const actor = actorText(e, details);
  const label = ACTION_LABELS[e.action] ?? escapeMrkdwn(e.action.replace(/[._]/g, ' '));
  const target = targetText(e, details);
  const parts: string[] = [];
  if ('from' in details && 'to' in details) {
    const show =
      e.action === 'organization.approvals_channel_set'
        ? channelValue
        : (v: string | number | boolean | null | undefined) =>
            `*${ROLE_ACTIONS.has(e.action) ? shownDetail('role', v ?? null) : detailValue(v ?? null)}*`;
    parts.push(`from ${show(details.from)} to ${show(details.to)}`);
    delete details.from;
    delete details.to;
  }
  for (const [key, value] of Object.entries(details)) {
    if (value !== null && value !== '') {
      parts.push(`${DETAIL_LABELS[key] ?? escapeMrkdwn(key)}: ${shownDetail(key, value)}`);
    }
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
