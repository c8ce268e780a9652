/**
 * Asking for a page past the last one: `/org members N`, `/org audit N` and `/org clients N` show the last page and
 * say so, through the running app.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Member } from '../../src/domain/members/member.entity.js';
import { MEMBERS_PAGE_SIZE } from '../../src/domain/members/members.service.js';
import { Organization } from '../../src/domain/organizations/organization.entity.js';
import { pageNotice } from '../../src/slack/shared/paging.blocks.js';
import { type Harness, startHarness, USERS, visibleText } from '../support/harness.js';

const { ada } = USERS;

describe('pages past the last one', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    await h.setupOrganization('Orbit Analytics');
    const em = h.em();
    const organization = await em.findOneOrFail(Organization, { slackTeamId: h.standin.team.id });
    // Ada plus MEMBERS_PAGE_SIZE more: two pages.
    for (let i = 0; i < MEMBERS_PAGE_SIZE; i++) {
      const email = `crew${String(i).padStart(2, '0')}@example.com`;
      em.persist(new Member({ organization, email, role: 'member', slackUserId: null, now: h.clock.now() }));
    }
    await em.flush();
  });
  afterAll(async () => h.stop());

  it('words the notice for one page and for several', () => {
    expect(pageNotice(3, { page: 2, pageCount: 2 })).toBe('There are only 2 pages; showing page 2.');
    expect(pageNotice(2, { page: 1, pageCount: 1 })).toBe('There is only 1 page; showing page 1.');
    expect(pageNotice(2, { page: 2, pageCount: 2 })).toBeNull();
  });

  it('/org members 3 of two pages shows page 2 and says so; /org members 2 says nothing of it', async () => {
    const over = visibleText(await h.ask(ada.id, 'members 3'));
    expect(over).toContain('There are only 2 pages; showing page 2.');
    expect(over).toContain('crew19@example.com');
    const exact = visibleText(await h.ask(ada.id, 'members 2'));
    expect(exact).toContain('crew19@example.com');
    expect(exact).not.toContain('There are only');
  });

  it('/org audit N and /org clients N past the last page say so too', async () => {
    expect(visibleText(await h.ask(ada.id, 'audit 4'))).toContain('There is only 1 page; showing page 1.');
    expect(visibleText(await h.ask(ada.id, 'audit'))).not.toContain('There is only');
    expect(visibleText(await h.ask(ada.id, 'clients 2'))).toContain('There is only 1 page; showing page 1.');
    expect(visibleText(await h.ask(ada.id, 'clients 1'))).not.toContain('There is only');
  });
});
