/**
 * The pure parts of the hygiene nudges: when each fact holds (and its key), the DM builders, and the settings.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import {
  clientUnusedFact,
  invitationExpiringFact,
  NEVER_USED,
  requestWaitingFact,
  secretGraceEndingFact,
} from '../../src/domain/nudges/facts.js';
import { NUDGE_KINDS } from '../../src/domain/nudges/kinds.js';
import {
  clientUnusedNudge,
  dismissedText,
  secretGraceEndingNudge,
} from '../../src/slack/nudges/nudges.blocks.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const now = new Date('2026-11-02T09:00:00.000Z');
const at = (ms: number) => new Date(now.getTime() + ms);
const t = {
  graceEndingWithinMs: DAY,
  clientUnusedAfterMs: 90 * DAY,
  clientNeverUsedAfterMs: 14 * DAY,
  invitationExpiringWithinMs: DAY,
  requestWaitingAfterMs: 48 * HOUR,
};

describe('secretGraceEndingFact', () => {
  it('holds while the grace ends within the window and has not ended; its key is the end', () => {
    expect(secretGraceEndingFact({ expiresAt: at(DAY), clientStatus: 'active' }, now, t)).toBe(
      at(DAY).toISOString(),
    );
    expect(secretGraceEndingFact({ expiresAt: at(1), clientStatus: 'disabled' }, now, t)).toBe(
      at(1).toISOString(),
    );
    expect(secretGraceEndingFact({ expiresAt: at(DAY + 1), clientStatus: 'active' }, now, t)).toBeNull();
  });

  it('never holds for an ended grace (a voided secret ends at once), the current secret, or a deleted client', () => {
    expect(secretGraceEndingFact({ expiresAt: now, clientStatus: 'active' }, now, t)).toBeNull();
    expect(secretGraceEndingFact({ expiresAt: at(-1), clientStatus: 'active' }, now, t)).toBeNull();
    expect(secretGraceEndingFact({ expiresAt: null, clientStatus: 'active' }, now, t)).toBeNull();
    expect(secretGraceEndingFact({ expiresAt: at(HOUR), clientStatus: 'deleted' }, now, t)).toBeNull();
  });
});

describe('clientUnusedFact', () => {
  it('a used client: strictly more than 90 days since its last use; the key is that time', () => {
    const last = at(-90 * DAY - 1);
    expect(clientUnusedFact({ status: 'active', lastUsedAt: last, createdAt: at(-400 * DAY) }, now, t)).toBe(
      last.toISOString(),
    );
    expect(
      clientUnusedFact({ status: 'active', lastUsedAt: at(-90 * DAY), createdAt: at(-400 * DAY) }, now, t),
    ).toBeNull();
  });

  it('a client never used: more than 14 days after creation, key `never`', () => {
    expect(
      clientUnusedFact({ status: 'active', lastUsedAt: null, createdAt: at(-14 * DAY - 1) }, now, t),
    ).toBe(NEVER_USED);
    expect(
      clientUnusedFact({ status: 'active', lastUsedAt: null, createdAt: at(-14 * DAY) }, now, t),
    ).toBeNull();
  });

  it('only active clients', () => {
    for (const status of ['disabled', 'deleted']) {
      expect(clientUnusedFact({ status, lastUsedAt: null, createdAt: at(-100 * DAY) }, now, t)).toBeNull();
    }
  });
});

describe('invitationExpiringFact and requestWaitingFact', () => {
  it('a pending invitation expiring within a day, not yet expired; the key is its expiry', () => {
    expect(invitationExpiringFact({ status: 'pending', expiresAt: at(DAY) }, now, t)).toBe(
      at(DAY).toISOString(),
    );
    expect(invitationExpiringFact({ status: 'pending', expiresAt: at(DAY + 1) }, now, t)).toBeNull();
    expect(invitationExpiringFact({ status: 'pending', expiresAt: now }, now, t)).toBeNull();
    expect(invitationExpiringFact({ status: 'accepted', expiresAt: at(HOUR) }, now, t)).toBeNull();
    expect(invitationExpiringFact({ status: 'requested', expiresAt: at(HOUR) }, now, t)).toBeNull();
  });

  it('a request waiting more than 48 hours; the key is when it was made', () => {
    const made = at(-48 * HOUR - 1);
    expect(requestWaitingFact({ status: 'requested', createdAt: made }, now, t)).toBe(made.toISOString());
    expect(requestWaitingFact({ status: 'requested', createdAt: at(-48 * HOUR) }, now, t)).toBeNull();
    expect(requestWaitingFact({ status: 'pending', createdAt: made }, now, t)).toBeNull();
  });
});

describe('the DMs', () => {
  const client = { id: 'cli_aaaaaaaaaaaaaaaaaaaa', name: 'Export <b>', lastUsedAt: null, createdAt: now };

  it('name the client (escaped), say when, and end with the mute hint', () => {
    const grace = secretGraceEndingNudge(client, at(DAY));
    expect(grace.text).toContain('Export');
    expect(grace.text).toContain('`cli_aaaaaaaaaaaaaaaaaaaa`');
    expect(grace.text).toContain('Export &lt;b&gt;');
    expect(grace.text).toContain(`<!date^${Math.floor(at(DAY).getTime() / 1000)}^`);
    expect(grace.blocks.at(-1)).toEqual({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: 'Mute these with `/org nudges`' }],
    });
    expect(clientUnusedNudge(client).text).toContain('never been used');
  });

  it('the dismissal says OK for every kind, and for an unknown value', () => {
    for (const kind of [...NUDGE_KINDS, 'forged']) expect(dismissedText(kind)).toContain('OK');
  });
});

describe('nudge settings', () => {
  it('defaults: on, every 15 minutes, 24 h, 90 d, 14 d, 24 h, 48 h', () => {
    expect(loadConfig({}).nudges).toEqual({
      enabled: true,
      intervalMs: 15 * 60_000,
      graceEndingWithinMs: DAY,
      clientUnusedAfterMs: 90 * DAY,
      clientNeverUsedAfterMs: 14 * DAY,
      invitationExpiringWithinMs: DAY,
      requestWaitingAfterMs: 48 * HOUR,
    });
  });

  it('reads durations with units, and the switch', () => {
    const c = loadConfig({ NUDGES_ENABLED: 'false', NUDGE_INTERVAL: '5m', NUDGE_CLIENT_UNUSED_AFTER: '30d' });
    expect(c.nudges.enabled).toBe(false);
    expect(c.nudges.intervalMs).toBe(5 * 60_000);
    expect(c.nudges.clientUnusedAfterMs).toBe(30 * DAY);
  });

  it('refuses bad values, naming the variable', () => {
    for (const env of [
      { NUDGE_INTERVAL: 'soon' },
      { NUDGE_REQUEST_WAITING_AFTER: '1s' },
      { NUDGES_ENABLED: 'yes' },
    ]) {
      let error: unknown;
      try {
        loadConfig(env);
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).message).toContain(Object.keys(env)[0]);
    }
  });

  it('says the allowed range of a duration in units, naming the variable once', () => {
    expect(() => loadConfig({ NUDGE_CLIENT_UNUSED_AFTER: '60s' })).toThrow(
      /^Invalid configuration:\n {2}NUDGE_CLIENT_UNUSED_AFTER must be between 1h and 3650d$/,
    );
    expect(() => loadConfig({ NUDGE_INTERVAL: '2d' })).toThrow(/NUDGE_INTERVAL must be between 10s and 1d$/);
    expect(() => loadConfig({ NUDGE_INTERVAL: 'soon' })).toThrow(
      /\n {2}NUDGE_INTERVAL must be whole seconds/,
    );
  });
});
