import type { EntityManager } from '@mikro-orm/core';
import { Organization } from '../organizations/organization.entity.js';
import { Member } from './member.entity.js';
import { MEMBERS_ORDER, type MemberSummary, type Page, pageBounds } from './members.service.js';
import type { TeamChangeSignal } from './ports.js';

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
 * Kept coherent by a {@link TeamChangeSignal} (src/db's `TableWriteSignal` watches the SQL the ORM sends): a
 * statement that writes the members or organizations table drops every snapshot before it runs, and the end of the
 * transaction that wrote it drops them again. A snapshot loaded while a write was under way is served to the
 * readers that asked for it but not kept. On SQLite the pool's one connection puts a load's SELECT after any write
 * already sent, and after the commit of a transaction in progress.
 *
 * Like the rest of this build it assumes one process per database (SQLite): another process's writes would not
 * reach this process's snapshots (with PostgreSQL and several instances, the signal would need to be shared, e.g.
 * LISTEN/NOTIFY).
 *
 * Reading: {@link view} answers from the snapshot, loading it on first use; concurrent first uses share one load.
 */
export class TeamDirectory {
  /** Bumped by every relevant write; a load started under an older generation is served but not kept. */
  private generation = 0;
  private readonly snapshots = new Map<string, TeamSnapshot>();
  private readonly loads = new Map<string, { generation: number; promise: Promise<TeamSnapshot | null> }>();

  /**
   * @param orm the open ORM (anything with its global EntityManager, used only to fork a unit of work per load)
   * @param changes signals a write to the members or organizations tables (every snapshot is dropped then)
   */
  constructor(
    private readonly orm: { em: EntityManager },
    changes: TeamChangeSignal,
  ) {
    changes.subscribe(() => this.invalidate());
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
