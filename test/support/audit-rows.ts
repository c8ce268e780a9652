import { randomUUID } from 'node:crypto';
import { kindOf, type Orm } from '../../src/db/orm.js';
import type { AuditDetails } from '../../src/domain/audit/audit-event.entity.js';

/** One audit event to insert; the rest is filled in. */
export interface AuditRow {
  id?: string;
  at: Date;
  action: string;
  actorSlackUserId?: string | null;
  actorMemberId?: string | null;
  targetType?: string;
  targetId?: string | null;
  details?: AuditDetails;
}

/**
 * Inserts audit events of `organizationId` fast, in chunks of multi-row INSERTs, in the order given.
 * @param numbering `database`: `seq` left empty, numbered by the migration's triggers (as every write of the app);
 *   `reserved`: numbers reserved in one statement and written with the rows (for 100,000 rows, where the
 *   PostgreSQL commit trigger's one UPDATE per row would take long)
 * @returns the ids, in order
 */
export async function insertAuditEvents(
  orm: Orm,
  organizationId: string,
  rows: AuditRow[],
  numbering: 'database' | 'reserved' = 'database',
): Promise<string[]> {
  const em = orm.em.fork();
  const connection = em.getConnection();
  const knex = connection.getKnex();
  // The column value as the ORM writes it (SQLite keeps a number of milliseconds).
  const platform = em.getPlatform();
  let next = 0;
  if (numbering === 'reserved') {
    if (kindOf(orm) === 'postgresql') {
      const [row] = await connection.execute<{ last: string }[]>(
        "select setval('audit_events_seq', nextval('audit_events_seq') + ?) as last",
        [rows.length],
      );
      next = Number(row?.last) - rows.length;
    } else {
      const [row] = await connection.execute<{ top: number | null }[]>(
        'select max(seq) as top from audit_events',
      );
      next = Number(row?.top ?? 0) + 1;
    }
  }
  const ids: string[] = [];
  // Knex writes a multi-row insert on SQLite as a compound SELECT, of at most 500 terms.
  const CHUNK = 400;
  for (let start = 0; start < rows.length; start += CHUNK) {
    const chunk = rows.slice(start, start + CHUNK).map((row) => {
      const id = row.id ?? randomUUID();
      ids.push(id);
      return {
        id,
        organization_id: organizationId,
        created_at: platform.processDateProperty(row.at),
        actor_member_id: row.actorMemberId ?? null,
        actor_slack_user_id: row.actorSlackUserId ?? null,
        action: row.action,
        target_type: row.targetType ?? 'organization',
        target_id: row.targetId ?? null,
        details: JSON.stringify(row.details ?? {}),
        ...(numbering === 'reserved' ? { seq: next++ } : {}),
      };
    });
    // Plain knex, not the ORM: the app's ORM logs each statement with its values at debug level.
    await knex('audit_events').insert(chunk);
  }
  return ids;
}
