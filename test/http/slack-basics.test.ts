import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditEvent } from '../../src/domain/audit/audit-event.entity.js';
import { Member } from '../../src/domain/members/member.entity.js';
import { Organization } from '../../src/domain/organizations/organization.entity.js';
import { RENAME_VIEW } from '../../src/slack/organization/rename.blocks.js';
import { type Harness, startHarness, USERS, visibleText } from '../support/harness.js';

describe('the app in HTTP mode, driven by signed Slack requests', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.stop();
  });

  it('answers /healthz when the database answers', async () => {
    const res = await fetch(`${h.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('refuses a wrong signature with 401 and runs nothing', async () => {
    const calls = h.standin.calls.length;
    const ack = await h.command(USERS.ada.id, 'setup Forged', { signingSecret: 'not-the-secret' });
    expect(ack.status).toBe(401);
    expect(h.standin.calls.length).toBe(calls);
    expect(await h.em().count(Organization, {})).toBe(0);
  });

  it('refuses a timestamp more than five minutes old with 401', async () => {
    const ack = await h.command(USERS.ada.id, 'setup Replayed', {
      timestampSeconds: Math.floor(Date.now() / 1000) - 6 * 60,
    });
    expect(ack.status).toBe(401);
    expect(await h.em().count(Organization, {})).toBe(0);
  });

  it('before setup, help points to /org setup', async () => {
    const reply = await h.ask(USERS.bob.id, 'help');
    expect(visibleText(reply)).toContain('/org setup');
  });

  it('refuses setup by a Slack user who is not a workspace admin, and creates nothing', async () => {
    const reply = await h.ask(USERS.bob.id, 'setup Hijack Inc');
    expect(visibleText(reply)).toMatch(/Only a Slack workspace admin or owner/);
    expect(await h.em().count(Organization, {})).toBe(0);
  });

  it('sets up the organization for a workspace admin, who becomes its first Admin', async () => {
    const reply = await h.setupOrganization('Orbit Analytics');
    expect(visibleText(reply)).toMatch(/Orbit Analytics\* is set up/);
    const org = await h.em().findOneOrFail(Organization, { slackTeamId: h.standin.team.id });
    expect(org.name).toBe('Orbit Analytics');
    const admin = await h.em().findOneOrFail(Member, { slackUserId: USERS.ada.id });
    expect(admin).toMatchObject({ role: 'admin', email: USERS.ada.email });
    expect(h.standin.callsTo('users.info').some((c) => c.args.user === USERS.ada.id)).toBe(true);
  });

  it('a second setup changes nothing and says so', async () => {
    const reply = await h.ask(USERS.ada.id, 'setup Another Name');
    expect(visibleText(reply)).toMatch(/already set up as \*Orbit Analytics\*/);
    expect(await h.em().count(Organization, {})).toBe(1);
  });

  it('shows the overview to a member: name, organization ID and the metrics', async () => {
    const org = await h.em().findOneOrFail(Organization, { slackTeamId: h.standin.team.id });
    const reply = await h.ask(USERS.ada.id, 'overview');
    const text = visibleText(reply);
    expect(text).toContain(org.id);
    expect(text).toContain('Orbit Analytics');
    expect(text).toMatch(/Team members\*\n1 /);
    expect(text).toMatch(/Data layers\*\n0/);
    expect(text).toMatch(/Data sources\*\n0/);
    expect(reply.via).toBe('ack');
  });

  it('tells a non-member how to get invited and shows nothing but the organization name', async () => {
    const org = await h.em().findOneOrFail(Organization, { slackTeamId: h.standin.team.id });
    for (const text of ['overview', 'members', 'rename Pwned']) {
      const reply = await h.ask(USERS.eve.id, text);
      const seen = visibleText(reply);
      expect(seen).toMatch(/not a member of Orbit Analytics/);
      expect(seen).toMatch(/invite/);
      expect(seen).not.toContain(org.id);
      expect(seen).not.toContain(USERS.ada.email);
    }
    expect((await h.em().findOneOrFail(Organization, org.id)).name).toBe('Orbit Analytics');
  });

  it('lists the team with roles', async () => {
    const reply = await h.ask(USERS.ada.id, 'members');
    const text = visibleText(reply);
    expect(text).toContain(`<@${USERS.ada.id}>`);
    expect(text).toMatch(/Admin/);
  });

  it('answers an unknown subcommand with help naming the closest command', async () => {
    const reply = await h.ask(USERS.ada.id, 'overveiw');
    expect(visibleText(reply)).toMatch(
      /`overveiw` is not an \/org command\. Did you mean `\/org overview`\?/,
    );
  });

  it('renames with a name given inline, decoding Slack entities once', async () => {
    const reply = await h.ask(USERS.ada.id, 'rename Orbit &amp; Co');
    expect(visibleText(reply)).toMatch(/Renamed \*Orbit Analytics\* to \*Orbit &amp; Co\*/);
    const org = await h.em().findOneOrFail(Organization, { slackTeamId: h.standin.team.id });
    expect(org.name).toBe('Orbit & Co');
  });

  it('opens a modal prefilled with the current name when no name is given', async () => {
    const ack = await h.command(USERS.ada.id, 'rename');
    expect(ack.status).toBe(200);
    const view = await h.standin.waitFor(() => h.standin.openView(USERS.ada.id), 3000, 'the rename modal');
    expect(view.view.callback_id).toBe(RENAME_VIEW.callbackId);
    expect(JSON.stringify(view.view.blocks)).toContain('"initial_value":"Orbit & Co"');
    // The command's response_url rides along, never anything secret.
    expect(String(view.view.private_metadata)).toContain('/response/');
  });

  it('an invalid name in the modal gets an inline error under the field and changes nothing', async () => {
    const view = h.standin.openView(USERS.ada.id);
    if (!view) throw new Error('no open modal');
    const renames = await h.em().count(AuditEvent, { action: 'organization.renamed' });
    for (const bad of ['   ', 'x'.repeat(81), 'two\nlines']) {
      const ack = await h.standin.viewSubmission(
        USERS.ada.id,
        view.id,
        { [RENAME_VIEW.blockId]: { [RENAME_VIEW.actionId]: { type: 'plain_text_input', value: bad } } },
        { skipClientValidation: true },
      );
      expect(ack.status).toBe(200);
      expect(ack.json).toMatchObject({
        response_action: 'errors',
        errors: { [RENAME_VIEW.blockId]: expect.any(String) },
      });
    }
    expect(h.standin.openView(USERS.ada.id)?.id).toBe(view.id);
    const org = await h.em().findOneOrFail(Organization, { slackTeamId: h.standin.team.id });
    expect(org.name).toBe('Orbit & Co');
    expect(await h.em().count(AuditEvent, { action: 'organization.renamed' })).toBe(renames);
  });

  it('a valid name in the modal renames, closes the modal and tells the admin where they typed the command', async () => {
    const view = h.standin.openView(USERS.ada.id);
    if (!view) throw new Error('no open modal');
    const org = await h.em().findOneOrFail(Organization, { slackTeamId: h.standin.team.id });
    const ack = await h.standin.viewSubmission(USERS.ada.id, view.id, {
      [RENAME_VIEW.blockId]: { [RENAME_VIEW.actionId]: { type: 'plain_text_input', value: 'Orbit Labs' } },
    });
    expect(ack.status).toBe(200);
    expect(ack.body).toBe('');
    expect(h.standin.openView(USERS.ada.id)).toBeUndefined();
    const confirmation = await h.standin.waitFor(
      () => h.standin.ephemerals.find((e) => e.via === 'response_url' && e.text.includes('Orbit Labs')),
      3000,
      'the rename confirmation',
    );
    expect(confirmation.user).toBe(USERS.ada.id);
    const renamed = await h.em().findOneOrFail(Organization, { slackTeamId: h.standin.team.id });
    expect(renamed).toMatchObject({ id: org.id, name: 'Orbit Labs' });
  });

  it('keeps every change across a restart', async () => {
    const before = await h.em().findOneOrFail(Organization, { slackTeamId: h.standin.team.id });
    await h.restart();
    const reply = await h.ask(USERS.ada.id, 'overview');
    expect(visibleText(reply)).toContain(before.id);
    expect(visibleText(reply)).toContain('Orbit Labs');
  });

  it('keeps Slack tokens and the signing secret out of the logs', () => {
    const logs = h.logs();
    expect(logs.length).toBeGreaterThan(0);
    expect(logs).not.toContain(h.standin.botToken);
    expect(logs).not.toContain(h.standin.signingSecret);
  });
});

describe('names quoted in refusals', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness();
    await h.setupOrganization('Orbit');
  });
  afterAll(async () => {
    await h.stop();
  });

  it('a stored name shaped like a mention or <!channel> reaches a refusal escaped, never as a reference', async () => {
    // Typed in Slack as "<@U0CLEO> & <!channel>", escaped by Slack as entities, decoded once and stored as typed.
    await h.ask(USERS.ada.id, 'rename &lt;@U0CLEO&gt; &amp; &lt;!channel&gt;');
    const org = await h.em().findOneOrFail(Organization, { slackTeamId: h.standin.team.id });
    expect(org.name).toBe('<@U0CLEO> & <!channel>');
    const refusal = await h.ask(USERS.eve.id, 'overview');
    const shown = visibleText(refusal);
    expect(shown).toContain('not a member of &lt;@U0CLEO&gt; &amp; &lt;!channel&gt;');
    expect(shown).not.toContain('<@U0CLEO>');
    expect(shown).not.toContain('<!channel>');
    const again = visibleText(await h.ask(USERS.ada.id, 'setup Again'));
    expect(again).toContain('already set up as *&lt;@U0CLEO&gt; &amp; &lt;!channel&gt;*');
  });
});
