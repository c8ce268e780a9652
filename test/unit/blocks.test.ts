import type { InputBlock, KnownBlock } from '@slack/types';
import { describe, expect, it } from 'vitest';
import { overviewMessage } from '../../src/slack/organization/overview.blocks.js';
import { RENAME_VIEW, renameModal } from '../../src/slack/organization/rename.blocks.js';
import { COMMANDS } from '../../src/slack/register.js';
import { LIMITS } from '../../src/slack/shared/common.blocks.js';
import { type HelpAudience, helpMessage as renderHelp } from '../../src/slack/shared/help.blocks.js';

/** Every string under a `text` key of a block, with its length, for limit checks. */
function sectionTexts(blocks: KnownBlock[]): string[] {
  const out: string[] = [];
  for (const b of blocks) {
    if (b.type === 'section') {
      if (b.text) out.push(b.text.text);
      for (const f of b.fields ?? []) out.push(f.text);
    }
  }
  return out;
}

/** Help with every command this build registers. */
const helpMessage = (audience: HelpAudience, organizationName?: string, intro?: string) =>
  renderHelp(COMMANDS, audience, organizationName, intro);

describe('help', () => {
  it('shows admins the admin commands and members only theirs', () => {
    const admin = JSON.stringify(helpMessage('admin', 'Orbit').blocks);
    const member = JSON.stringify(helpMessage('member', 'Orbit').blocks);
    expect(admin).toContain('/org rename');
    expect(member).not.toContain('/org rename');
    expect(member).toContain('/org members');
    expect(member).not.toContain('/org setup');
  });

  it('tells a non-member how to be invited without listing member commands', () => {
    const text = JSON.stringify(helpMessage('non_member', 'Orbit').blocks);
    expect(text).toContain('not a member');
    expect(text).toContain('invite');
    expect(text).not.toContain('/org overview');
  });

  it('tells a user of another workspace only that the app serves its own, even when given the name', () => {
    const text = JSON.stringify(helpMessage('foreign_workspace', 'Orbit', 'intro line').blocks);
    expect(text).toContain('serves only members of the Slack workspace it is installed in');
    expect(text).toContain('intro line');
    expect(text).not.toContain('Orbit');
    expect(text).not.toContain('/org ');
  });

  it('before setup, points to /org setup', () => {
    expect(JSON.stringify(helpMessage('no_organization').blocks)).toContain('/org setup');
  });

  it('escapes the organization name', () => {
    expect(JSON.stringify(helpMessage('member', '<!channel> & co').blocks)).toContain(
      '&lt;!channel&gt; &amp; co',
    );
  });

  it('shows placeholders such as <@user or email> as text, never as Slack references', () => {
    const sections = sectionTexts(helpMessage('admin', 'Orbit').blocks).join('\n');
    expect(sections).toContain('&lt;@user or email&gt;');
    expect(sections).not.toMatch(/<(?![@#!]|https?:)/);
  });

  it('lists every command once', () => {
    expect(new Set(COMMANDS.map((c) => c.usage)).size).toBe(COMMANDS.length);
  });
});

describe('overview', () => {
  const overview = {
    organization: { id: 'org_abcdefghijklmnop', name: 'Orbit <Analytics>', createdAt: new Date() },
    metrics: { members: 12, admins: 1, dataLayers: 3, dataSources: 4 },
  };

  it('shows the name, organization ID and the three metrics', () => {
    const message = overviewMessage(overview);
    const texts = sectionTexts(message.blocks).join('\n');
    expect(texts).toContain('org_abcdefghijklmnop');
    expect(texts).toContain('Orbit &lt;Analytics&gt;');
    expect(texts).toMatch(/Team members\*\n12/);
    expect(texts).toMatch(/Data layers\*\n3/);
    expect(texts).toMatch(/Data sources\*\n4/);
    expect(message.text).toContain('12 team members');
  });

  it('stays within Block Kit limits', () => {
    const message = overviewMessage({
      ...overview,
      organization: { ...overview.organization, name: 'N'.repeat(80) },
    });
    expect(message.blocks.length).toBeLessThanOrEqual(LIMITS.messageBlocks);
    for (const t of sectionTexts(message.blocks)) expect(t.length).toBeLessThanOrEqual(LIMITS.sectionText);
    const header = message.blocks.find((b) => b.type === 'header');
    expect(header?.type === 'header' && header.text.text.length).toBeLessThanOrEqual(LIMITS.headerText);
  });
});

describe('rename modal', () => {
  it('is prefilled with the current name and carries the metadata', () => {
    const view = renameModal('Orbit', '{"responseUrl":"https://hooks.example.com/x"}');
    expect(view.callback_id).toBe(RENAME_VIEW.callbackId);
    expect(view.private_metadata).toContain('hooks.example.com');
    const input = view.blocks[0] as InputBlock;
    expect(input.type).toBe('input');
    expect(input.block_id).toBe(RENAME_VIEW.blockId);
    expect(input.element).toMatchObject({
      type: 'plain_text_input',
      action_id: RENAME_VIEW.actionId,
      initial_value: 'Orbit',
    });
  });
});
