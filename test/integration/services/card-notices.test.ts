// A card notice carries the buttons its reader gets by the one card rule (cardActionsFor), put on
// it when it is written: the holder's card, a group's alert (查看内容 first, once), a cadre's. A
// notice still waiting when the matter moves gets the buttons of now; one being sent is left alone.
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ServiceContext } from '../../../src/ports/context.js';
import { intake } from '../../../src/services/intake-service.js';
import { performAction } from '../../../src/services/matter-actions.js';
import { renderDelivery } from '../../../src/services/notify-service.js';
import { routeMatter } from '../../../src/services/routing-service.js';
import { deliveries, matters } from '../../../src/store/schema.js';
import { setAlerts } from '../../support/alert-factories.js';
import { newBackup, newOfficer, newPerson, newTree, newVillager, type Tree } from '../../support/factories.js';
import { testLogger } from '../../support/runtime.js';
import { openTestStore, STORE_KINDS, type TestStore } from '../../support/store.js';

const SH = 'Asia/Shanghai';
const GROUP = '-100777';

describe.each(STORE_KINDS)('card notices on %s', (kind) => {
  let store: TestStore;
  let ctx: ServiceContext;
  let tree: Tree;
  let n = 0;

  beforeAll(async () => {
    store = await openTestStore(kind);
    ctx = { db: store.db, now: () => new Date('2026-11-27T02:00:00Z'), logger: testLogger, outboxWritten: () => {} };
  });
  afterAll(async () => {
    await store?.close();
  });
  beforeEach(async () => {
    await store.reset();
    tree = await newTree(store.db);
  });

  const rowsOf = (matterId: string, template: string) => store.db.select().from(deliveries).where(and(eq(deliveries.matterId, matterId), eq(deliveries.template, template)));
  const shown = (row: typeof deliveries.$inferSelect) => (renderDelivery(row, 'zh-CN', SH).buttons ?? []).flat().map((b) => b.data.split(':')[1]);

  it('writes each reader’s buttons on the notice, and rewrites those still waiting when the matter moves', async () => {
    const officer = await newOfficer(store.db, tree.unit, '李冬梅', { telegram: '2002' });
    const backup = await newBackup(store.db, tree.unit, '刘建国', { telegram: '2003' });
    const town = await newPerson(store.db, { name: '何建军', role: 'grid_leader', at: tree.township, title: '湖泽镇网格长', telegram: '3001' });
    await newVillager(store.db, tree.unit, '罗秀英', { telegram: '1001' });
    await setAlerts(store.db, tree.village, { telegramChat: GROUP, dm: false });
    const r = await intake(ctx, { eventId: `cn:${++n}`, platform: 'telegram', externalUserId: '1001', kind: 'report', category: 'help', size: 'small', text: '村口的路灯坏了三天了。', receivedAt: ctx.now().toISOString() });
    if (r.status !== 'created') throw new Error(r.status);
    await routeMatter(ctx, r.matter.id);
    const id = r.matter.id;

    // The holder's new card: what he may do while it waits to be taken (no 办结 yet).
    const [assigned] = await rowsOf(id, 'assigned');
    expect(assigned!.params.actions).toEqual(['take', 'reply', 'transfer', 'escalate', 'mark_size', 'set_topic']);
    expect(shown(assigned!)).toEqual(assigned!.params.actions);

    // It climbs to the village (its top), then alerts the township: the village's group gets the
    // group's card, 查看内容 first and once; the township cadre the cadre's.
    for (let i = 0; i < 2; i++) expect((await performAction(ctx, { matter: id, actorId: null, request: { action: 'escalate' } })).ok).toBe(true);
    const alerts = await rowsOf(id, 'escalation_alert');
    const group = alerts.find((a) => a.chatId === GROUP)!;
    expect(group.params.actions).toEqual(['view', 'takeover', 'transfer', 'supervise', 'whistle', 'mark_size']);
    expect(shown(group)).toEqual(group.params.actions);
    const cadre = alerts.find((a) => a.personId === town.id)!;
    expect(cadre.params.actions).toEqual(['takeover', 'transfer', 'supervise', 'whistle', 'mark_size', 'set_topic']);

    // None of them sent yet (no sender runs here), but the group's is being sent. The officer hands
    // the matter to his backup: it waits at dispatch again, and the waiting cards follow in the
    // same transaction.
    await store.db.update(deliveries).set({ status: 'sending' }).where(eq(deliveries.id, group.id));
    expect((await performAction(ctx, { matter: id, actorId: officer.id, request: { action: 'transfer', toPersonId: backup.id, reason: '我明天去县里开会' } })).ok).toBe(true);
    expect((await store.db.select().from(matters).where(eq(matters.id, id)))[0]!.step).toBe('dispatch');
    const now = async (rowId: string) => (await store.db.select().from(deliveries).where(eq(deliveries.id, rowId)))[0]!;
    // No longer his: nothing left on his card. The cadre's loses 吹哨 until someone handles it.
    expect((await now(assigned!.id)).params.actions).toEqual([]);
    expect((await now(cadre.id)).params.actions).toEqual(['takeover', 'transfer', 'supervise', 'mark_size', 'set_topic']);
    const [backupCard] = (await rowsOf(id, 'assigned')).filter((d) => d.personId === backup.id);
    expect(backupCard!.params.actions).toEqual(['take', 'reply', 'transfer', 'escalate', 'mark_size', 'set_topic']);
    // The one being sent keeps what it was claimed with.
    expect((await now(group.id)).params).toEqual(group.params);
  });
});
