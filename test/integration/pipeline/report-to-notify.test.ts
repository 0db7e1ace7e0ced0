// A report travels inbound → stored → routed → notified on the real services, on each queue backend.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, afterEach, describe, expect, it } from 'vitest';
import type { Runtime } from '../../../src/app/runtime.js';
import { intake } from '../../../src/services/intake-service.js';
import type { InboundEvent } from '../../../src/ports/inbound-event.js';
import { deliveries, matterEvents, matters, people } from '../../../src/store/schema.js';
import { newBackup, newGridLeader, newOfficer, newPerson, newTree, newVillager, type Tree } from '../../support/factories.js';
import { RecordingChannel } from '../../support/recording-channel.js';
import { openTestRuntime, QUEUE_KINDS, type QueueKind } from '../../support/runtime.js';
import { openTestStore, STORE_KINDS, type StoreKind, type TestStore } from '../../support/store.js';
import { waitIdle } from '../../support/idle.js';
import { waitFor } from '../../support/wait.js';

let seq = 0;
const report = (telegramId: string, text = '村口的路灯坏了三天了，晚上看不见路。', extra: Partial<InboundEvent> = {}): InboundEvent => ({
  eventId: `telegram:update:${Date.now()}${++seq}`,
  platform: 'telegram',
  externalUserId: telegramId,
  kind: 'report',
  category: 'help',
  text,
  receivedAt: new Date().toISOString(),
  ...extra,
});

const SETUPS: Array<{ store: StoreKind; queue: QueueKind }> = [
  ...QUEUE_KINDS.map((queue) => ({ store: 'postgres' as const, queue })),
  ...(STORE_KINDS.includes('pglite') ? [{ store: 'pglite' as const, queue: 'postgres' as const }] : []),
];

describe.each(SETUPS)('report → route → notify, store on $store, queues on $queue', ({ store: storeKind, queue: kind }) => {
  let store: TestStore;
  let runtime: Runtime;
  let telegram: RecordingChannel;
  let tree: Tree;

  beforeAll(async () => {
    store = await openTestStore(storeKind);
  });
  afterAll(async () => {
    await store?.close();
  });
  beforeEach(async () => {
    await store.reset();
    telegram = new RecordingChannel('telegram');
    runtime = await openTestRuntime(store, kind, { channels: new Map([['telegram', telegram]]) });
    runtime.startWorkers({ concurrency: 5 });
    tree = await newTree(store.db);
  });
  afterEach(async () => {
    await runtime?.close();
  });

  const routed = (matterId: string) =>
    waitFor(async () => {
      const [m] = await store.db.select().from(matters).where(eq(matters.id, matterId));
      const pending = await store.db.select().from(deliveries).where(eq(deliveries.matterId, matterId));
      return m && m.step !== 'accept' && pending.length > 0 && pending.every((d) => d.status === 'sent' || d.status === 'superseded') ? m : null;
    }, 'the matter to be routed and every notification sent');

  it('routes to the on-duty full-timer with the fewest open matters and tells both sides', async () => {
    const busy = await newOfficer(store.db, tree.unit, '赵红梅', { telegram: '2001' });
    const free = await newOfficer(store.db, tree.unit, '李冬梅', { telegram: '2002' });
    await newBackup(store.db, tree.unit, '张建国', { telegram: '2003' });
    const villager = await newVillager(store.db, tree.unit, '王秀英', { telegram: '1001' });
    // 赵红梅 already has an open matter.
    const first = await intake(runtime.ctx, report('1001', '先前的一件事'));
    if (first.status !== 'created') throw new Error('setup');
    await routed(first.matter.id);
    const firstRow = (await store.db.select().from(matters).where(eq(matters.id, first.matter.id)))[0]!;
    const loaded = firstRow.assigneeId!;
    const expectedNext = loaded === busy.id ? free : busy;

    const result = await intake(runtime.ctx, report('1001'));
    expect(result.status).toBe('created');
    if (result.status !== 'created') return;
    expect(result.matter.ref).toMatch(/^\d{4}-\d{4}$/);
    const m = await routed(result.matter.id);
    expect(m.assigneeId).toBe(expectedNext.id);
    expect(m.step).toBe('dispatch');
    expect(m.level).toBe('unit');
    expect(m.reporterId).toBe(villager.id);

    const events = await store.db.select().from(matterEvents).where(eq(matterEvents.matterId, m.id)).orderBy(matterEvents.id);
    expect(events.map((e) => e.action)).toEqual(['report', 'receive', 'route']);
    const explanation = events[2]!.data as { rule: string; considered: Array<{ personId: string; outcome: string }> };
    expect(explanation.rule).toBe('full_time_on_duty');
    expect(explanation.considered).toHaveLength(3);

    // 四个一: one receipt with the reference, the officer's name and title.
    const receipt = telegram.to('1001').filter((t) => t.includes(result.matter.ref));
    expect(receipt).toHaveLength(1);
    expect(receipt[0]).toContain(expectedNext.name);
    expect(receipt[0]).toContain('专职网格员');
    expect(telegram.to(expectedNext.id === busy.id ? '2001' : '2002').some((t) => t.includes(result.matter.ref))).toBe(true);
  });

  it('skips an officer on leave for the part-time backup, then the village grid leader', async () => {
    await newOfficer(store.db, tree.unit, '李冬梅', { onLeave: true, telegram: '2002' });
    const backup = await newBackup(store.db, tree.unit, '张建国', { telegram: '2003' });
    const leader = await newGridLeader(store.db, tree.village, '刘志强', { telegram: '2009' });
    await newVillager(store.db, tree.unit, '王秀英', { telegram: '1001' });

    const a = await intake(runtime.ctx, report('1001'));
    if (a.status !== 'created') throw new Error('not created');
    const ma = await routed(a.matter.id);
    expect(ma.assigneeId).toBe(backup.id);
    const [route] = await store.db.select().from(matterEvents).where(eq(matterEvents.matterId, ma.id)).orderBy(matterEvents.id).offset(2);
    expect((route!.data as { considered: Array<{ outcome: string }> }).considered.map((c) => c.outcome)).toEqual(['on_leave', 'chosen', 'not_needed']);

    await store.db.update(people).set({ onLeave: true }).where(eq(people.id, backup.id));
    const b = await intake(runtime.ctx, report('1001', '又有一件事'));
    if (b.status !== 'created') throw new Error('not created');
    const mb = await routed(b.matter.id);
    expect(mb.assigneeId).toBe(leader.id);
    expect(mb.level).toBe('village');
  });

  it('with nobody on duty, leaves the matter at the village and alerts its cadres', async () => {
    await newOfficer(store.db, tree.unit, '李冬梅', { onLeave: true });
    const cadre = await newPerson(store.db, { name: '陈国华', role: 'cadre', at: tree.village, telegram: '3001', title: '水川村村委会主任' });
    await newVillager(store.db, tree.unit, '王秀英', { telegram: '1001' });
    const r = await intake(runtime.ctx, report('1001', '邻居家的狗咬人', { category: 'dispute' }));
    if (r.status !== 'created') throw new Error('not created');
    await waitFor(() => telegram.to('3001').length > 0, 'the cadre alert');
    const [m] = await store.db.select().from(matters).where(eq(matters.id, r.matter.id));
    expect(m!.assigneeId).toBeNull();
    expect(m!.level).toBe('village');
    expect(telegram.to('3001')[0]).toContain(r.matter.ref);
    expect(cadre.id).toBeTruthy();
  });

  it('makes one matter of the same inbound event delivered twice, even at once', async () => {
    await newOfficer(store.db, tree.unit, '李冬梅', { telegram: '2002' });
    await newVillager(store.db, tree.unit, '王秀英', { telegram: '1001' });
    const event = report('1001');
    const [x, y] = await Promise.all([intake(runtime.ctx, event), intake(runtime.ctx, event).catch(() => null)]);
    const z = await intake(runtime.ctx, event);
    // Through the inbound queue too, twice, with the same job.
    await runtime.queues!.add('inbound', event, { jobId: 'dup-inbound' });
    await runtime.queues!.add('inbound', event, { jobId: 'dup-inbound-2' });
    const statuses = [x, y, z].filter(Boolean).map((r) => r!.status);
    expect(statuses.filter((s) => s === 'created')).toHaveLength(1);
    const created = [x, y, z].find((r) => r?.status === 'created');
    if (!created || created.status !== 'created') throw new Error('none created');
    await routed(created.matter.id);
    await waitIdle(runtime);
    const all = await store.db.select().from(matters);
    expect(all).toHaveLength(1);
    expect(telegram.to('1001').filter((t) => t.includes(created.matter.ref))).toHaveLength(1); // one receipt naming the officer, once
  });

  it('refuses, with a reason, what it cannot take', async () => {
    await newVillager(store.db, tree.unit, '王秀英', { telegram: '1001' });
    expect(await intake(runtime.ctx, report('9999'))).toEqual({ status: 'rejected', reason: 'not_registered' });
    expect(await intake(runtime.ctx, report('1001', '   '))).toEqual({ status: 'rejected', reason: 'empty' });
    expect(await intake(runtime.ctx, report('1001', '长'.repeat(8001)))).toEqual({ status: 'rejected', reason: 'too_long' });
    const long = await intake(runtime.ctx, report('1001', `${'很长的描述'.repeat(1000)}`));
    expect(long.status).toBe('created');
    if (long.status === 'created') expect([...long.matter.summary].length).toBeLessThanOrEqual(80);
    expect(await store.db.select().from(matters)).toHaveLength(1);
  });
});
