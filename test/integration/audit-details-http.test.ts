/**
 * `/org audit` shows details for people: labels for known keys, mentions for Slack users, links for channels,
 * escaped values, and unknown keys as `key: value`. Real changes through signed Slack requests (a role change, an
 * invitation) and a leak event as the leak guard records it, read back from the real database.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordAudit } from '../../src/domain/audit/audit.js';
import { Member } from '../../src/domain/members/member.entity.js';
import { Organization } from '../../src/domain/organizations/organization.entity.js';
import { type Harness, startHarness, USERS } from '../support/harness.js';

const { ada, bob } = USERS;
const MINUTE = 60_000;

describe('/org audit details through Slack', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    await h.setupOrganization('Orbit Analytics');
    const em = h.em();
    const organization = await em.findOneOrFail(Organization, { slackTeamId: h.standin.team.id });
    em.persist(
      new Member({ organization, email: bob.email, role: 'member', slackUserId: bob.id, now: h.clock.now() }),
    );
    await em.flush();
  });
  afterAll(async () => h.stop());

  it('reads a leak, a role change and an invitation as sentences, with mentions and labels', async () => {
    h.clock.advance(MINUTE);
    await h.ask(ada.id, `role <@${bob.id}> admin`);
    h.clock.advance(MINUTE);
    await h.ask(ada.id, 'invite eve@example.com member');
    h.clock.advance(MINUTE);
    const em = h.em();
    const organization = await em.findOneOrFail(Organization, { slackTeamId: h.standin.team.id });
    recordAudit(em, {
      organization,
      actor: null,
      action: 'client.secret_leaked',
      targetType: 'api_client',
      targetId: 'cli_abcdefghijklmnopqrst',
      details: { name: 'Sync & <Prod>', channel: 'C0GENERAL', poster: 'U0MALLORY', outcome: 'secret_voided' },
      at: h.clock.now(),
    });
    await em.flush();

    const reply = await h.ask(ada.id, 'audit');
    const lines = reply.blocks
      .filter((b) => b.type === 'section')
      .slice(1)
      .map((b) => String((b.text as { text: string }).text));
    const [leak, invite, role] = lines;
    expect(leak).toContain(
      '— AstroBee *found a leaked secret of* API client *Sync &amp; &lt;Prod&gt;* `cli_abcdefghijklmnopqrst` ' +
        '· in: <#C0GENERAL> · posted by: <@U0MALLORY> · outcome: secret voided (the client stays enabled)',
    );
    expect(invite).toContain(`— <@${ada.id}> *invited* eve@example.com · role: Member`);
    expect(role).toContain(
      `— <@${ada.id}> *changed the role of* <@${bob.id}> (${bob.email}) · from *Member* to *Admin*`,
    );
    expect(lines.join('\n')).not.toMatch(/poster:|outcome: secret_voided|channel: C0|role: member/);
  });
});
