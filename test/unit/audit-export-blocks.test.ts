import { describe, expect, it } from 'vitest';
import { AuditEvent } from '../../src/domain/audit/audit-event.entity.js';
import { auditExportRecord } from '../../src/domain/audit/audit-export.js';
import type { Organization } from '../../src/domain/organizations/organization.entity.js';
import {
  auditExportDaysRefusal,
  auditExportEmptyMessage,
  auditExportFailedMessage,
  auditExportFilename,
  auditExportSentMessage,
  auditExportTitle,
} from '../../src/slack/organization/audit-export.blocks.js';
import { parseExportDays } from '../../src/slack/organization/audit-export.js';
import { SlackInputError } from '../../src/slack/shared/slack-input-error.js';
import { tokenize } from '../../src/slack/shared/text.js';

const since = new Date('2026-11-06T03:40:00.000Z');
const until = new Date('2026-12-06T03:40:00.000Z');

describe('the audit export texts', () => {
  it('name the file by the period in UTC, and title it by organization and days', () => {
    expect(auditExportFilename(since, until)).toBe('audit-events-2026-11-06-to-2026-12-06.jsonl');
    expect(auditExportTitle('Orbit Analytics', 30)).toBe('Audit events of Orbit Analytics, last 30 days');
    expect(auditExportTitle('Orbit Analytics', 1)).toBe('Audit events of Orbit Analytics, last 1 day');
  });

  it('say what was sent: count, organization (escaped), period as Slack dates', () => {
    const text = auditExportSentMessage({
      organizationName: 'R&D <Labs>',
      days: 30,
      since,
      until,
      count: 1,
      filename: auditExportFilename(since, until),
    }).text;
    expect(text).toContain('1 audit event of *R&amp;D &lt;Labs&gt;*');
    expect(text).toContain(`the last 30 days (<!date^${since.getTime() / 1000}^`);
    expect(text).toContain('*audit-events-2026-11-06-to-2026-12-06.jsonl*');
    const empty = auditExportEmptyMessage({ organizationName: 'Orbit', days: 1, since, until }).text;
    expect(empty).toContain('*Orbit* has no audit event from the last day');
    expect(auditExportFailedMessage('ab12cd34').text).toContain('nothing was shared');
  });

  it('parse days: default 30, 1 to 365, anything else refused with the range', () => {
    expect(parseExportDays([])).toBe(30);
    expect(parseExportDays(tokenize('1'))).toBe(1);
    expect(parseExportDays(tokenize('365'))).toBe(365);
    for (const bad of ['0', '366', '0x10', '1e2', 'thirty', '00000']) {
      expect(() => parseExportDays(tokenize(bad))).toThrow(SlackInputError);
      expect(() => parseExportDays(tokenize(bad))).toThrow('from 1 to 365');
    }
    expect(() => parseExportDays(tokenize('7 30'))).toThrow('at most one number of days');
    expect(auditExportDaysRefusal('<b>')).toContain('`&lt;b&gt;`');
  });

  it('write an event as one flat record: RFC 3339 time, actor, target, details', () => {
    const event = new AuditEvent({
      organization: {} as Organization,
      at: new Date('2026-12-01T09:30:12.345Z'),
      actorMemberId: 'mem_1',
      actorSlackUserId: 'U0ADA',
      action: 'member.role_changed',
      targetType: 'member',
      targetId: 'mem_2',
      details: { email: 'bob@example.com', from: 'member', to: 'admin' },
    });
    expect(JSON.stringify(auditExportRecord(event))).toBe(
      `{"id":"${event.id}","time":"2026-12-01T09:30:12.345Z","actor":{"type":"member","slack_user_id":"U0ADA","member_id":"mem_1"},` +
        '"action":"member.role_changed","target":{"type":"member","id":"mem_2"},' +
        '"details":{"email":"bob@example.com","from":"member","to":"admin"}}',
    );
  });
});
