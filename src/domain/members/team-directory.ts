import type { EventSubscriber, TransactionEventArgs } from '@mikro-orm/core';
import type { Orm } from '../../db/orm.js';
import { Organization } from '../organizations/organization.entity.js';
import { Member } from './member.entity.js';
import { MEMBERS_ORDER, type MemberSummary, type Page, pageBounds } from './members.service.js';

/** A statement that may write: INSERT (an upsert too), UPDATE, DELETE or REPLACE, also after a WITH clause. */
const WRITE_STATEMENT = /\b(?:insert|update|delete|replace)\b/i;

/** One organization's team as the directory holds it: read-only, in the order of `/org members`. */
export interface TeamSnapshot {
  organization: { id: string; name: string; slackTeamId: string };
  /** Every member, Admins first, then by email (the order of `MembersService.list`). */
  members: readonly MemberSummary[];
  /** The linked members by Slack user id. */
  bySlackUser: ReadonlyMap<string, MemberSummary>;
}

/** A linked member looking at their team. */
export interface DirectoryView {
  team: TeamSnapshot;
  viewer: MemberSummary;
}

/**
 * An in-memory read model of each bound workspace's team, so that reading it (`/org members`) runs no SQL: the
 * members in list order and the linked members by Slack user id, per Slack team.
 *
 * Kept coherent by watching the SQL this ORM sends (its `onQuery` hook, which every statement passes through: unit
 * of work flushes, `nativeUpdate`/`nativeDelete` and raw `execute` alike): a statement that writes the members or
 * organizations table drops every snapshot before it runs, and the end of the transaction that wrote it drops them
 * again (MikroORM's transaction events, https://mikro-orm.io/docs/events). A snapshot loaded while a write was
 * under way is served to the readers that asked for it but not kept. On SQLite the pool's one connection puts a
 * load's SELECT after any write already sent, and after the commit of a transaction in progress.
 *
 * Like the rest of this build it assumes one process per database (SQLite): another process's writes would not
 * reach this process's snapshots (with PostgreSQL and several instances, snapshots would need a shared
 * invalidation, e.g. LISTEN/NOTIFY).
 *
 * Reading: {@link view} answers from the snapshot, loading it on first use; concurrent first uses share one load.
 */
export class TeamDirectory implements EventSubscriber {
  /** Bumped by every relevant write; a load started under an older generation is served but not kept. */
  private generation = 0;
  private readonly snapshots = new Map<string, TeamSnapshot>();
  private readonly loads = new Map<string, { generation: number; promise: Promise<TeamSnapshot | null> }>();
  /** A relevant write happened since the last transaction ended: drop again when it commits or rolls back. */
  private writtenInTransaction = false;
  /** Matches a statement that names one of the watched tables. */
  private readonly watchedTable: RegExp;

  /**
   * Hooks into the ORM: its `onQuery` (kept and chained) and its transaction events (forks share the subscriber
   * list, so every request's EntityManager is seen).
   * @param orm the open ORM; its global EntityManager is used only to fork a unit of work per load
   */
  constructor(private readonly orm: Orm) {
    const tables = [Member, Organization].map((entity) => orm.getMetadata().get(entity.name).tableName);
    this.watchedTable = new RegExp(`[\\s\`".](?:${tables.join('|')})[\\s\`"(]`, 'i');
    const previous = orm.config.get('onQuery');
    orm.config.set('onQuery', (sql: string, params: readonly unknown[]) => {
      this.observe(sql);
      return previous(sql, params as unknown[]);
    });
    orm.em.getEventManager().registerSubscriber(this);
  }

  afterTransactionCommit(_args: TransactionEventArgs): void {
    this.transactionEnded();
  }

  afterTransactionRollback(_args: TransactionEventArgs): void {
    this.transactionEnded();
  }

  /** Drops every snapshot now (the next read loads afresh). */
  invalidate(): void {
    this.generation += 1;
    this.snapshots.clear();
  }

  /**
   * The team of `slackTeamId` as seen by `slackUserId`, loading the snapshot when it is not in memory.
   * @returns null when no organization is bound to the workspace, or the user is not a linked member of it (the
   *   caller then takes the usual path, which links members on first use and explains refusals)
   * @throws the database error when a load fails (nothing is cached then)
   */
  async view(slackTeamId: string, slackUserId: string): Promise<DirectoryView | null> {
    const team = this.peek(slackTeamId) ?? (await this.load(slackTeamId));
    return team ? this.viewer(team, slackUserId) : null;
  }

  /** The snapshot of `slackTeamId` when it is in memory now (no I/O); undefined otherwise. */
  peek(slackTeamId: string): TeamSnapshot | undefined {
    return this.snapshots.get(slackTeamId);
  }

  /** `team` as seen by `slackUserId`; null when they are not a linked member of it. */
  viewer(team: TeamSnapshot, slackUserId: string): DirectoryView | null {
    const viewer = team.bySlackUser.get(slackUserId);
    return viewer ? { team, viewer } : null;
  }

  /**
   * One page of `team`'s members, with the bounds of `MembersService.list` (a page past the last is the last).
   * @param page 1-based
   */
  page(team: TeamSnapshot, page: number, pageSize: number): Page<MemberSummary> {
    const { offset, ...bounds } = pageBounds(team.members.length, page, pageSize);
    return { ...bounds, items: team.members.slice(offset, offset + pageSize) };
  }

  /** Drops the snapshots when `sql` may write a watched table (a false alarm costs one reload, no more). */
  private observe(sql: string): void {
    if (WRITE_STATEMENT.test(sql) && this.watchedTable.test(` ${sql} `)) {
      this.writtenInTransaction = true;
      this.invalidate();
    }
  }

  private transactionEnded(): void {
    if (!this.writtenInTransaction) return;
    this.writtenInTransaction = false;
    this.invalidate();
  }

  private load(slackTeamId: string): Promise<TeamSnapshot | null> {
    const pending = this.loads.get(slackTeamId);
    if (pending && pending.generation === this.generation) return pending.promise;
    const generation = this.generation;
    const promise = this.read(slackTeamId)
      .then((team) => {
        if (team && generation === this.generation) this.snapshots.set(slackTeamId, team);
        return team;
      })
      .finally(() => {
        if (this.loads.get(slackTeamId)?.promise === promise) this.loads.delete(slackTeamId);
      });
    this.loads.set(slackTeamId, { generation, promise });
    return promise;
  }

  private async read(slackTeamId: string): Promise<TeamSnapshot | null> {
    const em = this.orm.em.fork();
    const organization = await em.findOne(Organization, { slackTeamId });
    if (!organization) return null;
    const rows = await em.find(Member, { organization }, { orderBy: MEMBERS_ORDER });
    const members = rows.map(
      (m): MemberSummary =>
        Object.freeze({ id: m.id, email: m.email, slackUserId: m.slackUserId, role: m.role }),
    );
    const bySlackUser = new Map<string, MemberSummary>();
    for (const m of members) if (m.slackUserId) bySlackUser.set(m.slackUserId, m);
    return {
      organization: Object.freeze({
        id: organization.id,
        name: organization.name,
        slackTeamId: organization.slackTeamId,
      }),
      members: Object.freeze(members),
      bySlackUser,
    };
  }
}
