// A notice never reaches a person in their quiet hours: the default 22:00–07:00, or what the
// roster set on their grid (here 水川村 asks for quiet from 21:00 to 06:30). Checked when a notice
// is released and again just before each copy goes.
import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { composeBroadcast, releaseBroadcast, senderById } from '../../../src/services/broadcast-service.js';
import { broadcastGate } from '../../../src/services/broadcast-gate.js';
import { claimDelivery } from '../../../src/store/repositories/delivery-repository.js';
import { deliveries, gridNodes } from '../../../src/store/schema.js';
import { newPerson, newTree, newVillager, type PersonRow, type Tree } from '../../support/factories.js';
import { openTestRuntime, uniquePrefix, type TestRuntime } from '../../support/runtime.js';
import { openTestStore, type TestStore } from '../../support/store.js';
import { TestClock } from '../../support/clock.js';

describe("a notice and the roster's quiet hours", () => {
  let store: TestStore;
  let runtime: TestRuntime;
  let tree: Tree;
  let cadre: PersonRow;
  let clock: TestClock;

  beforeEach(async () => {
    store = await openTestStore('postgres');
    tree = await newTree(store.db);
    cadre = await newPerson(store.db, { name: '周文华', role: 'cadre', at: tree.village, telegram: '500' });
    await newVillager(store.db, tree.unit, '罗秀英', { telegram: '1001' });
    await newVillager(store.db, tree.otherUnit, '王秀英', { telegram: '1002' });
  });
  afterEach(async () => {
    await runtime?.close();
    await store?.close();
  });

  async function release(): Promise<string> {
    runtime = await openTestRuntime(store, 'redis', { prefix: uniquePrefix(), clock });
    const author = (await senderById(store.db, cadre.id))!;
    const r = await store.db.transaction((tx) => composeBroadcast(runtime.ctx, tx, author, { nodeId: tree.village.id, texts: { 'zh-CN': '明早八点村委会开会。' }, defaultLocale: 'zh-CN' }));
    if (!r.ok) throw new Error(r.code);
    await releaseBroadcast(runtime.ctx, store.db, r.broadcast.id);
    return r.broadcast.id;
  }

  it('holds copies released at 21:30 for 06:30 where the grid asks for quiet from 21:00, and sends at once where it does not', async () => {
    await store.db.update(gridNodes).set({ quietFrom: '21:00', quietTo: '06:30' }).where(eq(gridNodes.id, tree.unit.id));
    clock = new TestClock('2026-06-03T21:30:00+08:00');
    const id = await release();
    const rows = await store.db.select().from(deliveries).where(eq(deliveries.broadcastId, id));
    const due = new Map(rows.map((r) => [r.personId, r.dueAt?.toISOString() ?? null]));
    const [luo, wang] = await Promise.all(['罗秀英', '王秀英'].map(async (name) => (await store.db.query.people.findFirst({ where: (p, { eq: is }) => is(p.name, name) }))!.id));
    expect(due.get(luo!)).toBe(new Date('2026-06-04T06:30:00+08:00').toISOString());
    expect(due.get(wang!)).toBeNull();
  });

  it('checks again just before a copy goes: past the grid’s 21:00 it waits for 06:30', async () => {
    await store.db.update(gridNodes).set({ quietFrom: '21:00', quietTo: '06:30' }).where(eq(gridNodes.id, tree.unit.id));
    clock = new TestClock('2026-06-03T20:59:00+08:00');
    const id = await release();
    clock.advance(2 * 60_000);
    const rows = await store.db.select().from(deliveries).where(eq(deliveries.broadcastId, id));
    const outcomes: Array<string | null> = [];
    for (const r of rows) {
      const claimed = await claimDelivery(store.db, r.id, 'test', clock.now(), new Date(0));
      outcomes.push(await broadcastGate(runtime.ctx, claimed!, 'test', 'Asia/Shanghai'));
    }
    expect(outcomes.sort()).toEqual([null, 'quiet'].sort());
    const held = (await store.db.select().from(deliveries).where(eq(deliveries.broadcastId, id))).filter((r) => r.status === 'pending');
    expect(held.map((r) => r.dueAt?.toISOString())).toEqual([new Date('2026-06-04T06:30:00+08:00').toISOString()]);
  });
});
