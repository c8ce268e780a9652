import { describe, expect, it } from 'vitest';
import { renderMail } from '../../src/console/mail.js';
import { formatSlackDate, type MrkdwnContext, renderMrkdwn } from '../../src/console/mrkdwn.js';
import {
  type DraftValue,
  renderBlocks,
  renderHome,
  renderMessageBody,
  renderModal,
  renderUsers,
  renderUsersByWorkspace,
} from '../../src/console/render.js';
import { membersMessage } from '../../src/slack/members/members.blocks.js';
import { overviewMessage } from '../../src/slack/organization/overview.blocks.js';
import { RENAME_VIEW, renameModal } from '../../src/slack/organization/rename.blocks.js';
import type { JsonObject } from '../../src/standin/types.js';

const ctx: MrkdwnContext = {
  userName: (id) => ({ U0ADA: 'ada', U0BOB: 'bob' })[id],
  channelName: (id) => ({ C0GENERAL: 'general' })[id],
  timeZone: 'UTC',
  now: Date.UTC(2026, 10, 9, 12, 0, 0),
};

/** A builder's output as the stand-in records it: plain JSON. */
function asJson(value: unknown): JsonObject {
  return JSON.parse(JSON.stringify(value));
}

describe('mrkdwn for the terminal', () => {
  it('shows mentions and channels by name, keeping a label when the id is unknown', () => {
    expect(
      renderMrkdwn(
        'Hi <@U0ADA>, meet <@U0BOB|bobby> and <@U0ZED|zed> in <#C0GENERAL> and <#C0OTHER|random>',
        ctx,
      ),
    ).toBe('Hi @ada, meet @bob and @zed in #general and #random');
  });

  it('decodes the escaped entities after resolving references, so escaped brackets stay text', () => {
    expect(renderMrkdwn('A &amp; B &lt;@U0ADA&gt; &amp;lt;', ctx)).toBe('A & B <@U0ADA> &lt;');
  });

  it('shows links with their label and URL, mailto links as the address, special mentions as @name', () => {
    expect(
      renderMrkdwn(
        '<https://example.com/x|the page> <https://example.com/y> <mailto:a@example.com|a@example.com> <!here>',
        ctx,
      ),
    ).toBe('the page (https://example.com/x) https://example.com/y a@example.com @here');
  });

  it('keeps *bold*, _italic_ and `code` as typed and draws known emoji', () => {
    expect(renderMrkdwn(':tada: *Demo* is _set up_: `org_1` :unknown_thing:', ctx)).toBe(
      '🎉 *Demo* is _set up_: `org_1` :unknown_thing:',
    );
  });

  it('formats <!date^…> tokens in the viewer’s time zone', () => {
    const at = Date.UTC(2026, 10, 9, 9, 5, 7) / 1000;
    expect(renderMrkdwn(`<!date^${at}^{date_short} at {time}|9 Nov 2026>`, ctx)).toBe(
      'Nov 9, 2026 at 9:05 AM',
    );
    expect(formatSlackDate(at, '{date_num} {date_long} {time_secs} ({ago})', ctx)).toBe(
      '2026-11-09 Monday, November 9th, 2026 9:05:07 AM (2 hours ago)',
    );
    expect(formatSlackDate(at, '{date}', { ...ctx, timeZone: 'Asia/Tokyo' })).toBe('November 9th, 2026');
    expect(formatSlackDate(Date.UTC(2026, 10, 11) / 1000, '{date} {unknown}', ctx)).toBe(
      'November 11th, 2026 {unknown}',
    );
  });
});

describe('messages', () => {
  it('renders the overview: header, labelled fields, context', () => {
    const message = overviewMessage({
      organization: { id: 'org_abc123', name: 'Demo & Co', createdAt: new Date(0) },
      metrics: { members: 3, admins: 1, dataLayers: 2, dataSources: 0 },
    });
    const { lines, elements } = renderMessageBody(
      asJson(message) as { text: string; blocks: unknown[] },
      ctx,
    );
    expect(lines).toEqual([
      '  == Demo & Co ==',
      '  Name: Demo & Co',
      '  Organization ID: `org_abc123`',
      '  Team members: 3 (1 admin)',
      '  Data layers: 2',
      '  Data sources: 0',
      '  The organization ID never changes; integrations use it.',
    ]);
    expect(elements).toEqual([]);
  });

  it('numbers every button and select option in display order, from the number given', () => {
    const page = {
      items: [
        { id: 'm1', email: 'ada@example.com', slackUserId: 'U0ADA', role: 'admin' as const },
        { id: 'm2', email: 'bob@example.com', slackUserId: 'U0BOB', role: 'member' as const },
      ],
      page: 1,
      pageCount: 2,
      total: 25,
      pageSize: 2,
    };
    const message = asJson(membersMessage(page, 'Demo', { memberId: 'm1', role: 'admin' }));
    const { lines, elements } = renderBlocks(message.blocks as unknown[], ctx, 4);
    const text = lines.join('\n');
    expect(text).toContain('@ada · ada@example.com — *Admin* (you)');
    expect(text).toContain('Role: [4] Admin (current)  [5] Member');
    expect(text).toContain('Role: [6] Admin  [7] Member (current)');
    expect(text).toContain('[8] Remove!…');
    expect(text).toContain('[9] Next →');
    expect(elements.map((e) => [e.index, e.text, e.actionId])).toEqual([
      [4, 'Admin', 'member_role'],
      [5, 'Member', 'member_role'],
      [6, 'Admin', 'member_role'],
      [7, 'Member', 'member_role'],
      [8, 'Remove', 'member_remove'],
      [9, 'Next →', 'members_page_next'],
    ]);
    expect(elements[1]?.selectedOption).toEqual({ value: 'member', text: 'Member' });
    expect(elements[4]?.confirm).toBeDefined();
  });

  it('shows the text of a message without blocks, and unknown blocks by their type', () => {
    expect(renderMessageBody({ text: 'Hello <@U0BOB>\nbye', blocks: [] }, ctx).lines).toEqual([
      '  Hello @bob',
      '  bye',
    ]);
    expect(renderBlocks([{ type: 'video' }, { type: 'divider' }], ctx).lines).toEqual([
      '[video block]',
      '─'.repeat(40),
    ]);
  });
});

describe('modals and Home tabs', () => {
  const view = asJson(renameModal('Demo', '{}'));

  it('shows each input with its field name, current value and hint, and how to act', () => {
    const { lines } = renderModal({ view }, ctx);
    expect(lines).toEqual([
      '┌─ Modal "Rename organization"',
      `│ Display name  (field "${RENAME_VIEW.blockId}", required)`,
      '│   > Demo',
      '│   The organization ID does not change.',
      '└─ fill <field> <value> · submit (Rename) · cancel (Cancel)',
    ]);
  });

  it('shows filled values instead of initial ones, and the inline errors of a refused submission', () => {
    const drafts = new Map<string, DraftValue>([[RENAME_VIEW.blockId, { kind: 'text', value: '' }]]);
    const { lines } = renderModal(
      { view, drafts, errors: { [RENAME_VIEW.blockId]: 'The name must not be empty.' } },
      ctx,
      1,
      '@bob',
    );
    expect(lines[0]).toBe('┌─ Modal "Rename organization" (on @bob\'s screen)');
    expect(lines).toContain('│   > (empty)');
    expect(lines).toContain('│   ✗ The name must not be empty.');
  });

  it('lists the choices of a select input and numbers buttons inside a view', () => {
    const home = {
      type: 'home',
      blocks: [
        {
          type: 'input',
          block_id: 'role',
          optional: true,
          label: { type: 'plain_text', text: 'Role' },
          element: {
            type: 'static_select',
            action_id: 'pick',
            options: [
              { text: { type: 'plain_text', text: 'Admin' }, value: 'admin' },
              { text: { type: 'plain_text', text: 'Member' }, value: 'member' },
            ],
          },
        },
        {
          type: 'actions',
          block_id: 'a',
          elements: [
            { type: 'button', action_id: 'go', text: { type: 'plain_text', text: 'Go' }, value: '1' },
          ],
        },
      ],
    };
    const { lines, elements } = renderHome(home, ctx);
    expect(lines).toEqual([
      '┌─ Home tab (you)',
      '│ Role  (field "role", optional)',
      '│   > (empty)',
      '│   choices: Admin | Member',
      '│ [1] Go',
      '└─ end of Home tab',
    ]);
    expect(elements).toHaveLength(1);
  });
});

describe('users and mail', () => {
  it('lists people (not the bot) with their workspace role and marks the acting one', () => {
    const base = {
      realName: 'x',
      isOwner: false,
      isBot: false,
      deleted: false,
      tz: 'UTC',
      teamId: 'T0STANDIN',
    };
    const lines = renderUsers(
      [
        {
          ...base,
          id: 'U0ADA',
          name: 'ada',
          realName: 'Ada Lovelace',
          email: 'ada@example.com',
          isAdmin: true,
        },
        {
          ...base,
          id: 'U0BOB',
          name: 'bob',
          realName: 'Bob Quill',
          email: 'bob@example.com',
          isAdmin: false,
        },
        { ...base, id: 'U0BOT', name: 'AstroBee', email: undefined, isAdmin: false, isBot: true },
      ],
      'U0BOB',
    );
    expect(lines).toEqual([
      '  ada   U0ADA  Ada Lovelace <ada@example.com>  workspace admin',
      '  bob   U0BOB  Bob Quill <bob@example.com>  workspace member  ← acting',
    ]);
  });

  it('groups the users by workspace, each under its name and id, and marks the acting one once', () => {
    const person = (id: string, name: string, teamId: string, isAdmin = false) => ({
      id,
      name,
      realName: name,
      email: `${name}@example.com`,
      isAdmin,
      isOwner: false,
      isBot: false,
      deleted: false,
      tz: 'UTC',
      teamId,
    });
    const lines = renderUsersByWorkspace(
      [
        {
          team: { id: 'T0CONSOLE', name: 'AstroBee Demo' },
          users: [person('U0ADA', 'ada', 'T0CONSOLE', true)],
        },
        {
          team: { id: 'T0NEBULA', name: 'Nebula Works' },
          users: [person('U0NIA', 'nia', 'T0NEBULA', true), person('U0NED', 'ned', 'T0NEBULA')],
        },
      ],
      'U0NIA',
    );
    expect(lines).toEqual([
      'Slack users of "AstroBee Demo" (T0CONSOLE):',
      '  ada   U0ADA  ada <ada@example.com>  workspace admin',
      'Slack users of "Nebula Works" (T0NEBULA):',
      '  nia   U0NIA  nia <nia@example.com>  workspace admin  ← acting',
      '  ned   U0NED  ned <ned@example.com>  workspace member',
    ]);
  });

  it('prints a mail with its headers and body', () => {
    const lines = renderMail({
      from: 'AstroBee <no-reply@example.com>',
      to: 'bob@example.com',
      subject: 'You are invited',
      text: 'Open http://localhost:3000/invitations/x\n\nBye',
      html: '<p>ignored</p>',
      messageId: '<1@example.com>',
    });
    expect(lines).toEqual([
      '┌─ Mail to bob@example.com (printed, not sent)',
      '│ From: AstroBee <no-reply@example.com>',
      '│ To: bob@example.com',
      '│ Subject: You are invited',
      '│',
      '│ Open http://localhost:3000/invitations/x',
      '│',
      '│ Bye',
      '└─ end of mail',
    ]);
  });
});
