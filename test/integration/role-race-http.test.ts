/**
 * Issue 9 §3 through the running app: Admin Ada demotes Admin Bob while Bob runs `/org rename` and `/org clients
 * create` at the same moment — real signed slash commands, 40 rounds. Whatever the interleaving, a write of Bob's
 * is committed only while he is an Admin: every audit event of his in a round comes before the demotion's (audit
 * events are written in the same transaction as their change; their commit order is read from SQLite's rowid or,
 * on PostgreSQL, from a deferred trigger), the
 * organization's name and clients match those events, and a client secret reaches Bob only for a client created
 * before the demotion. The same holds for a button: Bob's Revoke click racing his demotion.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../../src/domain/clients/client.entity.js';
import { Invitation } from '../../src/domain/invitations/invitation.entity.js';
import { Member } from '../../src/domain/members/member.entity.js';
import { Organization } from '../../src/domain/organizations/organization.entity.js';
import { type Harness, startHarness, USERS, visibleText } from '../support/harness.js';

const { ada, bob } = USERS;
const ROUNDS = 40;
/** Each race test runs many rounds of real requests: on a loaded 2-core machine that outlasts the default 20 s. */
const RACE_TIMEOUT_MS = 90_000;

interface AuditRow {
  seq: number;
  action: string;
  actor: string | null;
  target: string | null;
  details: string;
}

/**
 * The audit events after `seq` in commit order. SQLite: the rowid (one writer at a time, so insertion order is commit
 * order). PostgreSQL: a deferred constraint trigger (installed by {@link recordCommitOrder}) numbers each event at
 * its transaction's COMMIT, from a sequence.
 */
async function auditSince(h: Harness, seq: number): Promise<AuditRow[]> {
  const sql =
    h.db.kind === 'postgresql'
      ? 'select o.seq::int as seq, action, actor_slack_user_id as actor, target_id as target, details::text as details ' +
        'from audit_events e join audit_commit_order o on o.event_id = e.id where o.seq > ? order by o.seq'
      : 'select rowid as seq, action, actor_slack_user_id as actor, target_id as target, details from audit_events where rowid > ? order by rowid';
  return h.em().getConnection().execute<AuditRow[]>(sql, [seq]);
}

/** On PostgreSQL, numbers audit events in commit order (see {@link auditSince}); nothing on SQLite. */
async function recordCommitOrder(h: Harness): Promise<void> {
  if (h.db.kind !== 'postgresql') return;
  const connection = h.em().getConnection();
  await connection.execute('create sequence audit_commit_seq');
  await connection.execute(
    'create table audit_commit_order (event_id text primary key, seq bigint not null)',
  );
  await connection.execute(
    'create function audit_committed() returns trigger language plpgsql as $$ begin ' +
      "insert into audit_commit_order values (new.id, nextval('audit_commit_seq')); return null; end $$",
  );
  await connection.execute(
    'create constraint trigger audit_committed after insert on audit_events deferrable initially deferred ' +
      'for each row execute function audit_committed()',
  );
}

/**
 * Sends `/org <text>` as `userId` and returns the first new ephemeral to them that `matches` (two commands of one
 * user run at once here, so "the next reply" alone would be ambiguous).
 */
async function askMatching(h: Harness, userId: string, text: string, matches: RegExp) {
  const before = new Set(h.standin.ephemerals);
  const ack = await h.command(userId, text);
  expect(ack.status).toBe(200);
  return h.standin.waitFor(
    () =>
      h.standin.ephemerals.find((e) => e.user === userId && !before.has(e) && matches.test(visibleText(e))),
    5000,
    `a reply to /org ${text}`,
  );
}

async function lastSeq(h: Harness): Promise<number> {
  const sql =
    h.db.kind === 'postgresql'
      ? 'select max(seq)::int as seq from audit_commit_order'
      : 'select max(rowid) as seq from audit_events';
  const rows = await h.em().getConnection().execute<{ seq: number | null }[]>(sql);
  return rows[0]?.seq ?? 0;
}

describe('a demotion racing the demoted Admin’s own changes', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    await recordCommitOrder(h);
    await h.setupOrganization('Orbit Analytics');
    const em = h.em();
    const organization = await em.findOneOrFail(Organization, { slackTeamId: h.standin.team.id });
    em.persist(
      new Member({ organization, email: bob.email, role: 'member', slackUserId: bob.id, now: h.clock.now() }),
    );
    await em.flush();
  });
  afterAll(async () => h.stop());

  it(
    `no write of Bob's commits after his demotion (${ROUNDS} rounds of rename + clients create)`,
    async () => {
      const outcomes = { before: 0, after: 0 };
      for (let round = 0; round < ROUNDS; round += 1) {
        expect(visibleText(await h.ask(ada.id, `role <@${bob.id}> admin`))).toContain('Admin');
        const nameBefore = (await h.em().findOneOrFail(Organization, { slackTeamId: h.standin.team.id }))
          .name;
        const seq = await lastSeq(h);
        const newName = `Orbit Round ${round}`;
        const clientName = `Race client ${round}`;
        const [, renamed, created] = await Promise.all([
          h.ask(ada.id, `role <@${bob.id}> member`),
          askMatching(h, bob.id, `rename ${newName}`, /Renamed|rename the organization/),
          askMatching(h, bob.id, `clients create ${clientName}`, /abo_cs_|create API clients/),
        ]);

        const events = await auditSince(h, seq);
        const demotion = events.find(
          (e) =>
            e.action === 'member.role_changed' && e.actor === ada.id && e.details.includes('"to":"member"'),
        );
        expect(demotion, `round ${round}: the demotion is recorded`).toBeDefined();
        const bobs = events.filter((e) => e.actor === bob.id);
        for (const e of bobs) {
          expect(e.seq, `round ${round}: ${e.action} by Bob was committed after his demotion`).toBeLessThan(
            demotion?.seq ?? 0,
          );
        }

        // The final state agrees with the record: the rename and the client exist exactly when recorded.
        const renameEvent = bobs.find((e) => e.action === 'organization.renamed');
        const org = await h.em().findOneOrFail(Organization, { slackTeamId: h.standin.team.id });
        expect(org.name).toBe(renameEvent ? newName : nameBefore);
        expect(visibleText(renamed)).toContain(renameEvent ? newName : 'Only admins can rename');

        const createEvent = bobs.find((e) => e.action === 'client.created');
        const client = await h.em().findOne(ApiClient, { name: clientName });
        const secretShown = /abo_cs_/.test(visibleText(created));
        expect(
          Boolean(client),
          `round ${round}: the client exists exactly when its creation was recorded`,
        ).toBe(Boolean(createEvent));
        expect(
          secretShown,
          `round ${round}: a secret was shown only for a client created before the demotion`,
        ).toBe(Boolean(createEvent));
        if (!createEvent) expect(visibleText(created)).toContain('Only admins can create API clients');

        if (renameEvent || createEvent) outcomes.before += 1;
        else outcomes.after += 1;
        expect(await h.em().count(Member, { slackUserId: bob.id, role: 'member' })).toBe(1);
      }
      expect(outcomes.before + outcomes.after).toBe(ROUNDS);
    },
    RACE_TIMEOUT_MS,
  );

  it(
    'a button is no different: Revoke clicked by Bob while Ada demotes him (20 rounds)',
    async () => {
      for (let round = 0; round < 20; round += 1) {
        expect(visibleText(await h.ask(ada.id, `role <@${bob.id}> admin`))).toContain('Admin');
        const email = `button-race-${round}@example.com`;
        await h.ask(ada.id, `invite ${email}`);
        const inv = await h.em().findOneOrFail(Invitation, { email });
        // Bob's list, shown while he is an Admin: its Revoke button is what he clicks.
        const list = await h.ask(bob.id, 'invites');
        const seq = await lastSeq(h);
        const before = new Set(h.standin.ephemerals);
        const [, click] = await Promise.all([
          h.ask(ada.id, `role <@${bob.id}> member`),
          h.standin.blockAction(
            bob.id,
            { actionId: 'invitation_revoke', blockId: `invite_${inv.id}` },
            { channelId: list.channel, messageTs: list.ts },
          ),
        ]);
        expect(click.status).toBe(200);
        const answer = await h.standin.waitFor(
          () =>
            h.standin.ephemerals.find(
              (e) => e.user === bob.id && !before.has(e) && /revoked|revoke invitations/.test(visibleText(e)),
            ),
          5000,
          'the answer to the click',
        );
        const events = await auditSince(h, seq);
        const demotion = events.find((e) => e.action === 'member.role_changed' && e.actor === ada.id);
        const revoked = events.find((e) => e.action === 'invitation.revoked' && e.actor === bob.id);
        expect(demotion).toBeDefined();
        if (revoked) expect(revoked.seq).toBeLessThan(demotion?.seq ?? 0);
        const status = (await h.em().findOneOrFail(Invitation, inv.id)).status;
        expect(status).toBe(revoked ? 'revoked' : 'pending');
        if (!revoked) expect(visibleText(answer)).toContain('Only admins can revoke invitations');
      }
    },
    RACE_TIMEOUT_MS,
  );
});
