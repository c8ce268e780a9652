/**
 * `/org audit export [days]` through Slack: signed commands into the running app, the loopback stand-in playing
 * Slack's external upload flow (files.getUploadURLExternal → POST to the upload_url → files.completeUploadExternal).
 * The file must reach the requesting Admin's DM with the bot, hold the period's events as JSON lines, and hold no
 * secret; a Member, a bad `days` or a failed upload shares nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditEvent } from '../../src/domain/audit/audit-event.entity.js';
import { auditExportBatches } from '../../src/domain/audit/audit-export.js';
import { Member } from '../../src/domain/members/member.entity.js';
import { Organization } from '../../src/domain/organizations/organization.entity.js';
import { type Harness, startHarness, USERS, visibleText } from '../support/harness.js';

const { ada, bob } = USERS;
const DAY = 86_400_000;
const SECRET = /abo_cs_[0-9A-Za-z]+/g;
const CLIENT_ID = /cli_[a-z2-7]{20}/;

interface Line {
  id: string;
  time: string;
  actor: { type: string; member_id?: string | null; slack_user_id?: string | null };
  action: string;
  target: { type: string; id: string | null };
  details: Record<string, unknown>;
}

describe('/org audit export through Slack', () => {
  let h: Harness;
  let organization: Organization;
  const secrets: string[] = [];

  async function addEvent(at: Date, action: string, targetId: string): Promise<AuditEvent> {
    const em = h.em();
    const event = new AuditEvent({
      organization: em.getReference(Organization, organization.id),
      at,
      actorSlackUserId: ada.id,
      action,
      targetType: 'member',
      targetId,
      details: { email: `${targetId}@example.com` },
    });
    await em.persist(event).flush();
    return event;
  }

  function uploadCalls(): number {
    return h.standin.callsTo('files.getUploadURLExternal').length;
  }

  beforeAll(async () => {
    h = await startHarness();
    await h.setupOrganization('Orbit Analytics');
    const em = h.em();
    organization = await em.findOneOrFail(Organization, { slackTeamId: h.standin.team.id });
    em.persist(
      new Member({ organization, email: bob.email, role: 'member', slackUserId: bob.id, now: h.clock.now() }),
    );
    await em.flush();
  });
  afterAll(async () => h.stop());

  it("sends an Admin the period's events as JSON lines in their DM, with no secret, and says what it sent", async () => {
    const created = await h.ask(ada.id, 'clients create Nightly Sync');
    const clientId = CLIENT_ID.exec(visibleText(created))?.[0];
    secrets.push(...(visibleText(created).match(SECRET) ?? []));
    const rotated = await h.ask(ada.id, `clients rotate ${clientId}`);
    secrets.push(...(visibleText(rotated).match(SECRET) ?? []));
    expect(secrets).toHaveLength(2);

    const now = h.clock.now().getTime();
    const outside = await addEvent(new Date(now - 40 * DAY), 'member.removed', 'old');
    const inside = await addEvent(new Date(now - 29 * DAY), 'member.removed', 'recent');
    h.clock.advance(1000);
    const until = h.clock.now();
    const since = new Date(until.getTime() - 30 * DAY);
    const expected = await h
      .em()
      .find(
        AuditEvent,
        { organization: organization.id, createdAt: { $gte: since, $lt: until } },
        { orderBy: { createdAt: 'asc', id: 'asc' } },
      );
    expect(expected.length).toBeGreaterThanOrEqual(4);

    const note = await h.ask(ada.id, 'audit export');
    const dm = h.standin.imChannelOf(ada.id);
    const [file] = h.standin.filesIn(dm);
    if (!file?.bytes) throw new Error('no file was shared in the DM');
    expect(file.completed).toBe(true);
    expect(file.name).toBe(
      `audit-events-${since.toISOString().slice(0, 10)}-to-${until.toISOString().slice(0, 10)}.jsonl`,
    );
    expect(file.title).toBe('Audit events of Orbit Analytics, last 30 days');
    const text = file.bytes.toString('utf8');
    expect(text.endsWith('\n')).toBe(true);
    const lines = text
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Line);
    expect(lines.map((l) => l.id)).toEqual(expected.map((e) => e.id));
    expect(lines.map((l) => l.id)).toContain(inside.id);
    expect(lines.map((l) => l.id)).not.toContain(outside.id);
    for (const line of lines) {
      expect(Object.keys(line)).toEqual(['id', 'time', 'actor', 'action', 'target', 'details']);
      expect(line.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      const t = Date.parse(line.time);
      expect(t >= since.getTime() && t < until.getTime()).toBe(true);
    }
    const rotation = lines.find((l) => l.action.includes('rotate'));
    expect(rotation?.actor.slack_user_id).toBe(ada.id);
    for (const secret of secrets) expect(text).not.toContain(secret);
    expect(text).not.toMatch(/abo_(cs|at|inv)_|xox[abp]-/);

    expect(note.text).toContain(`${lines.length} audit events`);
    expect(visibleText(note)).toContain('Orbit Analytics');
    expect(visibleText(note)).toContain('the last 30 days');
    expect(visibleText(note)).toContain(file.name);
    const [open] = h.standin.callsTo('conversations.open');
    expect(open?.args.users).toBe(ada.id);
    expect(h.standin.callsTo('files.completeUploadExternal').at(-1)?.args.channel_id).toBe(dm);
    expect(h.standin.apiErrors).toEqual([]);
    expect(h.logs()).not.toContain(secrets[0]);
    // The export is itself in the audit log: who took which period out, and how many events.
    const recorded = await h
      .em()
      .find(AuditEvent, { organization: organization.id, action: 'audit.exported' });
    expect(recorded).toHaveLength(1);
    expect(recorded[0]?.actorSlackUserId).toBe(ada.id);
    expect(recorded[0]?.details).toEqual({
      since: since.toISOString(),
      until: until.toISOString(),
      events: lines.length,
      filename: file.name,
    });
  });

  it('takes a number of days, reaching further back', async () => {
    const before = h.standin.files.length;
    const note = await h.ask(ada.id, 'audit export 45');
    expect(visibleText(note)).toContain('the last 45 days');
    const file = h.standin.files[before];
    const ids = (file?.bytes?.toString('utf8').trimEnd().split('\n') ?? []).map(
      (l) => (JSON.parse(l) as Line).target.id,
    );
    expect(ids).toContain('old');
    expect(ids).toContain('recent');
  });

  it('refuses a Member, and shares nothing', async () => {
    const calls = uploadCalls();
    const files = h.standin.files.length;
    const reply = await h.ask(bob.id, 'audit export');
    expect(visibleText(reply)).toContain('Only admins can read the audit log.');
    expect(uploadCalls()).toBe(calls);
    expect(h.standin.files).toHaveLength(files);
    expect(h.standin.filesIn(h.standin.imChannelOf(bob.id))).toEqual([]);
  });

  it.each(['0', '366', 'week', '-3', '2.5'])(
    'refuses %s days, naming the range, and sends nothing',
    async (days) => {
      const calls = uploadCalls();
      const reply = await h.ask(ada.id, `audit export ${days}`);
      expect(visibleText(reply)).toContain(
        `\`${days}\` is not a number of days: give a whole number from 1 to 365`,
      );
      expect(uploadCalls()).toBe(calls);
    },
  );

  it('refuses more than one argument', async () => {
    const calls = uploadCalls();
    const reply = await h.ask(ada.id, 'audit export 7 30');
    expect(visibleText(reply)).toContain('Give at most one number of days');
    expect(uploadCalls()).toBe(calls);
  });

  it('apologises when Slack fails the completion, and nothing is shared', async () => {
    const dm = h.standin.imChannelOf(ada.id);
    const shared = h.standin.filesIn(dm).length;
    const fault = h.standin.addFault({ method: 'files.completeUploadExternal', status: 500 });
    try {
      const reply = await h.ask(ada.id, 'audit export 7');
      expect(visibleText(reply)).toMatch(
        /^Sorry, the audit export could not be delivered: Slack did not accept the file, and nothing was shared\..*Reference: `[0-9a-f]{8}`/s,
      );
    } finally {
      h.standin.clearFaults(fault.id);
    }
    expect(h.standin.filesIn(dm)).toHaveLength(shared);
    expect(h.standin.files.at(-1)?.completed).toBe(false);
    // Nothing left the building: no audit.exported event beyond those of the exports that were shared.
    expect(await h.em().count(AuditEvent, { organization: organization.id, action: 'audit.exported' })).toBe(
      shared,
    );
    expect(h.logs()).toContain('audit export: Slack did not take the file');
  });

  it('says Slack is busy when Slack rate-limits the upload, and shares nothing', async () => {
    const dm = h.standin.imChannelOf(ada.id);
    const shared = h.standin.filesIn(dm).length;
    const fault = h.standin.addFault({
      method: 'files.getUploadURLExternal',
      status: 429,
      retryAfterSeconds: 5,
    });
    try {
      const reply = await h.ask(ada.id, 'audit export 7');
      expect(visibleText(reply)).toContain('Slack is busy right now. Try again in a few seconds.');
    } finally {
      h.standin.clearFaults(fault.id);
    }
    expect(h.standin.filesIn(dm)).toHaveLength(shared);
  });

  it('says so when the period holds no event, and sends no file', async () => {
    h.clock.advance(3 * DAY);
    const calls = uploadCalls();
    const reply = await h.ask(ada.id, 'audit export 1');
    expect(visibleText(reply)).toContain('has no audit event from the last day');
    expect(uploadCalls()).toBe(calls);
  });

  it('is listed in the help of Admins, not of Members', async () => {
    expect(visibleText(await h.ask(ada.id, 'help'))).toContain('/org audit export [days]');
    expect(visibleText(await h.ask(bob.id, 'help'))).not.toContain('/org audit export');
  });

  it('reads by keyset: batches give each event once, in order, ties in one millisecond broken by id', async () => {
    const at = new Date(h.clock.now().getTime() - 1000);
    for (let i = 0; i < 7; i += 1) await addEvent(at, 'member.removed', `tie${i}`);
    const em = h.em();
    const org = await em.findOneOrFail(Organization, { id: organization.id });
    const admin = await em.findOneOrFail(Member, { slackUserId: ada.id });
    const actor = { slackTeamId: h.standin.team.id, slackUserId: ada.id, organization: org, member: admin };
    const period = { since: new Date(at.getTime() - DAY), until: h.clock.now() };
    const batches: string[][] = [];
    for await (const batch of auditExportBatches(em, actor, period, 3)) batches.push(batch.map((e) => e.id));
    expect(batches.map((b) => b.length)).toEqual([3, 3, 1]);
    const all = await h
      .em()
      .find(AuditEvent, { organization: organization.id, createdAt: at }, { orderBy: { id: 'asc' } });
    expect(batches.flat()).toEqual(all.map((e) => e.id));
  });
});
