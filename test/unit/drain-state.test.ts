import { describe, expect, it } from 'vitest';
import { countByKind, currentRequestId, DrainState } from '../../src/lifecycle/drain.js';

describe('DrainState', () => {
  it('counts a payload in flight until its work settles, rejection included, then is idle', async () => {
    const state = new DrainState();
    let finish: () => void = () => undefined;
    const slow = state.track('aaaa1111', async (entry) => {
      entry.kind = 'command';
      await new Promise<void>((resolve) => {
        finish = resolve;
      });
    });
    const failing = state.track('bbbb2222', async () => {
      throw new Error('listener failed');
    });
    await expect(failing).rejects.toThrow('listener failed');
    expect(state.inFlight()).toEqual([{ requestId: 'aaaa1111', kind: 'command' }]);
    let idle = false;
    const waiting = state.idle().then(() => {
      idle = true;
    });
    await Promise.resolve();
    expect(idle).toBe(false);
    finish();
    await slow;
    await waiting;
    expect(idle).toBe(true);
    expect(state.inFlight()).toEqual([]);
    await state.idle();
  });

  it('carries the request id into work the payload starts without awaiting it', async () => {
    const state = new DrainState();
    const seen = await new Promise<string | undefined>((resolve) => {
      void state.track('cccc3333', async () => {
        setTimeout(() => resolve(currentRequestId()), 1);
      });
    });
    expect(seen).toBe('cccc3333');
    expect(currentRequestId()).toBeUndefined();
  });

  it('is draining only once begun; isDraining works detached from its object', () => {
    const state = new DrainState();
    const { isDraining } = state;
    expect(isDraining()).toBe(false);
    state.begin();
    expect(isDraining()).toBe(true);
  });

  it('counts payloads by kind', () => {
    expect(
      countByKind([
        { requestId: 'a', kind: 'command' },
        { requestId: 'b', kind: 'block_actions' },
        { requestId: 'c', kind: 'command' },
      ]),
    ).toEqual({ command: 2, block_actions: 1 });
  });
});
