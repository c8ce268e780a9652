import type { Role } from './member.entity.js';
import type { MemberSummary, Page } from './members.service.js';
import { pageBounds } from './members.service.js';
import type { TeamChange, TeamChangeSignal, TeamMemberRow, TeamRows } from './ports.js';

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

/** A snapshot as held: the team, and whether its order is one {@link compareMembers} reproduces. */
interface Held {
  team: TeamSnapshot;
  /**
   * True when the database's order of the loaded members agrees with {@link compareMembers} (byte order of the
   * emails: SQLite's, and PostgreSQL's under the C collation): one member's write is then patched in at its place.
   * False under a collation that orders otherwise: a write drops the snapshot instead.
   */
  patchable: boolean;
}

/**
 * An in-memory read model of each bound workspace's team, so that reading it (`/org members`) runs no SQL: the
 * members in list order and the linked members by Slack user id, per Slack team.
 *
 * Kept coherent by a {@link TeamChangeSignal}:
 * - In one process (SQLite, src/db's `TableWriteSignal` watches the SQL the ORM sends): a statement that writes the
 *   members or organizations table drops every snapshot before it runs, and the end of the transaction that wrote
 *   it drops them again. On SQLite the pool's one connection puts a load's SELECT after any write already sent, and
 *   after the commit of a transaction in progress.
 * - Across instances (PostgreSQL, src/db's `PostgresChangeListener`): every instance hears each committed write.
 *   A write of one member is patched into the snapshot (that member's row read again by id, put at its place),
 *   so a role change every second costs a one-row read, not a reload of the team; any other write drops every
 *   snapshot, and so does a lost connection (changes may have been missed). A read first awaits the signal's
 *   `settled()` (one round trip on the listening connection) and the patches it started: a write acknowledged on
 *   any instance before the read arrived is seen — no bounded delay. While the signal is not live, reads go to
 *   the database and nothing is kept.
 *
 * A snapshot loaded while a write was under way is served to the readers that asked for it but not kept.
 *
 * Reading: {@link view} answers from the snapshot, loading it on first use; concurrent first uses share one load.
 * A load reads the 4 columns as plain rows through {@link TeamRows} (no entity hydration: about 4× cheaper for a
 * large team).
 */
export class TeamDirectory {
  /** Bumped by every relevant write; a load started under an older generation is served but not kept. */
  private generation = 0;
  private readonly snapshots = new Map<string, Held>();
  private readonly loads = new Map<string, { generation: number; promise: Promise<TeamSnapshot | null> }>();
  /** The member patches started, one after the other (a read waits for those started before it). */
  private patching: Promise<void> = Promise.resolve();

  /**
   * @param rows reads the organizations and members tables (src/db's `teamRowsOn`)
   * @param changes signals a write to the members or organizations tables (see the class)
   */
  constructor(
    private readonly rows: TeamRows,
    private readonly changes: TeamChangeSignal,
  ) {
    changes.subscribe((change) => (change ? this.memberWritten(change) : this.invalidate()));
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
    const team = (await this.current(slackTeamId)) ?? (await this.load(slackTeamId));
    return team ? this.viewer(team, slackUserId) : null;
  }

  /**
   * The snapshot of `slackTeamId` when it is in memory and up to date: with a signal from elsewhere, after
   * awaiting it (see the class); with the in-process signal, at once (a resolved promise).
   * @returns undefined when it is not in memory, or the signal is not live
   */
  async current(slackTeamId: string): Promise<TeamSnapshot | undefined> {
    if (!this.changes.settled) return this.peek(slackTeamId);
    if (!(await this.changes.settled())) return undefined;
    await this.patching;
    return this.peek(slackTeamId);
  }

  /**
   * The snapshot of `slackTeamId` in memory now (no I/O); undefined otherwise. With a signal from elsewhere it may
   * lag a write committed on another instance: use {@link current} before answering a user.
   */
  peek(slackTeamId: string): TeamSnapshot | undefined {
    return this.snapshots.get(slackTeamId)?.team;
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

  /**
   * One member was written (committed): loads under way are not kept; the snapshot of their organization, when
   * held, gets the member read again and patched in (dropped when its order cannot be reproduced).
   */
  private memberWritten(change: TeamChange): void {
    this.generation += 1;
    for (const [slackTeamId, held] of this.snapshots) {
      if (held.team.organization.id !== change.organizationId) continue;
      if (!held.patchable) {
        this.snapshots.delete(slackTeamId);
        continue;
      }
      this.patching = this.patching.then(() => this.patch(slackTeamId, change.memberId));
    }
  }

  /** Reads member `memberId` again and puts it (or its absence) into the snapshot of `slackTeamId`, if still held. */
  private async patch(slackTeamId: string, memberId: string): Promise<void> {
    let row: TeamMemberRow | null;
    try {
      row = await this.rows.member(memberId);
    } catch {
      // Cannot know what changed: the next read loads the team afresh.
      this.snapshots.delete(slackTeamId);
      return;
    }
    const held = this.snapshots.get(slackTeamId);
    if (!held) return;
    const member = row && row.organizationId === held.team.organization.id ? summaryOf(row) : null;
    this.snapshots.set(slackTeamId, { team: withMember(held.team, memberId, member), patchable: true });
  }

  private load(slackTeamId: string): Promise<TeamSnapshot | null> {
    const pending = this.loads.get(slackTeamId);
    if (pending && pending.generation === this.generation) return pending.promise;
    const generation = this.generation;
    const promise = this.read(slackTeamId)
      .then(async (held) => {
        // Kept only when no write was signalled since the load began, and the signal is live.
        const live = this.changes.settled ? await this.changes.settled() : true;
        if (held && live && generation === this.generation) this.snapshots.set(slackTeamId, held);
        return held?.team ?? null;
      })
      .finally(() => {
        if (this.loads.get(slackTeamId)?.promise === promise) this.loads.delete(slackTeamId);
      });
    this.loads.set(slackTeamId, { generation, promise });
    return promise;
  }

  private async read(slackTeamId: string): Promise<Held | null> {
    const organization = await this.rows.organizationOf(slackTeamId);
    if (!organization) return null;
    const members = (await this.rows.membersOf(organization.id)).map(summaryOf);
    let patchable = true;
    for (let i = 1; i < members.length && patchable; i += 1) {
      patchable = compareMembers(members[i - 1] as MemberSummary, members[i] as MemberSummary) <= 0;
    }
    return {
      team: teamOf(organization, members),
      patchable,
    };
  }
}

function summaryOf(row: TeamMemberRow): MemberSummary {
  return Object.freeze({
    id: row.id,
    email: row.email,
    slackUserId: row.slackUserId,
    role: row.role as Role,
  });
}

function teamOf(organization: TeamSnapshot['organization'], members: MemberSummary[]): TeamSnapshot {
  const bySlackUser = new Map<string, MemberSummary>();
  for (const m of members) if (m.slackUserId) bySlackUser.set(m.slackUserId, m);
  return { organization: Object.freeze(organization), members: Object.freeze(members), bySlackUser };
}

/**
 * `team` with member `memberId` replaced by `member` (put at its place in the order of {@link compareMembers}),
 * or removed when `member` is null. The snapshot given is not changed.
 */
export function withMember(team: TeamSnapshot, memberId: string, member: MemberSummary | null): TeamSnapshot {
  const members = team.members.filter((m) => m.id !== memberId);
  if (member) {
    let low = 0;
    let high = members.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (compareMembers(members[middle] as MemberSummary, member) <= 0) low = middle + 1;
      else high = middle;
    }
    members.splice(low, 0, member);
  }
  return teamOf(team.organization, members);
}

/** Code points above U+FFFF, where UTF-16 order and byte order part. */
const SURROGATE = /[\uD800-\uDFFF]/;

/**
 * The order of `/org members` (`MEMBERS_ORDER`: role, then email) as SQLite's BINARY collation and PostgreSQL's C
 * collation sort text: by the bytes of its UTF-8.
 */
export function compareMembers(a: MemberSummary, b: MemberSummary): number {
  return compareBytes(a.role, b.role) || compareBytes(a.email, b.email);
}

function compareBytes(a: string, b: string): number {
  if (SURROGATE.test(a) || SURROGATE.test(b)) return Buffer.compare(Buffer.from(a), Buffer.from(b));
  return a < b ? -1 : a > b ? 1 : 0;
}
