import { describe, expect, it } from 'vitest';
import { FaultSwitch, parseFault, SlackStandIn } from '../../src/standin/index.js';

describe('the fault switch', () => {
  it('applies a fault for a count of calls, to its method (or *) only, first added first', () => {
    const faults = new FaultSwitch(() => 0);
    faults.add({ method: 'chat.postMessage', status: 429, retryAfterSeconds: 2, count: 2 });
    faults.add({ method: '*', status: 500, count: 1 });
    expect(faults.take('chat.postMessage')).toEqual({ delayMs: 0, status: 429, retryAfterSeconds: 2 });
    expect(faults.take('views.publish')).toEqual({ delayMs: 0, status: 500 });
    expect(faults.take('views.publish')).toBeUndefined();
    expect(faults.take('chat.postMessage')).toMatchObject({ status: 429 });
    expect(faults.take('chat.postMessage')).toBeUndefined();
    expect(faults.list()).toEqual([]);
  });

  it('applies a fault for a duration, then lets calls through; clear removes one or all', () => {
    let now = 1000;
    const faults = new FaultSwitch(() => now);
    const slow = faults.add({ method: 'chat.update', delayMs: 300, durationMs: 3000 });
    faults.add({ method: 'views.publish', status: 503 });
    expect(faults.take('chat.update')).toEqual({ delayMs: 300 });
    now += 2999;
    expect(faults.take('chat.update')).toEqual({ delayMs: 300 });
    now += 1;
    expect(faults.take('chat.update')).toBeUndefined();
    expect(faults.list().map((f) => f.method)).toEqual(['views.publish']);
    expect(faults.clear(slow.id)).toBe(0);
    expect(faults.clear()).toBe(1);
    expect(faults.take('views.publish')).toBeUndefined();
  });

  it('refuses a fault it cannot apply, naming the field', () => {
    expect(() => parseFault({ method: 'chat.postMessage', status: 404 })).toThrow(
      'status must be 429, 500 or 503',
    );
    expect(() => parseFault({ method: 'chat postMessage', status: 500 })).toThrow('method');
    expect(() => parseFault({ method: 'chat.update' })).toThrow('give a status or a delayMs');
    expect(() => parseFault({ method: 'chat.update', status: 500, count: 0 })).toThrow('count');
  });

  it('is served at /standin/faults: POST adds, GET lists, DELETE clears; a faulty call answers 429 with Retry-After', async () => {
    const standin = new SlackStandIn({ signingSecret: 'x'.repeat(32) });
    await standin.start();
    try {
      standin.addUser({ id: 'U1', name: 'ada' });
      const added = await fetch(`${standin.baseUrl}/standin/faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ method: 'chat.postMessage', status: 429, retryAfterSeconds: 4, count: 1 }),
      });
      expect(added.status).toBe(201);
      const bad = await fetch(`${standin.baseUrl}/standin/faults`, {
        method: 'POST',
        body: '{"method":"x"}',
      });
      expect(bad.status).toBe(400);
      const listed = (await (await fetch(`${standin.baseUrl}/standin/faults`)).json()) as {
        faults: unknown[];
      };
      expect(listed.faults).toHaveLength(1);
      const call = () =>
        fetch(`${standin.apiUrl}chat.postMessage`, {
          method: 'POST',
          headers: { authorization: `Bearer ${standin.botToken}`, 'content-type': 'application/json' },
          body: JSON.stringify({ channel: 'U1', text: 'hi' }),
        });
      const limited = await call();
      expect(limited.status).toBe(429);
      expect(limited.headers.get('retry-after')).toBe('4');
      expect((await call()).status).toBe(200);
      expect(standin.callsTo('chat.postMessage').map((c) => [c.ok, c.error])).toEqual([
        [false, 'ratelimited'],
        [true, undefined],
      ]);
      expect(standin.messages).toHaveLength(1);
      standin.addFault({ method: 'chat.postMessage', status: 500 });
      const cleared = await fetch(`${standin.baseUrl}/standin/faults`, { method: 'DELETE' });
      expect(((await cleared.json()) as { removed: number }).removed).toBe(1);
      expect((await call()).status).toBe(200);
    } finally {
      await standin.stop();
    }
  });
});
