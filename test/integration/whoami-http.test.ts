/**
 * `/org whoami` through the running app: a signed slash command, answered privately with the caller's role and the
 * organization's name and ID; a non-member is told so and how to get in, a workspace with no organization that
 * `/org setup` is needed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Member } from '../../src/domain/members/member.entity.js';
import { Organization } from '../../src/domain/organizations/organization.entity.js';
import { type Harness, startHarness, USERS, visibleText } from '../support/harness.js';

const { ada, bob, eve } = USERS;

describe('/org whoami through Slack', () => {
  let h: Harness;
  let organizationId: string;
  let messagesBefore: number;

  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => h.stop());

  it('tells anyone in a workspace with no organization that `/org setup` is needed', async () => {
    const text = visibleText(await h.ask(ada.id, 'whoami'));
    expect(text).toContain('No AstroBee organization is set up for this Slack workspace yet');
    // Slack shows `&lt;name&gt;` as `<name>`.
    expect(text).toContain('`/org setup &lt;name&gt;`');
  });

  describe('with an organization', () => {
    beforeAll(async () => {
      await h.setupOrganization('Orbit Analytics');
      const em = h.em();
      const organization = await em.findOneOrFail(Organization, { slackTeamId: h.standin.team.id });
      organizationId = organization.id;
      em.persist(
        new Member({
          organization,
          email: bob.email,
          role: 'member',
          slackUserId: bob.id,
          now: h.clock.now(),
        }),
      );
      await em.flush();
      messagesBefore = h.standin.messages.length;
    });

    it('tells an Admin their role and the organization, privately', async () => {
      const reply = await h.ask(ada.id, 'whoami');
      const text = visibleText(reply);
      expect(text).toContain('You are an Admin of *Orbit Analytics* on AstroBee');
      expect(text).toContain(`(organization ID \`${organizationId}\`)`);
      expect(reply.user).toBe(ada.id);
    });

    it('tells a Member their role and the organization, privately', async () => {
      const text = visibleText(await h.ask(bob.id, 'whoami'));
      expect(text).toContain('You are a Member of *Orbit Analytics* on AstroBee');
      expect(text).toContain(`(organization ID \`${organizationId}\`)`);
    });

    it('tells a non-member plainly that they are not one, and how to get in', async () => {
      const text = visibleText(await h.ask(eve.id, 'whoami'));
      expect(text).toContain('You are not a member of Orbit Analytics on AstroBee yet.');
      expect(text).toContain('Ask one of its admins to invite you');
      expect(text).toContain('`/org invite`');
      expect(text).not.toContain(organizationId);
    });

    it('refuses arguments rather than guess whom they name', async () => {
      const text = visibleText(await h.ask(bob.id, `whoami <@${ada.id}>`));
      expect(text).toContain('`/org whoami` takes no arguments');
      expect(text).not.toContain('You are an Admin');
    });

    it('posts nothing to the channel: every answer was ephemeral', () => {
      expect(h.standin.messages.length).toBe(messagesBefore);
    });

    it('is listed in help, for members and non-members alike', async () => {
      expect(visibleText(await h.ask(bob.id, 'help'))).toContain('`/org whoami`');
      expect(visibleText(await h.ask(eve.id, 'help'))).toContain('`/org whoami`');
    });
  });
});
