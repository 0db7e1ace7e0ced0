// The budgets keep every sliding minute, hour and day within WeCom's figures, sending as fast as
// they allow on a virtual clock; and the stand-in, on the same clock, refuses none of it.
import { describe, expect, it } from 'vitest';
import { MemoryRateBuckets, type Bucket } from '../../../../src/ports/rate-buckets.js';
import { APP_SEND_LIMITS, appDayBucket, memberBuckets } from '../../../../src/channels/wecom/send-budget.js';

/** Sends `n` messages as fast as the buckets allow; returns the virtual send times. */
async function sendAll(n: number, buckets: Bucket[]): Promise<number[]> {
  let now = 1_780_000_000_000;
  const rb = new MemoryRateBuckets(() => now);
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    let wait = 0;
    for (const b of buckets) {
      const slot = await rb.reserve(b);
      if (!('waitMs' in slot)) throw new Error('refused without a bound');
      wait = Math.max(wait, slot.waitMs);
    }
    now += wait;
    times.push(now);
  }
  return times;
}

/** The most sends in any window of `ms`. */
function busiest(times: number[], ms: number): number {
  let most = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[i]! - times[j]! >= ms) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}

describe('WeCom send budgets', () => {
  it('per member: never more than 30 in a minute or 1000 in an hour, and not much slower than that', async () => {
    const times = await sendAll(2500, memberBuckets('ww1', 1000002, 'ZhangWei'));
    expect(busiest(times, 60_000)).toBeLessThanOrEqual(APP_SEND_LIMITS.perMemberPerMinute);
    expect(busiest(times, 3_600_000)).toBeLessThanOrEqual(APP_SEND_LIMITS.perMemberPerHour);
    expect(busiest(times, 60_000)).toBeGreaterThanOrEqual(25);
    expect(busiest(times, 3_600_000)).toBeGreaterThanOrEqual(950);
  });

  it('per app: never more than accounts × 200 in a day', async () => {
    for (const accounts of [1, 3]) {
      const limit = accounts * APP_SEND_LIMITS.perAccountPerDay;
      const times = await sendAll(limit * 2 + 7, [appDayBucket('ww1', 1000002, accounts)]);
      expect(busiest(times, 86_400_000)).toBeLessThanOrEqual(limit);
      expect(busiest(times, 86_400_000)).toBeGreaterThanOrEqual(limit * 0.9);
    }
  });

  it('keeps members and apps apart', () => {
    const [a] = memberBuckets('ww1', 1, 'u1');
    const [b] = memberBuckets('ww1', 1, 'u2');
    const [c] = memberBuckets('ww1', 2, 'u1');
    expect(new Set([a!.key, b!.key, c!.key]).size).toBe(3);
  });
});
