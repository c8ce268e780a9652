/**
 * Seeds the benchmark's SQLite file through the real migrations and entities: one organization bound to the
 * stand-in's team, with `memberCount` members already linked to Slack users (so `/org members` resolves the caller
 * from the database alone, as it does for every returning user).
 */
import { openOrm } from '../../src/adapters.js';
import { ApiClient, ClientSecret } from '../../src/domain/clients/client.entity.js';
import {
  CLIENT_SECRET_PREFIX,
  generateCredential,
  hashCredential,
} from '../../src/domain/clients/credentials.js';
import { DEFAULT_SCOPES } from '../../src/domain/clients/scopes.js';
import { Member, type Role } from '../../src/domain/members/member.entity.js';
import { Organization } from '../../src/domain/organizations/organization.entity.js';

/** A seeded Slack user. */
export interface SeededUser {
  slackUserId: string;
  role: Role;
}

/**
 * Creates the organization and its members.
 * @param databaseUrl `sqlite:<path>` of a new file (migrations run first)
 * @param adminCount the first `adminCount` members are Admins, the rest Members
 * @returns every member, in creation order
 */
export async function seedOrganization(
  databaseUrl: string,
  options: { teamId: string; memberCount: number; adminCount: number },
): Promise<SeededUser[]> {
  const orm = await openOrm(databaseUrl);
  try {
    const em = orm.em.fork();
    const now = new Date();
    const organization = new Organization('Bench Org', options.teamId, now);
    em.persist(organization);
    const users: SeededUser[] = [];
    for (let i = 0; i < options.memberCount; i += 1) {
      const slackUserId = `UBENCH${String(i).padStart(5, '0')}`;
      const role: Role = i < options.adminCount ? 'admin' : 'member';
      em.persist(new Member({ organization, email: `member${i}@example.com`, role, slackUserId, now }));
      users.push({ slackUserId, role });
    }
    await em.flush();
    return users;
  } finally {
    await orm.close(true);
  }
}

/**
 * Adds to the organization of `teamId` an API client whose secret was already neutralised by the leaked-secret
 * guard: the client disabled, the secret expired a minute ago (as `LeakGuard` leaves them). A message holding that
 * secret passes the prefix and checksum test and costs the guard one hash lookup, which finds nothing to do.
 * @param databaseUrl the file {@link seedOrganization} made
 * @returns the secret, in plain text (a benchmark's throw-away database)
 * @throws Error when no organization has `teamId`
 */
export async function seedNeutralisedSecret(databaseUrl: string, teamId: string): Promise<string> {
  const orm = await openOrm(databaseUrl);
  try {
    const em = orm.em.fork();
    const organization = await em.findOneOrFail(Organization, { slackTeamId: teamId });
    const now = new Date();
    const client = new ApiClient({
      organization,
      name: 'Leaked Exporter',
      scopes: DEFAULT_SCOPES,
      createdByMemberId: null,
      createdBySlackUserId: null,
      now,
    });
    client.status = 'disabled';
    const secret = generateCredential(CLIENT_SECRET_PREFIX);
    const row = new ClientSecret(client, hashCredential(secret), now);
    row.expiresAt = new Date(now.getTime() - 60_000);
    em.persist([client, row]);
    await em.flush();
    return secret;
  } finally {
    await orm.close(true);
  }
}
