import { describe, expect, it } from 'vitest';
import { ACTION_IDS, ACTION_LISTENERS, VIEW_CALLBACK_IDS } from '../../src/slack/register.js';
import { exactIdPattern, handlerFor } from '../../src/slack/shared/dispatch.js';

describe('exactIdPattern', () => {
  it('matches each id whole and nothing else', () => {
    const pattern = exactIdPattern(['members_page_next', 'member_role', 'a.b+c']);
    for (const id of ['members_page_next', 'member_role', 'a.b+c']) expect(pattern.test(id)).toBe(true);
    for (const id of [
      'members_page_nextx',
      'xmember_role',
      'member',
      'aXb+c',
      'a.bbc',
      '',
      'member_role\n',
    ]) {
      expect(pattern.test(id)).toBe(false);
    }
  });

  it('refuses an empty list', () => {
    expect(() => exactIdPattern([])).toThrow(/at least one id/);
  });

  it('covers every action id and modal callback id the app lists', () => {
    const actions = exactIdPattern(ACTION_IDS);
    expect(ACTION_IDS.length).toBeGreaterThan(20);
    for (const id of ACTION_IDS) expect(actions.test(id)).toBe(true);
    const views = exactIdPattern(VIEW_CALLBACK_IDS);
    for (const id of VIEW_CALLBACK_IDS) expect(views.test(id)).toBe(true);
  });
});

describe('handlerFor', () => {
  const table = { members: 'members handler', help: 'help handler' };

  it('finds own entries', () => {
    expect(handlerFor(table, 'members')).toBe('members handler');
  });

  it('finds nothing for an unknown id, a missing id, or a name Object.prototype has', () => {
    for (const id of ['nope', undefined, 'constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      expect(handlerFor(table, id)).toBeUndefined();
    }
    expect(handlerFor(ACTION_LISTENERS, 'constructor')).toBeUndefined();
  });
});
