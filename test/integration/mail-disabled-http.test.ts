/**
 * MAIL_DISABLED=true (the harness's default when a test brings no SMTP sink): the start says that mail is off, and
 * invitations work as before: the invitation and its mail row are written, the mail stays queued, never sent.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { OutboxMail } from '../../src/mail/outbox.entity.js';
import { type Harness, startHarness, USERS, visibleText } from '../support/harness.js';

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
  await h.setupOrganization('Orbit Analytics');
});

afterAll(async () => h?.stop());

it('logs at start that mail is off, and an invitation is still made with its mail queued', async () => {
  expect(h.config.mailDisabled).toBe(true);
  expect(h.app.outbox).toBeNull();
  expect(h.logs()).toMatch(/"mailDisabled":true.*"msg":"mail is off \(MAIL_DISABLED=true\)/);
  const reply = await h.ask(USERS.ada.id, 'invite guest@example.com');
  expect(visibleText(reply)).toContain('guest@example.com');
  const mails = await h.em().find(OutboxMail, {});
  expect(mails.map((m) => [m.recipient, m.status, m.attempts])).toEqual([['guest@example.com', 'queued', 0]]);
});
