import type { Button } from '@slack/types';
import { describe, expect, it } from 'vitest';
import type { Page } from '../../src/domain/members/members.service.js';
import { type AuditEventView, auditLine, auditMessage } from '../../src/slack/organization/audit.blocks.js';
import { LIMITS, slackDate } from '../../src/slack/shared/common.blocks.js';

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

  it('reads the Slack account events and a recovery as sentences', () => {
    expect(
      auditLine(
        event({
          actorSlackUserId: null,
          actorMemberId: null,
          action: 'member.slack_deactivated',
          details: { email: 'bob@example.com', slackUserId: 'U0BOB' },
        }),
      ),
    ).toBe(
      `${slackDate(AT)} — AstroBee *recorded the deactivated Slack account of* <@U0BOB> (bob@example.com)`,
    );
    const recovered = auditLine(
      event({
        actorSlackUserId: 'U0OWNER',
        action: 'organization.recovered',
        details: { email: 'olga@example.com', slackUserId: 'U0OWNER', from: null, to: 'admin' },
      }),
    );
    expect(recovered).toContain('<@U0OWNER> *recovered the organization');
    expect(recovered.match(/U0OWNER/g)).toHaveLength(1);
  });

  it('reads as a sentence: time — actor action target · details', () => {
    expect(auditLine(event())).toBe(
      `${slackDate(AT)} — <@U0ADA> *changed the role of* <@U0BOB> (bob@example.com) · from *Member* to *Admin*`,
    );
    expect(
      auditLine(
        event({
          action: 'member.removed',
          details: { email: 'cy@example.com', slackUserId: null, role: 'member' },
        }),
      ),
    ).toBe(`${slackDate(AT)} — <@U0ADA> *removed* cy@example.com · role: Member`);
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
        action: 'widget.polished',
        actorSlackUserId: null,
        actorMemberId: null,
        targetType: 'widget_box',
        targetId: 'box-7',
        details: { shine: 'high' },
      }),
    );
    expect(line).toBe(`${slackDate(AT)} — AstroBee *widget polished* widget box \`box-7\` · shine: high`);
  });

  it('names the invitee of a web-page acceptance by email, and leaves out internal ids', () => {
    const accepted = event({
      action: 'invitation.accepted',
      actorSlackUserId: null,
      actorMemberId: '6f1c2a4e-9b7d-4c3a-8e21-0a5b6c7d8e9f',
      targetType: 'invitation',
      targetId: '0b7e3c1a-2d4f-4e6a-9c8b-1f2e3d4c5b6a',
      details: { email: 'dan@example.com', role: 'admin', memberId: '6f1c2a4e-9b7d-4c3a-8e21-0a5b6c7d8e9f' },
    });
    expect(auditLine(accepted)).toBe(
      `${slackDate(AT)} — dan@example.com *accepted the invitation* · role: Admin`,
    );
    expect(auditLine({ ...accepted, actorSlackUserId: 'U0DAN' })).toBe(
      `${slackDate(AT)} — <@U0DAN> (dan@example.com) *accepted the invitation* · role: Admin`,
    );
    expect(
      auditLine(
        event({
          action: 'invitation.sent',
          targetType: 'invitation',
          targetId: '0b7e3c1a-2d4f-4e6a-9c8b-1f2e3d4c5b6a',
          details: { email: 'x@example.com', role: 'member' },
        }),
      ),
    ).toBe(`${slackDate(AT)} — <@U0ADA> *invited* x@example.com · role: Member`);
    expect(
      auditLine(
        event({
          action: 'invitation.expired',
          actorSlackUserId: null,
          actorMemberId: null,
          targetType: 'invitation',
          targetId: '0b7e3c1a-2d4f-4e6a-9c8b-1f2e3d4c5b6a',
          details: { email: 'x@example.com', role: 'member' },
        }),
      ),
    ).toBe(`${slackDate(AT)} — AstroBee *closed the expired invitation of* x@example.com · role: Member`);
  });

  it("shows stored times with Slack's date formatting, clients by name and client_id, channels as links", () => {
    const until = new Date('2026-11-03T09:30:00.000Z');
    expect(
      auditLine(
        event({
          action: 'client.secret_rotated',
          targetType: 'client',
          targetId: 'cli_abcdefghijklmnopqrst',
          details: { name: 'Sync', previousValidUntil: until.toISOString() },
        }),
      ),
    ).toBe(
      `${slackDate(AT)} — <@U0ADA> *rotated the secret of* API client *Sync* \`cli_abcdefghijklmnopqrst\` · previous secret works until: ${slackDate(until)}`,
    );
    expect(
      auditLine(
        event({
          action: 'data_source.created',
          actorSlackUserId: null,
          actorMemberId: null,
          targetType: 'data_source',
          targetId: '0b7e3c1a-2d4f-4e6a-9c8b-1f2e3d4c5b6a',
          details: { name: 'Sales', clientId: 'cli_abcdefghijklmnopqrst' },
        }),
      ),
    ).toBe(
      `${slackDate(AT)} — API client \`cli_abcdefghijklmnopqrst\` *data source created* data source *Sales*`,
    );
    expect(
      auditLine(
        event({
          action: 'organization.approvals_channel_set',
          targetType: 'organization',
          details: { from: null, to: 'C0APPROVE' },
        }),
      ),
    ).toBe(
      `${slackDate(AT)} — <@U0ADA> *changed where invitation requests go* · from DMs to the admins to <#C0APPROVE>`,
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

  it('renders the details of a leak, a role change and invitations for people, not as raw keys', () => {
    const leak = (outcome: string, channel: string) =>
      auditLine(
        event({
          action: 'client.secret_leaked',
          actorSlackUserId: null,
          actorMemberId: null,
          targetType: 'api_client',
          targetId: 'cli_abcdefghijklmnopqrst',
          details: { name: 'Sync <prod>', channel, poster: 'U0MAL', outcome },
        }),
      );
    expect(leak('secret_voided', 'C0GENERAL')).toBe(
      `${slackDate(AT)} — AstroBee *found a leaked secret of* API client *Sync &lt;prod&gt;* \`cli_abcdefghijklmnopqrst\`` +
        ' · in: <#C0GENERAL> · posted by: <@U0MAL> · outcome: secret voided (the client stays enabled)',
    );
    expect(leak('disabled', 'D0DIRECT')).toContain(
      ' · in: a direct message · posted by: <@U0MAL> · outcome: client disabled',
    );
    // A leak in another workspace names no channel nor poster there; a file's name is escaped text.
    const elsewhere = auditLine(
      event({
        action: 'client.secret_leaked',
        actorSlackUserId: null,
        actorMemberId: null,
        targetType: 'api_client',
        targetId: 'cli_abcdefghijklmnopqrst',
        details: {
          name: 'Sync',
          where: 'another Slack workspace',
          file: 'notes <1>.txt',
          outcome: 'disabled',
        },
      }),
    );
    expect(elsewhere).toContain(
      ' · posted: in another Slack workspace · in the file: notes &lt;1&gt;.txt · outcome: client disabled',
    );
    // A value that is not what its key holds is text, escaped, never a mention or a link.
    const odd = auditLine(
      event({
        action: 'token.leaked',
        actorSlackUserId: null,
        actorMemberId: null,
        targetType: 'api_client',
        targetId: 'cli_abcdefghijklmnopqrst',
        details: { name: 'Sync', channel: '<!channel>', poster: 'not a user & co', outcome: 'melted' },
      }),
    );
    expect(odd).toContain('in: &lt;!channel&gt; · posted by: not a user &amp; co · outcome: melted');
    expect(odd).not.toContain('<!channel>');
    for (const line of [leak('revoked', 'C0GENERAL'), odd]) {
      expect(line).not.toMatch(/poster:|outcome: (secret_voided|revoked)|channel:/);
    }

    expect(auditLine(event())).toContain(
      '*changed the role of* <@U0BOB> (bob@example.com) · from *Member* to *Admin*',
    );
    expect(
      auditLine(
        event({
          action: 'invitation.requested',
          actorSlackUserId: 'U0BOB',
          targetType: 'invitation',
          targetId: '0b7e3c1a-2d4f-4e6a-9c8b-1f2e3d4c5b6a',
          details: { email: 'eve@example.com', role: 'admin', note: 'Eve & Co <launch>', team: 'U0XYZ' },
        }),
      ),
    ).toBe(
      `${slackDate(AT)} — <@U0BOB> *asked to invite* eve@example.com · role: Admin · note: Eve &amp; Co &lt;launch&gt; · team: U0XYZ`,
    );
    expect(
      auditLine(
        event({
          action: 'invitation.approved',
          targetType: 'invitation',
          targetId: '0b7e3c1a-2d4f-4e6a-9c8b-1f2e3d4c5b6a',
          details: { email: 'eve@example.com', role: 'member', requestedBy: 'bob@xn--bcher-kva.example' },
        }),
      ),
    ).toBe(
      `${slackDate(AT)} — <@U0ADA> *approved the invitation of* eve@example.com · role: Member · requested by: bob@bücher.example`,
    );
    expect(
      auditLine(
        event({
          action: 'client.discarded',
          targetType: 'api_client',
          targetId: 'cli_abcdefghijklmnopqrst',
          details: { name: 'Sync', reason: 'secret_not_delivered' },
        }),
      ),
    ).toBe(
      `${slackDate(AT)} — <@U0ADA> *discarded* API client *Sync* \`cli_abcdefghijklmnopqrst\` · reason: the secret could not be delivered`,
    );
  });

  it('says when nothing is recorded', () => {
    const message = auditMessage({ items: [], page: 1, pageCount: 1, total: 0, pageSize: 20 }, 'Orbit');
    expect(JSON.stringify(message.blocks)).toContain('Nothing has been recorded yet.');
  });
});
