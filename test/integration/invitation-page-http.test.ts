/**
 * Issue 9 §5a: the invitation page by HTTP's rules, through the running app with links from real mail. Each final
 * state answers one status on every method (revoked or expired 410, accepted or declined 409); every request is
 * checked as strictly as the token endpoint checks its own (method, media type and charset, body size, query
 * string on POST, token shape, form fields), and a refused request changes nothing. A final state wins over the
 * method and the form (the README's table), and the page answers at one address only: any other spelling is 404.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServices } from '../../src/adapters.js';
import { AuditEvent } from '../../src/domain/audit/audit-event.entity.js';
import { Invitation } from '../../src/domain/invitations/invitation.entity.js';
import { Member } from '../../src/domain/members/member.entity.js';
import { type Harness, startHarnessWithMail, stopHarnessWithMail, USERS } from '../support/harness.js';
import type { MailSink } from '../support/mail-sink.js';

const { ada } = USERS;
const FORM = 'application/x-www-form-urlencoded';

let h: Harness;
let sink: MailSink;

/** The invitation link (path with token) in the last mail to `to`. */
function pathIn(to: string): string {
  const mail = [...sink.received].reverse().find((m) => JSON.stringify(m.to).includes(to));
  const path = /\/invitations\/abo_inv_[A-Za-z0-9_-]{43}/.exec(mail?.text ?? '')?.[0];
  if (!path) throw new Error(`no invitation link mailed to ${to}`);
  return path;
}

async function invite(email: string): Promise<string> {
  await h.ask(ada.id, `invite ${email}`);
  await h.app.outbox?.drain();
  return `${h.url}${pathIn(email)}`;
}

async function send(
  url: string,
  method: string,
  options: { type?: string | null; body?: string } = {},
): Promise<{ status: number; allow: string | null; body: string }> {
  const headers: Record<string, string> = {};
  const type = options.type === undefined ? FORM : options.type;
  if (type !== null && method === 'POST') headers['content-type'] = type;
  const res = await fetch(url, {
    method,
    headers,
    ...(method === 'POST' || method === 'PUT' || method === 'PATCH'
      ? { body: options.body ?? 'decision=accept' }
      : {}),
  });
  return { status: res.status, allow: res.headers.get('allow'), body: await res.text() };
}

beforeAll(async () => {
  ({ h, sink } = await startHarnessWithMail());
});
afterAll(() => stopHarnessWithMail(h, sink));

describe('each final state, one status on every method', () => {
  it('accepted and declined answer 409; revoked and expired answer 410 — to GET, HEAD and POST alike', async () => {
    const links = {
      accepted: await invite('acc@example.com'),
      declined: await invite('dec@example.com'),
      revoked: await invite('rev@example.com'),
      expired: await invite('exp@example.com'),
    };
    expect((await send(links.accepted, 'POST', { body: 'decision=accept' })).status).toBe(200);
    expect((await send(links.declined, 'POST', { body: 'decision=decline' })).status).toBe(200);
    const services = createServices(h.em(), h.clock);
    const actor = await services.members.resolveActor(h.standin.team.id, ada.id, async () => null);
    const rev = await h.em().findOneOrFail(Invitation, { email: 'rev@example.com' });
    await services.invitations.revoke(actor, rev.id);
    await h
      .em()
      .nativeUpdate(
        Invitation,
        { email: 'exp@example.com' },
        { expiresAt: new Date(h.clock.now().getTime() - 1000) },
      );

    const expected = { accepted: 409, declined: 409, revoked: 410, expired: 410 } as const;
    for (const [state, url] of Object.entries(links) as [keyof typeof expected, string][]) {
      for (const method of ['GET', 'HEAD', 'POST']) {
        for (const body of ['decision=accept', 'decision=decline']) {
          if (method !== 'POST' && body !== 'decision=accept') continue;
          const res = await send(url, method, { body });
          expect(res.status, `${state} ${method} ${body}`).toBe(expected[state]);
          if (method === 'HEAD') expect(res.body).toBe('');
        }
      }
      expect(
        (await h.em().findOneOrFail(Invitation, { email: `${state.slice(0, 3)}@example.com` })).status,
      ).toBe(state);
    }
  });
});

/** Every method the matrix tries: the three the page serves and the ones it never accepts. */
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'];

/** POST bodies that would be refused on an open invitation (400, 413, 415 and a query string). */
const BAD_POSTS: Array<{ suffix?: string; type?: string | null; body: string }> = [
  { body: 'decision=maybe' },
  { body: 'decision=accept', type: 'text/plain' },
  { body: `decision=accept&pad=${'x'.repeat(5000)}` },
  { body: 'decision=accept', suffix: '?utm_source=mail' },
];

describe("the README's status table, every method against every state", () => {
  it('unknown 404, revoked and expired 410, accepted and declined 409 — on every method, whatever the form', async () => {
    const links = {
      accepted: await invite('m-acc@example.com'),
      declined: await invite('m-dec@example.com'),
      revoked: await invite('m-rev@example.com'),
      expired: await invite('m-exp@example.com'),
      unknown: `${h.url}/invitations/abo_inv_${'Q'.repeat(43)}`,
    };
    expect((await send(links.accepted, 'POST', { body: 'decision=accept' })).status).toBe(200);
    expect((await send(links.declined, 'POST', { body: 'decision=decline' })).status).toBe(200);
    const services = createServices(h.em(), h.clock);
    const actor = await services.members.resolveActor(h.standin.team.id, ada.id, async () => null);
    const rev = await h.em().findOneOrFail(Invitation, { email: 'm-rev@example.com' });
    await services.invitations.revoke(actor, rev.id);
    await h
      .em()
      .nativeUpdate(
        Invitation,
        { email: 'm-exp@example.com' },
        { expiresAt: new Date(h.clock.now().getTime() - 1000) },
      );
    const audited = await h.em().count(AuditEvent, {});

    const expected = { accepted: 409, declined: 409, revoked: 410, expired: 410, unknown: 404 } as const;
    for (const [state, url] of Object.entries(links) as [keyof typeof expected, string][]) {
      for (const method of METHODS) {
        const res = await send(url, method, { body: 'decision=accept' });
        expect(res.status, `${state} ${method}`).toBe(expected[state]);
        expect(res.allow, `${state} ${method}: Allow only with 405`).toBeNull();
        if (method === 'HEAD') expect(res.body).toBe('');
      }
      for (const post of BAD_POSTS) {
        const res = await send(`${url}${post.suffix ?? ''}`, 'POST', post);
        expect(res.status, `${state} POST ${post.type ?? ''} ${post.suffix ?? ''}`).toBe(expected[state]);
      }
    }
    for (const state of ['accepted', 'declined', 'revoked', 'expired'] as const) {
      const inv = await h.em().findOneOrFail(Invitation, { email: `m-${state.slice(0, 3)}@example.com` });
      expect(inv.status).toBe(state);
    }
    // The expiry is the one write the lookups made (the first request to see it recorded it); nothing else changed.
    expect(await h.em().count(AuditEvent, {})).toBe(audited + 1);
    const exp = await h.em().findOneOrFail(Invitation, { email: 'm-exp@example.com' });
    expect(await h.em().count(AuditEvent, { action: 'invitation.expired', targetId: exp.id })).toBe(1);
  });

  it('an open invitation: GET and HEAD 200, POST acts, every other method 405 with Allow', async () => {
    const url = await invite('m-open@example.com');
    for (const method of METHODS) {
      const res = await send(url, method, { body: 'decision=maybe' });
      const want = method === 'GET' || method === 'HEAD' ? 200 : method === 'POST' ? 400 : 405;
      expect(res.status, method).toBe(want);
      expect(res.allow, method).toBe(want === 405 ? 'GET, HEAD, POST' : null);
    }
    expect((await h.em().findOneOrFail(Invitation, { email: 'm-open@example.com' })).status).toBe('pending');
    expect((await send(url, 'POST', { body: 'decision=decline' })).status).toBe(200);
    expect((await h.em().findOneOrFail(Invitation, { email: 'm-open@example.com' })).status).toBe('declined');
  });
});

describe('what a new user meets on the page', () => {
  it('a link opened with tracking parameters can still be answered: the form posts to the bare address', async () => {
    const url = await invite('m-utm@example.com');
    const shown = `${url}?utm_source=mail&utm_campaign=invite`;
    const res = await send(shown, 'GET');
    expect(res.status).toBe(200);
    const action = /<form method="post" action="([^"]*)"/.exec(res.body)?.[1];
    if (action === undefined) throw new Error('no form action on the page');
    // Resolved as a browser resolves it against the address in its bar.
    const target = new URL(action, shown);
    expect(target.search).toBe('');
    expect(target.href).toBe(url);
    expect((await send(target.href, 'POST', { body: 'decision=accept' })).status).toBe(200);
    expect((await h.em().findOneOrFail(Invitation, { email: 'm-utm@example.com' })).status).toBe('accepted');
  });

  it('a refusal reads as plain text: escaped once, the address in Unicode', async () => {
    await h.ask(ada.id, 'rename R&D Labs');
    const url = await invite('m-joined@bücher.example');
    // The invitee joined meanwhile by another way (a row written directly): accepting is refused, 409.
    const em = h.em();
    const inv = await em.findOneOrFail(
      Invitation,
      { email: 'm-joined@xn--bcher-kva.example' },
      {
        populate: ['organization'],
      },
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
    const res = await send(url, 'POST', { body: 'decision=accept' });
    expect(res.status).toBe(409);
    expect(res.body).toContain('m-joined@bücher.example is already a member of R&amp;D Labs.');
    expect(res.body).not.toContain('&amp;amp;');
    expect(res.body).not.toContain('xn--');
    await h.ask(ada.id, 'rename Orbit Analytics');
  });
});

describe('the page has one address', () => {
  it('a trailing slash or any other spelling of the path is 404 on every method, and changes nothing', async () => {
    const url = await invite('m-path@example.com');
    const token = url.slice(url.lastIndexOf('/') + 1);
    const variants = [
      `${url}/`,
      `${url}//`,
      `${url}/?utm_source=mail`,
      `${url}/accept`,
      `${url}%2F`,
      `${url};x`,
      `${h.url}/invitations/%${token.charCodeAt(0).toString(16)}${token.slice(1)}`,
      `${h.url}/invitations//${token}`,
      `${h.url}//invitations/${token}`,
      `${h.url}/Invitations/${token}`,
      `${h.url}/invitations/${token.toUpperCase()}`,
    ];
    for (const variant of variants) {
      for (const method of METHODS) {
        const res = await send(variant, method, { body: 'decision=accept' });
        expect(res.status, `${method} ${variant.slice(h.url.length)}`).toBe(404);
      }
    }
    expect((await h.em().findOneOrFail(Invitation, { email: 'm-path@example.com' })).status).toBe('pending');
    expect((await send(url, 'GET')).status).toBe(200);
  });
});

describe('requests checked as strictly as the token endpoint checks its own', () => {
  let url: string;
  let invitationId: string;
  beforeAll(async () => {
    url = await invite('strict@example.com');
    invitationId = (await h.em().findOneOrFail(Invitation, { email: 'strict@example.com' })).id;
  });

  async function unchanged(): Promise<void> {
    const inv = await h.em().findOneOrFail(Invitation, invitationId, { refresh: true });
    expect(inv.status).toBe('pending');
    expect(
      await h.em().count(AuditEvent, { targetId: invitationId, action: { $ne: 'invitation.sent' } }),
    ).toBe(0);
  }

  it('a method other than GET, HEAD, POST is 405 with Allow', async () => {
    for (const method of ['PUT', 'PATCH', 'DELETE', 'OPTIONS']) {
      const res = await send(url, method);
      expect(res.status, method).toBe(405);
      expect(res.allow, method).toBe('GET, HEAD, POST');
    }
    await unchanged();
  });

  it('a POST that is not UTF-8 form encoding is 415', async () => {
    for (const type of [
      null,
      'text/plain',
      'application/json',
      'multipart/form-data; boundary=x',
      `${FORM}; charset=iso-8859-1`,
    ]) {
      const res = await send(url, 'POST', {
        type,
        body: type === 'application/json' ? '{"decision":"accept"}' : 'decision=accept',
      });
      expect(res.status, String(type)).toBe(415);
      expect(res.body).toContain('Nothing was changed.');
    }
    await unchanged();
    // The media type's case and a UTF-8 charset are accepted (this form is refused for its field, not its type).
    expect(
      (
        await send(url, 'POST', {
          type: 'Application/X-WWW-Form-Urlencoded; charset=UTF-8',
          body: 'decision=maybe',
        })
      ).status,
    ).toBe(400);
  });

  it('a body over 4 KiB is 413', async () => {
    const res = await send(url, 'POST', { body: `decision=accept&pad=${'x'.repeat(5000)}` });
    expect(res.status).toBe(413);
    await unchanged();
  });

  it('a POST with a query string is 400; GET and HEAD ignore query parameters', async () => {
    expect((await send(`${url}?decision=accept`, 'POST', { body: 'decision=accept' })).status).toBe(400);
    expect((await send(`${url}?utm_source=mail`, 'POST', { body: 'decision=accept' })).status).toBe(400);
    await unchanged();
    expect((await send(`${url}?utm_source=mail`, 'GET')).status).toBe(200);
    expect((await send(`${url}?utm_source=mail`, 'HEAD')).status).toBe(200);
  });

  it('unknown, repeated, empty or bad form fields are 400', async () => {
    for (const body of [
      '',
      'decision=',
      'decision=yes',
      'Decision=accept',
      'decision=accept&x=1',
      'decision=accept&decision=accept',
    ]) {
      expect((await send(url, 'POST', { body })).status, body).toBe(400);
    }
    await unchanged();
  });

  it('a malformed or unknown token is 404 on every method', async () => {
    const base = `${h.url}/invitations/`;
    const tokens = [
      'abc',
      `abo_inv_${'A'.repeat(42)}`,
      `abo_inv_${'A'.repeat(44)}`,
      `abo_inv_${'A'.repeat(43)}`,
      '%00',
    ];
    for (const token of tokens) {
      for (const method of ['GET', 'HEAD', 'POST']) {
        expect((await send(`${base}${token}`, method)).status, `${method} ${token}`).toBe(404);
      }
    }
    await unchanged();
  });

  it('a good POST on the open invitation answers 200, and from then on 409 everywhere', async () => {
    expect((await send(url, 'POST', { body: 'decision=accept' })).status).toBe(200);
    for (const method of ['GET', 'HEAD', 'POST']) expect((await send(url, method)).status, method).toBe(409);
  });
});
