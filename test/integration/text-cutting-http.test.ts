/**
 * Issue 9 §4a through the running app: replies that quote a long argument cut it between user-perceived
 * characters. Commands whose argument is quoted back (client ids, members, emails, unknown subcommands) are sent
 * with a long run of family emoji (each one cluster of 11 UTF-16 code units); every reply must be well-formed
 * UTF-16 (no lone surrogate in its JSON) and hold only whole families.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness, USERS, visibleText } from '../support/harness.js';

const { ada } = USERS;
/** A surrogate code unit not paired (with the u flag, a pair is one code point and does not match). */
const LONE_SURROGATE = /\p{Cs}/u;
const FAMILY = '👩‍👩‍👧‍👦';
const LONG = FAMILY.repeat(60);

describe('replies quoting a long argument', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    await h.setupOrganization('Orbit Analytics');
  });
  afterAll(async () => h.stop());

  it.each([
    `clients enable ${LONG}`,
    `clients disable ${LONG}`,
    `clients rotate ${LONG}`,
    `clients delete ${LONG}`,
    `role ${LONG} admin`,
    `remove ${LONG}`,
    `invite ${LONG}`,
    `${LONG}`,
  ])('/org %s', async (text) => {
    const reply = await h.ask(ada.id, text);
    const shown = visibleText(reply);
    expect(LONE_SURROGATE.test(shown)).toBe(false);
    // Only whole families: once they are taken out, no piece of one (a woman, a girl, a boy, a joiner) is left.
    expect(shown.split(FAMILY).join('')).not.toMatch(/[\u200d]|\u{1F469}|\u{1F467}|\u{1F466}/u);
    // Where the reply quotes a shortened argument, it was shortened (the case: a client id).
    if (text.startsWith('clients')) expect(reply.text.split(FAMILY).length - 1).toBeLessThan(60);
  });
});
