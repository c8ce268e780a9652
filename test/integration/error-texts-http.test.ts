/**
 * Issue 10 §1, through the running app: the REST API and the invitation page word domain errors in their own plain
 * words — the API's JSON `message` and the page's paragraph hold no Slack syntax — while the Slack side, for the
 * same refusal, keeps its mrkdwn. (Every code of every table is covered by test/unit/error-texts.test.ts.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Invitation } from '../../src/domain/invitations/invitation.entity.js';
import { Member } from '../../src/domain/members/member.entity.js';
import { type Harness, startHarness, USERS, visibleText } from '../support/harness.js';
import { type MailSink, mailSink } from '../support/mail-sink.js';
import { slackSyntaxIn } from '../support/slack-syntax.js';

const { ada } = USERS;

let h: Harness;
let sink: MailSink;
let bearer: string;

beforeAll(async () => {
  sink = await mailSink();
  await sink.start();
  h = await startHarness({ env: { SMTP_URL: sink.url, MAIL_WORKER_INTERVAL_MS: '3600000' } });
  await h.setupOrganization('R&D Labs');
  // Data scopes: this file words the API's errors, including those of writes.
  const text = visibleText(
    await h.ask(
      ada.id,
      'clients create Integration --scopes data-sources:read,data-sources:write,data-layers:read,data-layers:write',
    ),
  );
  const clientId = /cli_[a-z2-7]{20}/.exec(text)?.[0] ?? '';
  const secret = /abo_cs_[0-9A-Za-z]+/.exec(text)?.[0] ?? '';
  const res = await fetch(`${h.url}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: clientId,
      client_secret: secret,
    }),
  });
  expect(res.status).toBe(200);
  bearer = ((await res.json()) as { access_token: string }).access_token;
});

afterAll(async () => {
  await h.stop();
  await sink.stop();
});

async function api(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${h.url}/api/v1${path}`, {
    method,
    headers: {
      authorization: `Bearer ${bearer}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

describe('the REST API words domain errors in plain text', () => {
  it('an unknown data source or layer, and names the domain refuses: stable codes, no Slack syntax', async () => {
    const cases: Array<[string, string, unknown, number, string, RegExp]> = [
      [
        'GET',
        '/data-sources/ds_missing',
        undefined,
        404,
        'not_found',
        /^No data source with id ds_missing\.$/,
      ],
      [
        'DELETE',
        '/data-layers/dl_missing',
        undefined,
        404,
        'not_found',
        /^No data layer with id dl_missing\.$/,
      ],
      ['POST', '/data-sources', { name: '' }, 400, 'invalid_request', /./],
      ['POST', '/data-layers', { name: 'a\tb' }, 400, 'invalid_request', /control characters/],
      ['POST', '/data-layers', { name: 'x'.repeat(121) }, 400, 'invalid_request', /at most/],
    ];
    for (const [method, path, body, status, error, message] of cases) {
      const res = await api(method, path, body);
      const label = `${method} ${path} ${JSON.stringify(body)}`;
      expect(res.status, label).toBe(status);
      expect(res.json.error, label).toBe(error);
      expect(res.json.message, label).toMatch(message);
      expect(slackSyntaxIn(String(res.json.message)), label).toEqual([]);
    }
  });
});

describe('the invitation page words domain errors in plain text', () => {
  /** The refusal paragraph of a page, as text. */
  function refusalOf(html: string): string {
    const p = /<h1>[^<]*<\/h1><p>([^<]*)<\/p>/.exec(html)?.[1];
    if (p === undefined) throw new Error(`no refusal paragraph in ${html}`);
    return p;
  }

  it('an invitee who joined meanwhile: 409, escaped once, no mention, no command hint', async () => {
    await h.ask(ada.id, 'invite m-raced@example.com');
    await h.app.outbox?.drain();
    const mail = [...sink.received]
      .reverse()
      .find((m) => JSON.stringify(m.to).includes('m-raced@example.com'));
    const path = /\/invitations\/abo_inv_[A-Za-z0-9_-]{43}/.exec(mail?.text ?? '')?.[0];
    expect(path).toBeDefined();
    const em = h.em();
    const inv = await em.findOneOrFail(
      Invitation,
      { email: 'm-raced@example.com' },
      { populate: ['organization'] },
    );
    em.persist(
      new Member({
        organization: inv.organization,
        email: inv.email,
        role: 'member',
        slackUserId: null,
        now: h.clock.now(),
      }),
    );
    await em.flush();
    const res = await fetch(`${h.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'decision=accept',
    });
    expect(res.status).toBe(409);
    const text = refusalOf(await res.text());
    expect(text).toBe('m-raced@example.com is already a member of R&amp;D Labs.');
    expect(slackSyntaxIn(text)).toEqual([]);
  });

  it('the same refusal in Slack keeps its own words', async () => {
    const reply = visibleText(await h.ask(ada.id, 'invite m-raced@example.com'));
    expect(reply).toContain('m-raced@example.com is already a member of R&amp;D Labs.');
  });
});
