/**
 * The team directory's reads (the domain's `TeamRows` port) as plain SQL on MikroORM's connection: bound
 * parameters, 4 columns, no entity hydration. The same statements run on SQLite and PostgreSQL.
 */
import type { TeamMemberRow, TeamRows } from '../domain/members/ports.js';
import type { Orm } from './orm.js';

/** A member row as the database returns it. */
interface MemberRecord {
  id: string;
  email: string;
  slack_user_id: string | null;
  role: string;
  organization_id: string;
}

const MEMBER_COLUMNS = 'select id, email, slack_user_id, role, organization_id from members';

/**
 * {@link TeamRows} on `orm`'s connection (its global EntityManager; no unit of work is used).
 * @throws from each read, the driver's error when the database fails
 */
export function teamRowsOn(orm: Pick<Orm, 'em'>): TeamRows {
  const all = <T>(sql: string, params: unknown[]) => orm.em.getConnection().execute<T[]>(sql, params, 'all');
  return {
    async organizationOf(slackTeamId) {
      const [row] = await all<{ id: string; name: string; slack_team_id: string }>(
        'select id, name, slack_team_id from organizations where slack_team_id = ?',
        [slackTeamId],
      );
      return row ? { id: row.id, name: row.name, slackTeamId: row.slack_team_id } : null;
    },
    async membersOf(organizationId) {
      // The order of MembersService.list (MEMBERS_ORDER: role, then email).
      const rows = await all<MemberRecord>(
        `${MEMBER_COLUMNS} where organization_id = ? order by role asc, email asc`,
        [organizationId],
      );
      return rows.map(memberRow);
    },
    async member(memberId) {
      const [row] = await all<MemberRecord>(`${MEMBER_COLUMNS} where id = ?`, [memberId]);
      return row ? memberRow(row) : null;
    },
  };
}

function memberRow(r: MemberRecord): TeamMemberRow {
  return {
    id: r.id,
    email: r.email,
    slackUserId: r.slack_user_id,
    role: r.role,
    organizationId: r.organization_id,
  };
}
