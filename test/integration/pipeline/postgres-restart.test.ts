// Postgres goes away with reports already queued: nothing is lost, nothing is made twice.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRuntime, type Runtime } from '../../../src/app/runtime.js';
import type { InboundEvent } from '../../../src/ports/inbound-event.js';
import { openStore, type Store } from '../../../src/store/db.js';
import { deliveries, matters } from '../../../src/store/schema.js';
import { newOfficer, newTree, newVillager } from '../../support/factories.js';
import { PrivatePostgres } from '../../support/postgres-server.js';
import { RecordingChannel } from '../../support/recording-channel.js';
import { testLogger, uniquePrefix } from '../../support/runtime.js';
import { TEST_REDIS_URL } from '../../support/store.js';
import { waitFor } from '../../support/wait.js';

describe('Postgres restarting under queued reports', () => {
  let pg: PrivatePostgres;
  let store: Store;
  let runtime: Runtime;

  beforeAll(async () => {
    pg = await PrivatePostgres.start();
    store = await openStore({ kind: 'postgres', url: pg.url(), poolSize: 4 });
  }, 60_000);
  afterAll(async () => {
    await runtime?.close().catch(() => {});
    await store?.close().catch(() => {});
    await pg?.drop();
  });

  it('takes every queued report once Postgres is back, and makes each matter once', async () => {
    const tree = await newTree(store.db);
    await newOfficer(store.db, tree.unit, '李冬梅', { telegram: '2002' });
    await newVillager(store.db, tree.unit, '罗秀英', { telegram: '1001' });
    const telegram = new RecordingChannel('telegram');
    runtime = await createRuntime({ store, queue: { kind: 'redis', url: TEST_REDIS_URL, prefix: uniquePrefix() }, logger: testLogger, channels: new Map([['telegram', telegram]]), relayIntervalMs: 200 });
    runtime.startWorkers({ concurrency: 2 });

    await pg.down();
    const event = (i: number): InboundEvent => ({ eventId: `telegram:update:${i}`, platform: 'telegram', externalUserId: '1001', kind: 'report', category: 'help', text: `第${i}件事`, receivedAt: new Date().toISOString() });
    for (const i of [1, 2, 3]) await runtime.queues!.add('inbound', event(i), { jobId: `tg-${i}` });
    await runtime.queues!.add('inbound', event(2), { jobId: 'tg-2-again' }); // the same update delivered twice
    // The reports meet the stopped database: their jobs fail and wait for a retry.
    await waitFor(async () => (await runtime!.queues!.queue('inbound').getDelayedCount()) >= 1, 'an inbound job to fail against the stopped Postgres');
    await pg.up();

    await waitFor(async () => {
      const ms = await store.db.select().from(matters);
      if (ms.length !== 3) return false;
      const ds = await store.db.select().from(deliveries);
      return ds.length === 9 && ds.every((d) => d.status === 'sent' || d.status === 'superseded');
    }, 'three matters routed and notified after Postgres came back', 60_000, 250);
    const ms = await store.db.select().from(matters);
    expect(ms.map((m) => m.summary).sort()).toEqual(['第1件事', '第2件事', '第3件事']);
    for (const m of ms) {
      expect(m.step).toBe('dispatch');
      expect(telegram.to('2002').filter((t) => t.includes(m.ref))).toHaveLength(1);
      expect((await store.db.select().from(deliveries).where(eq(deliveries.matterId, m.id))).length).toBe(3);
    }
  }, 120_000);
});
