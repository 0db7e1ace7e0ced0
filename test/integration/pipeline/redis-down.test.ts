// Redis goes away while a matter is stored: the matter is kept, and its notifications go out
// once Redis is back (the outbox holds them meanwhile).
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRuntime, type Runtime } from '../../../src/app/runtime.js';
import { intake } from '../../../src/services/intake-service.js';
import { deliveries, matters, outbox } from '../../../src/store/schema.js';
import { newOfficer, newTree, newVillager } from '../../support/factories.js';
import { PrivateRedis } from '../../support/redis-server.js';
import { RecordingChannel } from '../../support/recording-channel.js';
import { testLogger } from '../../support/runtime.js';
import { openTestStore, type TestStore } from '../../support/store.js';
import { waitIdle } from '../../support/idle.js';
import { waitFor } from '../../support/wait.js';

describe('Redis down while a matter is stored', () => {
  let store: TestStore;
  let redis: PrivateRedis;
  let runtime: Runtime;

  beforeAll(async () => {
    store = await openTestStore('postgres');
    redis = await PrivateRedis.start();
  });
  afterAll(async () => {
    await runtime?.close();
    await redis?.down();
    await store?.close();
  });

  it('keeps the matter and sends its notifications once Redis is back', async () => {
    const tree = await newTree(store.db);
    const officer = await newOfficer(store.db, tree.unit, '李冬梅', { telegram: '2002' });
    await newVillager(store.db, tree.unit, '王秀英', { telegram: '1001' });
    const telegram = new RecordingChannel('telegram');
    runtime = await createRuntime({ store, queue: { kind: 'redis', url: redis.url }, logger: testLogger, channels: new Map([['telegram', telegram]]), relayIntervalMs: 200 });
    runtime.startWorkers({ concurrency: 2 });

    await redis.down();
    const r = await intake(runtime.ctx, {
      eventId: 'telegram:update:77',
      platform: 'telegram',
      externalUserId: '1001',
      kind: 'report',
      category: 'hazard',
      text: '河堤有一段塌了，小孩常在那里玩。',
      receivedAt: new Date().toISOString(),
    });
    expect(r.status).toBe('created');
    if (r.status !== 'created') return;
    // The relay has tried (and failed) to move the rows while Redis is away.
    await waitFor(async () => (await store.db.select().from(outbox)).some((row) => row.attempts > 0), 'a failed relay attempt');
    const pending = await store.db.select().from(outbox);
    expect(pending.length).toBeGreaterThanOrEqual(2);
    expect(pending.every((row) => row.relayedAt === null)).toBe(true);
    expect(pending.some((row) => row.attempts > 0)).toBe(true);
    expect(telegram.sent).toHaveLength(0);

    await redis.up();
    await waitFor(async () => {
      const ds = await store.db.select().from(deliveries).where(eq(deliveries.matterId, r.matter.id));
      // The receipt waiting for routing is sent, or superseded by the one that names the officer.
      return ds.length === 3 && ds.every((d) => d.status === 'sent' || d.status === 'superseded') && ds.filter((d) => d.status === 'sent').length >= 2;
    }, 'the notifications after Redis came back', 30_000);
    const [m] = await store.db.select().from(matters).where(eq(matters.id, r.matter.id));
    expect(m!.assigneeId).toBe(officer.id);
    expect(telegram.to('2002').filter((t) => t.includes(r.matter.ref))).toHaveLength(1);
    // One receipt naming the officer, or (routing later than the receipt's wait) the receipt and the officer's name.
    const superseded = (await store.db.select().from(deliveries).where(eq(deliveries.matterId, r.matter.id))).some((d) => d.status === 'superseded');
    expect(telegram.to('1001').filter((t) => t.includes(r.matter.ref))).toHaveLength(superseded ? 1 : 2);
  }, 60_000);

  it('queues again, at once, the work whose jobs a Redis restarted empty has lost', async () => {
    await runtime?.close();
    await store.reset();
    const tree = await newTree(store.db);
    const officer = await newOfficer(store.db, tree.unit, '李冬梅', { telegram: '2002' });
    await newVillager(store.db, tree.unit, '王秀英', { telegram: '1001' });
    const telegram = new RecordingChannel('telegram');
    runtime = await createRuntime({ store, queue: { kind: 'redis', url: redis.url }, logger: testLogger, channels: new Map([['telegram', telegram]]), relayIntervalMs: 200 });
    // The workers run but cannot route (the matter's job is held), then Redis restarts with nothing.
    let hold = true;
    let release = () => {};
    const released = new Promise<void>((res) => (release = res));
    runtime.startWorkers({
      concurrency: 2,
      wrap: (name, handler) =>
        (async (data: any, meta: any) => {
          // A held job ends without working once Redis has forgotten it (as a killed worker's would).
          if (name === 'route' && hold) return released.then(() => ({ outcome: 'lost' }));
          return (handler as any)(data, meta);
        }) as typeof handler,
    });
    const r = await intake(runtime.ctx, { eventId: 'telegram:update:88', platform: 'telegram', externalUserId: '1001', kind: 'report', category: 'help', text: '停水两天了', receivedAt: new Date().toISOString() });
    if (r.status !== 'created') throw new Error('not created');
    await waitFor(async () => (await store.db.select().from(outbox)).every((o) => o.relayedAt), 'the relay');
    await redis.down();
    await redis.up();
    hold = false;
    release();
    // No clock moved, no grace waited: the marker missing from Redis starts a full reconciliation.
    await waitFor(async () => {
      const ds = await store.db.select().from(deliveries).where(eq(deliveries.matterId, r.matter.id));
      // The receipt waiting for routing is sent, or superseded by the one that names the officer.
      return ds.length === 3 && ds.every((d) => d.status === 'sent' || d.status === 'superseded') && ds.filter((d) => d.status === 'sent').length >= 2;
    }, 'routing and notifications after reconciling', 30_000);
    expect((await store.db.select().from(matters))[0]!.assigneeId).toBe(officer.id);
    // One receipt naming the officer, or (routing later than the receipt's wait) the receipt and the officer's name.
    const superseded = (await store.db.select().from(deliveries).where(eq(deliveries.matterId, r.matter.id))).some((d) => d.status === 'superseded');
    expect(telegram.to('1001').filter((t) => t.includes(r.matter.ref))).toHaveLength(superseded ? 1 : 2);
    expect(telegram.to('2002').filter((t) => t.includes(r.matter.ref))).toHaveLength(1);
  }, 60_000);
});
