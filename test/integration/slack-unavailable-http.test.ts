/**
 * Direct Web API calls (made while the user waits) when Slack cannot answer: a 429 gets "Slack is busy", a 5xx gets
 * "Slack did not answer just now" — never the apology for a failure of ours — and nothing changes. A deactivated
 * member's Remove confirm step promises no DM, in the message and in Slack's confirm dialog alike.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Member } from '../../src/domain/members/member.entity.js';
import { Organization } from '../../src/domain/organizations/organization.entity.js';
import { type Harness, startHarness, USERS, visibleText } from '../support/harness.js';

const { ada, bob } = USERS;
const zed = { id: 'U0ZED', name: 'zed', realName: 'Zed Gone', email: 'zed@example.com', deleted: true };
let h: Harness;

beforeAll(async () => {
  h = await startHarness({ users: [zed] });
  await h.setupOrganization('Orbit');
  const em = h.em();
  const org = await em.findOneOrFail(Organization, { slackTeamId: h.standin.team.id });
  const now = h.clock.now();
  em.persist(new Member({ organization: org, email: bob.email, role: 'member', slackUserId: bob.id, now }));
  em.persist(new Member({ organization: org, email: zed.email, role: 'member', slackUserId: zed.id, now }));
  await em.flush();
});
afterEach(() => h.standin.clearFaults());
afterAll(async () => {
  await h?.stop();
});

describe('a direct call Slack cannot answer', () => {
  for (const [method, cmd, status, expected] of [
    ['views.open', 'rename', 503, /Slack did not answer just now/],
    ['users.info', 'role <@U0BOB|bob> admin', 500, /Slack did not answer just now/],
    ['users.info', 'role <@U0BOB|bob> admin', 429, /Slack is busy right now/],
  ] as const) {
    it(`${method} answering ${status} during /org ${cmd}: says so plainly, changes nothing`, async () => {
      h.standin.addFault({ method, status, retryAfterSeconds: 30, durationMs: 20_000 });
      const reply = visibleText(await h.ask(ada.id, cmd));
      expect(reply).toMatch(expected);
      expect(reply).not.toMatch(/sorry|went wrong/i);
      const bobRow = await h.em().findOneOrFail(Member, { email: bob.email });
      expect(bobRow.role).toBe('member');
    });
  }
});

it('/org remove of a deactivated member: neither the message nor the confirm dialog promises a DM', async () => {
  const reply = await h.ask(ada.id, 'remove <@U0ZED|zed>');
  const blocks = JSON.stringify(reply.blocks);
  expect(blocks).toContain('no message will be sent');
  expect(blocks).toContain('no DM will be sent');
  expect(blocks).not.toContain('told by DM');
});
