import type { Button } from '@slack/types';
import { describe, expect, it } from 'vitest';
import type { Page } from '../../src/domain/members/members.service.js';
import { type AuditEventView, auditLine, auditMessage, slackDate } from '../../src/slack/blocks/audit.js';
import { LIMITS } from '../../src/slack/blocks/common.js';

const AT = new Date('2026-11-02T09:30:15.250Z');

function event(over: Partial<AuditEventView> = {}): AuditEventView {
  return {
    createdAt: AT,
    actorSlackUserId: 'U0ADA',
    actorMemberId: 'm1',
    action: 'member.role_changed',
    targetType: 'member',
    targetId: 'm2',
    details: { email: 'bob@example.com', slackUserId: 'U0BOB', from: 'member', to: 'admin' },
    ...over,
  };
}

describe('audit log blocks', () => {
  it("formats the time with Slack's date token and a UTC fallback", () => {
    expect(slackDate(AT)).toBe('<!date^1793611815^{date_short_pretty} {time}|2026-11-02 09:30 UTC>');
  });

  it('reads as a sentence: time — actor action target · details', () => {
    expect(auditLine(event())).toBe(
      `${slackDate(AT)} — <@U0ADA> *changed the role of* <@U0BOB> (bob@example.com) · from *member* to *admin*`,
    );
    expect(
      auditLine(
        event({
          action: 'member.removed',
          details: { email: 'cy@example.com', slackUserId: null, role: 'member' },
        }),
      ),
    ).toBe(`${slackDate(AT)} — <@U0ADA> *removed* cy@example.com · role: member`);
    expect(
      auditLine(
        event({
          action: 'organization.renamed',
          targetType: 'organization',
          details: { from: 'A & B', to: '<C>' },
        }),
      ),
    ).toBe(`${slackDate(AT)} — <@U0ADA> *renamed the organization* · from *A &amp; B* to *&lt;C&gt;*`);
  });

  it('shows actions it has no name for by their code, and an actor without a Slack user as AstroBee', () => {
    const line = auditLine(
      event({
        action: 'invitation.sent',
        actorSlackUserId: null,
        actorMemberId: null,
        targetType: 'invitation',
        targetId: 'inv1',
        details: { email: 'x@example.com' },
      }),
    );
    expect(line).toBe(
      `${slackDate(AT)} — AstroBee *invitation sent* invitation \`inv1\` · email: x@example.com`,
    );
  });

  it('keeps a full page with long details inside the limits, newest first as given, with paging buttons', () => {
    const items = Array.from({ length: 20 }, (_, i) =>
      event({
        createdAt: new Date(AT.getTime() - i * 1000),
        details: { note: 'y'.repeat(5000), from: 'z'.repeat(500), to: 'w' },
      }),
    );
    const page: Page<AuditEventView> = { items, page: 2, pageCount: 3, total: 55, pageSize: 20 };
    const message = auditMessage(page, 'Orbit');
    expect(message.blocks.length).toBeLessThanOrEqual(LIMITS.messageBlocks);
    for (const b of message.blocks) {
      if (b.type === 'section') expect(b.text?.text.length ?? 0).toBeLessThanOrEqual(LIMITS.sectionText);
    }
    const buttons = message.blocks.flatMap((b) => (b.type === 'actions' ? b.elements : [])) as Button[];
    expect(buttons.map((b) => `${b.action_id}=${b.value}`)).toEqual([
      'audit_page_prev=1',
      'audit_page_next=3',
    ]);
    expect(JSON.stringify(message.blocks)).toContain('page 2 of 3');
  });

  it('says when nothing is recorded', () => {
    const message = auditMessage({ items: [], page: 1, pageCount: 1, total: 0, pageSize: 20 }, 'Orbit');
    expect(JSON.stringify(message.blocks)).toContain('Nothing has been recorded yet.');
  });
});
