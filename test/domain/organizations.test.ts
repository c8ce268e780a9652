import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createServices, openOrm } from '../../src/adapters.js';
import type { Actor } from '../../src/domain/actor.js';
import { AuditEvent } from '../../src/domain/audit/audit-event.entity.js';
import { DataLayer, DataSource } from '../../src/domain/data/data.entity.js';
import {
  InvalidInputError,
  NoOrganizationError,
  NotAMemberError,
  NotAuthorizedError,
  OrganizationExistsError,
} from '../../src/domain/errors.js';
import { Member } from '../../src/domain/members/member.entity.js';
import { Organization } from '../../src/domain/organizations/organization.entity.js';
import { type FreshDb, freshOrm, profileOf, TestClock } from '../support/db.js';
import { slackTextOf } from '../support/errors.js';

const TEAM = 'T0ORBIT';

describe('organizations on a migrated SQLite file', () => {
  let db: FreshDb;
  const clock = new TestClock();

  beforeEach(async () => {
    db = await freshOrm();
  });
  afterEach(async () => {
    await db.close();
  });

  const services = () => createServices(db.orm.em.fork(), clock);
  const actor = (userId: string, email: string | null = null) =>
    services().members.resolveActor(TEAM, userId, async () => profileOf(TEAM, userId, email));

  async function setUp(name = 'Orbit Analytics'): Promise<Organization> {
    return services().organizations.setup(await actor('U0ADA'), {
      name,
      email: 'ada@example.com',
      isWorkspaceAdmin: true,
    });
  }

  it('the migrations leave nothing for the schema generator to add (entities and migrations agree)', async () => {
    expect(await db.orm.schema.getUpdateSchemaSQL({ wrap: false })).toBe('');
  });

  it('setup creates the organization with its first Admin and an audit event', async () => {
    const org = await setUp();
    expect(org.id).toMatch(/^org_[a-z2-7]{16}$/);
    const em = db.orm.em.fork();
    const members = await em.find(Member, {});
    expect(members).toHaveLength(1);
    expect(members[0]).toMatchObject({ email: 'ada@example.com', role: 'admin', slackUserId: 'U0ADA' });
    const audit = await em.find(AuditEvent, {});
    expect(audit.map((a) => a.action)).toEqual(['organization.setup']);
  });

  it('refuses setup by someone who is not a workspace admin, and creates nothing', async () => {
    await expect(
      services().organizations.setup(await actor('U0BOB'), {
        name: 'Orbit',
        email: 'bob@example.com',
        isWorkspaceAdmin: false,
      }),
    ).rejects.toBeInstanceOf(NotAuthorizedError);
    expect(await db.orm.em.fork().count(Organization, {})).toBe(0);
  });

  it('a second setup changes nothing and says which organization exists', async () => {
    await setUp('Orbit Analytics');
    const second = services().organizations.setup(await actor('U0ADA'), {
      name: 'Other',
      email: 'ada@example.com',
      isWorkspaceAdmin: true,
    });
    await expect(second).rejects.toBeInstanceOf(OrganizationExistsError);
    expect(await slackTextOf(second)).toMatch(/Orbit Analytics/);
    const orgs = await db.orm.em.fork().find(Organization, {});
    expect(orgs.map((o) => o.name)).toEqual(['Orbit Analytics']);
  });

  it('two setups at once leave exactly one organization', async () => {
    const attempts = await Promise.allSettled(
      ['One', 'Two', 'Three'].map(async (name, i) =>
        services().organizations.setup(await actor(`U0ADM${i}`), {
          name,
          email: `admin${i}@example.com`,
          isWorkspaceAdmin: true,
        }),
      ),
    );
    expect(attempts.filter((a) => a.status === 'fulfilled')).toHaveLength(1);
    for (const a of attempts) {
      if (a.status === 'rejected') expect(a.reason).toBeInstanceOf(OrganizationExistsError);
    }
    expect(await db.orm.em.fork().count(Organization, {})).toBe(1);
    expect(await db.orm.em.fork().count(Member, {})).toBe(1);
  });

  it('refuses invalid setup names', async () => {
    const a = await actor('U0ADA');
    for (const name of ['', '   ', 'x'.repeat(81), 'Line\nbreak', '!!!']) {
      await expect(
        services().organizations.setup(a, { name, email: 'ada@example.com', isWorkspaceAdmin: true }),
      ).rejects.toBeInstanceOf(InvalidInputError);
    }
    expect(await db.orm.em.fork().count(Organization, {})).toBe(0);
  });

  it('overview counts members, admins, data layers and data sources', async () => {
    const org = await setUp();
    const em = db.orm.em.fork();
    const o = await em.findOneOrFail(Organization, org.id);
    em.persist([
      new Member({ organization: o, email: 'bob@example.com', role: 'member', now: clock.now() }),
      new DataSource(o, 'Warehouse', clock.now()),
      new DataSource(o, 'Events', clock.now()),
      new DataLayer(o, 'Revenue', clock.now()),
    ]);
    await em.flush();
    const overview = await services().organizations.overview(await actor('U0ADA'));
    expect(overview.organization).toMatchObject({ id: org.id, name: 'Orbit Analytics' });
    expect(overview.metrics).toEqual({ members: 2, admins: 1, dataLayers: 1, dataSources: 2 });
  });

  it('overview is refused before setup and to a non-member', async () => {
    await expect(services().organizations.overview(await actor('U0ADA'))).rejects.toBeInstanceOf(
      NoOrganizationError,
    );
    await setUp();
    await expect(services().organizations.overview(await actor('U0EVE'))).rejects.toBeInstanceOf(
      NotAMemberError,
    );
  });

  it('links a Slack user to an unlinked member by profile email on first use', async () => {
    const org = await setUp();
    const em = db.orm.em.fork();
    em.persist(
      new Member({
        organization: em.getReference(Organization, org.id),
        email: 'bob@example.com',
        role: 'member',
        now: clock.now(),
      }),
    );
    await em.flush();
    const bob: Actor = await actor('U0BOB', 'Bob@Example.com');
    expect(bob.member?.email).toBe('bob@example.com');
    const stored = await db.orm.em.fork().findOneOrFail(Member, { email: 'bob@example.com' });
    expect(stored.slackUserId).toBe('U0BOB');
  });

  it('renames, keeps the organization ID, and records the change', async () => {
    const org = await setUp();
    const result = await services().organizations.rename(await actor('U0ADA'), '  Orbit   Labs ');
    expect(result).toEqual({ previous: 'Orbit Analytics', name: 'Orbit Labs' });
    const stored = await db.orm.em.fork().findOneOrFail(Organization, { slackTeamId: TEAM });
    expect(stored.id).toBe(org.id);
    expect(stored.name).toBe('Orbit Labs');
    const audit = await db.orm.em.fork().find(AuditEvent, { action: 'organization.renamed' });
    expect(audit[0]?.details).toEqual({ from: 'Orbit Analytics', to: 'Orbit Labs' });
  });

  it('refuses a rename by a Member or with an invalid name, and changes nothing', async () => {
    const org = await setUp();
    const em = db.orm.em.fork();
    em.persist(
      new Member({
        organization: em.getReference(Organization, org.id),
        email: 'bob@example.com',
        role: 'member',
        slackUserId: 'U0BOB',
        now: clock.now(),
      }),
    );
    await em.flush();
    await expect(services().organizations.rename(await actor('U0BOB'), 'Hijacked')).rejects.toBeInstanceOf(
      NotAuthorizedError,
    );
    const invalid = services().organizations.rename(await actor('U0ADA'), 'tab\there');
    await expect(invalid).rejects.toBeInstanceOf(InvalidInputError);
    await expect(invalid).rejects.toMatchObject({ field: 'name' });
    const stored = await db.orm.em.fork().findOneOrFail(Organization, org.id);
    expect(stored.name).toBe('Orbit Analytics');
    expect(await db.orm.em.fork().count(AuditEvent, { action: 'organization.renamed' })).toBe(0);
  });

  it('keeps data across a restart (close and reopen the file)', async () => {
    const org = await setUp();
    await db.orm.close();
    const reopened = await openOrm(db.url);
    try {
      const stored = await reopened.em.fork().findOneOrFail(Organization, { slackTeamId: TEAM });
      expect(stored).toMatchObject({ id: org.id, name: 'Orbit Analytics' });
      expect(await reopened.getMigrator().getPendingMigrations()).toEqual([]);
    } finally {
      await reopened.close();
      db.orm = await openOrm(db.url);
    }
  });
});

describe('display names', () => {
  it('refuse lone surrogates and text-direction overrides, and accept ordinary Unicode', async () => {
    const { OrganizationName } = await import('../../src/domain/validation.js');
    expect(OrganizationName.safeParse('Orbit \ud800').success).toBe(false);
    expect(OrganizationName.safeParse('Orbit \u202eLabs').success).toBe(false);
    expect(OrganizationName.safeParse('Orbit \u2066Labs\u2069').success).toBe(false);
    expect(OrganizationName.parse('  Ørbit   Analytics 🚀 ')).toBe('Ørbit Analytics 🚀');
    expect(OrganizationName.parse('日本語の組織')).toBe('日本語の組織');
  });
});

describe('display names and invisible characters', () => {
  it('refuse directional marks, drop zero-width spaces, and keep emoji joined with a zero-width joiner', async () => {
    const { OrganizationName } = await import('../../src/domain/validation.js');
    expect(OrganizationName.safeParse('Orbit\u200fLabs').success).toBe(false);
    expect(OrganizationName.safeParse('Orbit\u200eLabs').success).toBe(false);
    expect(OrganizationName.parse('Orbit\u200bLabs\ufeff')).toBe('OrbitLabs');
    expect(OrganizationName.parse('Orbit 👩\u200d💻')).toBe('Orbit 👩\u200d💻');
  });
});
