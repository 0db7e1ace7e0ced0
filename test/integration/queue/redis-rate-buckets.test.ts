// The send budgets in Redis: two holders of one key (two processes on one bot token) draw on one
// budget, a refusal reserves nothing, and a platform's "wait" holds the bucket for everyone.
import { afterAll, describe, expect, it } from 'vitest';
import { SharedSendScheduler } from '../../../src/channels/telegram/shared-send-scheduler.js';
import { RedisRateBuckets } from '../../../src/queue/redis-rate-buckets.js';
import { uniquePrefix, testLogger } from '../../support/runtime.js';
import { TEST_REDIS_URL } from '../../support/store.js';

const a = new RedisRateBuckets(TEST_REDIS_URL, testLogger);
const b = new RedisRateBuckets(TEST_REDIS_URL, testLogger);
afterAll(async () => {
  await a.close();
  await b.close();
});

describe('RedisRateBuckets', () => {
  it('gives two processes one budget: 10 a second with a burst of 5, whoever asks', async () => {
    const bucket = { key: `test:${uniquePrefix()}`, intervalMs: 100, burst: 5 };
    const waits: number[] = [];
    const started = Date.now();
    for (let i = 0; i < 20; i++) {
      const slot = await (i % 2 ? a : b).reserve(bucket);
      if (!('waitMs' in slot)) throw new Error('refused without a bound');
      waits.push(slot.waitMs);
    }
    // The burst goes at once; then one slot every 100 ms across both, in order.
    expect(waits.slice(0, 5).every((w) => w <= 20)).toBe(true);
    // The 20th slot is 15 intervals after the burst, counted from the first call.
    const last = waits[19]! + (Date.now() - started);
    expect(last).toBeGreaterThanOrEqual(1450);
    expect(waits[19]!).toBeLessThanOrEqual(1550);
    for (let i = 6; i < 20; i++) expect(waits[i]!).toBeGreaterThanOrEqual(waits[i - 1]!);
  });

  it('refuses a wait beyond the bound and reserves nothing then', async () => {
    const bucket = { key: `test:${uniquePrefix()}`, intervalMs: 1000, burst: 1 };
    expect(await a.reserve(bucket, 0)).toEqual({ waitMs: 0 });
    const refused = await b.reserve(bucket, 200);
    expect('refusedMs' in refused && refused.refusedMs).toBeGreaterThan(800);
    const next = await a.reserve(bucket);
    expect('waitMs' in next && next.waitMs).toBeLessThanOrEqual(1000);
  });

  it("holds a chat for everyone after Telegram's 429, in the Telegram scheduler's terms", async () => {
    const bot = uniquePrefix().replace(/\D/g, '').slice(0, 8) || '42';
    const one = new SharedSendScheduler(a, bot);
    const two = new SharedSendScheduler(b, bot);
    await one.pause('1001', 3000);
    const slot = await two.reserve('1001', false, 5000);
    expect('waitMs' in slot && slot.waitMs).toBeGreaterThan(2500);
    // Another chat is not held.
    expect(await two.reserve('1002', false, 5000)).toEqual({ waitMs: 0 });
  });
});
