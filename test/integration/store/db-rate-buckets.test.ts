// The send and flood budgets in the database (deployments without Redis): two holders on one
// database (two processes) draw on one budget, a refusal reserves nothing, and a platform's
// "wait" holds the bucket for everyone.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SharedSendScheduler } from '../../../src/channels/telegram/shared-send-scheduler.js';
import { DbRateBuckets } from '../../../src/store/db-rate-buckets.js';
import { openStore, type Store } from '../../../src/store/db.js';
import { openTestStore, type TestStore } from '../../support/store.js';

let store: TestStore;
let other: Store;
let a: DbRateBuckets;
let b: DbRateBuckets;
beforeAll(async () => {
  store = await openTestStore('postgres');
  // A second connection pool on the same database: another process.
  other = await openStore({ kind: 'postgres', url: store.url!, poolSize: 2 }, { migrate: false });
  a = new DbRateBuckets(store.db);
  b = new DbRateBuckets(other.db);
});
afterAll(async () => {
  await other?.close();
  await store?.close();
});

const key = () => `test:${randomBytes(4).toString('hex')}`;

describe('DbRateBuckets', () => {
  it('gives two processes one budget: a burst of 5, then one slot per interval, whoever asks', async () => {
    const bucket = { key: key(), intervalMs: 100, burst: 5 };
    const waits: number[] = [];
    for (let i = 0; i < 12; i++) {
      const slot = await (i % 2 ? a : b).reserve(bucket);
      if (!('waitMs' in slot)) throw new Error('refused without a bound');
      waits.push(slot.waitMs);
    }
    // The burst at once (allowing for the time the calls take); then each slot later than the one before.
    expect(waits.slice(0, 5).every((w) => w <= 50)).toBe(true);
    for (let i = 6; i < 12; i++) expect(waits[i]!).toBeGreaterThan(waits[i - 1]!);
    // The 12th is 7 intervals past the burst, less what the calls took.
    expect(waits[11]!).toBeGreaterThan(400);
  });

  it('refuses a wait beyond the bound and reserves nothing then', async () => {
    const bucket = { key: key(), intervalMs: 1000, burst: 1 };
    expect(await a.reserve(bucket, 0)).toEqual({ waitMs: 0 });
    const refused = await b.reserve(bucket, 200);
    expect('refusedMs' in refused && refused.refusedMs).toBeGreaterThan(800);
    const next = await a.reserve(bucket);
    expect('waitMs' in next && next.waitMs).toBeLessThanOrEqual(1000);
  });

  it("holds a chat for everyone after Telegram's 429, in the Telegram scheduler's terms", async () => {
    const bot = String(100_000 + Math.floor(Math.random() * 100_000));
    const one = new SharedSendScheduler(a, bot);
    const two = new SharedSendScheduler(b, bot);
    await one.pause('1001', 3000);
    const slot = await two.reserve('1001', false, 5000);
    expect('waitMs' in slot && slot.waitMs).toBeGreaterThan(2500);
    expect(await two.reserve('1002', false, 5000)).toEqual({ waitMs: 0 });
  });
});
