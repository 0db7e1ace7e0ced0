// Reference numbers are handed out without gaps: concurrent reports take them in turn, a repeated
// delivery gives its number back, a restart does not skip ahead, and an existing store carries on
// from its highest number.
import { asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refSeq } from '../../../src/domain/reference.js';
import type { ServiceContext } from '../../../src/ports/context.js';
import { intake } from '../../../src/services/intake-service.js';
import { routeMatter } from '../../../src/services/routing-service.js';
import { matterEvents, matters, refCounters } from '../../../src/store/schema.js';
import { newPerson, newTree, newVillager } from '../../support/factories.js';
import { testLogger } from '../../support/runtime.js';
import { openTestStore, STORE_KINDS, type TestStore } from '../../support/store.js';

describe.each(STORE_KINDS)('reference numbers on %s', (kind) => {
  let store: TestStore;
  let ctx: ServiceContext;
  let clock = new Date('2026-03-02T02:00:00Z');
  beforeAll(async () => {
    store = await openTestStore(kind);
    ctx = { db: store.db, now: () => clock, logger: testLogger, outboxWritten: () => {} };
  });
  afterAll(async () => {
    await store?.close();
  });

  const report = (eventId: string, telegram = '1001') =>
    intake(ctx, { eventId, platform: 'telegram', externalUserId: telegram, kind: 'report', category: 'help', text: `路灯不亮 ${eventId}`, receivedAt: clock.toISOString() });
  const seqs = async () => (await store.db.select({ ref: matters.ref }).from(matters)).map((m) => refSeq(m.ref)!).sort((a, b) => a - b);

  it('numbers 30 concurrent reports 1…30, with repeated deliveries taking none', async () => {
    await store.reset();
    const tree = await newTree(store.db);
    await newVillager(store.db, tree.unit, '王秀英', { telegram: '1001' });
    const ids = Array.from({ length: 30 }, (_, i) => `ev-${i}`);
    // Every event delivered twice at once: one of each pair stores the matter, the other finds it.
    const results = await Promise.all([...ids, ...ids].map((id) => report(id)));
    expect(results.filter((r) => r.status === 'created')).toHaveLength(30);
    expect(results.filter((r) => r.status === 'duplicate')).toHaveLength(30);
    expect(await seqs()).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    // A later repeat still takes no number.
    expect((await report('ev-3')).status).toBe('duplicate');
    expect((await report('ev-new')).status).toBe('created');
    expect((await seqs()).at(-1)).toBe(31);
  });

  it('carries on from the highest number stored when the counter is new (an upgraded store)', async () => {
    await store.reset();
    const tree = await newTree(store.db);
    const villager = await newVillager(store.db, tree.unit, '王秀英', { telegram: '1001' });
    // A matter numbered by the old per-process blocks, 41 after a restart skipped 21…40.
    await store.db.insert(matters).values({ ref: '0000-0414', category: 'help', step: 'accept', gridNodeId: tree.unit.id, reporterId: villager.id, summary: '旧事项' });
    expect(refSeq('0000-0414')).toBe(41);
    const r = await report('after-upgrade');
    expect(r.status === 'created' && refSeq(r.matter.ref)).toBe(42);
    expect(await store.db.select().from(refCounters)).toEqual([{ scope: 'matters', last: 42 }]);
  });

  it('routes a tie to whoever waited longest since their last new matter, then by roster code', async () => {
    await store.reset();
    const tree = await newTree(store.db);
    await newVillager(store.db, tree.unit, '王秀英', { telegram: '1001' });
    const b = await newPerson(store.db, { name: '乙', role: 'officer_full', at: tree.unit, code: 'p-b', telegram: '2002' });
    const a = await newPerson(store.db, { name: '甲', role: 'officer_full', at: tree.unit, code: 'p-a', telegram: '2001' });
    const assignees: string[] = [];
    for (let i = 0; i < 4; i++) {
      clock = new Date(clock.getTime() + 60_000);
      const r = await report(`tie-${i}`);
      if (r.status !== 'created') throw new Error(r.status);
      await routeMatter(ctx, r.matter.id);
      const [m] = await store.db.select().from(matters).where(eq(matters.id, r.matter.id));
      assignees.push(m!.assigneeId === a.id ? 'a' : 'b');
      // Settled at once: both officers have no open matter at each report, a tie every time.
      await store.db.update(matters).set({ state: 'settled' }).where(eq(matters.id, r.matter.id));
    }
    // First by roster code (p-a before p-b), then turn and turn about.
    expect(assignees).toEqual(['a', 'b', 'a', 'b']);
    const routes = await store.db.select().from(matterEvents).where(eq(matterEvents.action, 'route')).orderBy(asc(matterEvents.id));
    const considered = (i: number) => (routes[i]!.data as { considered: Array<{ personId: string; outcome: string }> }).considered;
    expect(considered(0).find((c) => c.personId === b.id)?.outcome).toBe('later_in_roster');
    expect(considered(2).find((c) => c.personId === b.id)?.outcome).toBe('assigned_more_recently');
  });
});
