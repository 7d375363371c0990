import { describe, expect, it } from 'vitest';
import { LifetimeKeeper } from './lifetime-keeper';

function keeper(lifetimeMs: number): { keeper: LifetimeKeeper; renewals: number[] } {
  const renewals: number[] = [];
  const k = new LifetimeKeeper({
    lifetimeMs,
    renew: (ms) => {
      renewals.push(ms);
      return Promise.resolve();
    },
    onError: () => undefined,
  });
  return { keeper: k, renewals };
}

const wait = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('LifetimeKeeper', () => {
  it('an idle sandbox is never renewed (it expires)', async () => {
    const { renewals } = keeper(2_000);
    await wait(1_500);
    expect(renewals).toEqual([]);
  });

  it('activity renews at most once per half lifetime', async () => {
    const { keeper: k, renewals } = keeper(2_000);
    k.touch();
    expect(renewals).toEqual([]); // less than half the lifetime since the start
    await wait(1_100);
    k.touch();
    k.touch();
    k.touch();
    await wait(10);
    expect(renewals).toEqual([2_000]);
    k.stop();
  });

  it('work in progress renews on its own, and stops renewing when it ends', async () => {
    const { keeper: k, renewals } = keeper(2_000);
    k.begin();
    await wait(2_600);
    expect(renewals.length).toBeGreaterThanOrEqual(2);
    k.end();
    const count = renewals.length;
    await wait(1_500);
    expect(renewals.length).toBe(count);
    k.stop();
  });

  it('periods are clamped to what a timer can wait', () => {
    expect(keeper(60 * 24 * 3600 * 1000).keeper.periodMs).toBe(2_147_483_647);
  });

  it('a failed renew is reported and tried again at the next activity', async () => {
    const errors: unknown[] = [];
    let calls = 0;
    const k = new LifetimeKeeper({
      lifetimeMs: 2_000,
      renew: () => {
        calls++;
        return Promise.reject(new Error('503'));
      },
      onError: (error) => errors.push(error),
    });
    await wait(1_100);
    k.touch();
    await wait(10);
    k.touch();
    await wait(10);
    expect(calls).toBe(2);
    expect(errors).toHaveLength(2);
    k.stop();
  });
});
