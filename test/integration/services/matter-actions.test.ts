// What people do to a matter after it is reported, and who may: on both stores, no queue needed
// (the outbox rows and deliveries written are what is checked).
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ServiceContext } from '../../../src/ports/context.js';
import { intake } from '../../../src/services/intake-service.js';
import { parseActionData, performAction, actionData } from '../../../src/services/matter-actions.js';
import { renderDelivery } from '../../../src/services/notify-service.js';
import { routeMatter } from '../../../src/services/routing-service.js';
import { transferTargets } from '../../../src/services/transfer-targets.js';
import { deliveries, matterEvents, matters, messages } from '../../../src/store/schema.js';
import { newBackup, newGridLeader, newNode, newOfficer, newPerson, newTree, newVillager, type Tree } from '../../support/factories.js';
import { testLogger } from '../../support/runtime.js';
import { openTestStore, STORE_KINDS, type TestStore } from '../../support/store.js';

describe.each(STORE_KINDS)('matter actions on %s', (kind) => {
  let store: TestStore;
  let ctx: ServiceContext;
  let tree: Tree;
  let clock = new Date('2026-11-27T02:00:00Z');
  let n = 0;

  beforeAll(async () => {
    store = await openTestStore(kind);
    ctx = { db: store.db, now: () => clock, logger: testLogger, outboxWritten: () => {} };
  });
  afterAll(async () => {
    await store?.close();
  });
  beforeEach(async () => {
    await store.reset();
    clock = new Date('2026-11-27T02:00:00Z');
    tree = await newTree(store.db);
  });

  async function people() {
    const officer = await newOfficer(store.db, tree.unit, '李冬梅', { telegram: '2002' });
    const backup = await newBackup(store.db, tree.unit, '刘建国', { telegram: '2003' });
    const otherOfficer = await newOfficer(store.db, tree.otherUnit, '赵红梅', { telegram: '2004' });
    const leader = await newGridLeader(store.db, tree.village, '张国华', { telegram: '2009' });
    const townCadre = await newPerson(store.db, { name: '何建军', role: 'grid_leader', at: tree.township, telegram: '3001', title: '湖泽镇网格长' });
    const villager = await newVillager(store.db, tree.unit, '罗秀英', { telegram: '1001' });
    const neighbour = await newVillager(store.db, tree.unit, '刘根生', { telegram: '1002' });
    return { officer, backup, otherOfficer, leader, townCadre, villager, neighbour };
  }

  async function reported(text = '邻居家的牛把我家菜地踩了', category: 'dispute' | 'help' = 'dispute', size: 'small' | 'big' = 'small') {
    const r = await intake(ctx, { eventId: `t:${++n}`, platform: 'telegram', externalUserId: '1001', kind: 'report', category, size, text, receivedAt: clock.toISOString() });
    if (r.status !== 'created') throw new Error(r.status);
    await routeMatter(ctx, r.matter.id);
    return (await store.db.select().from(matters).where(eq(matters.id, r.matter.id)))[0]!;
  }

  const templatesFor = async (matterId: string, personId: string) =>
    (await store.db.select().from(deliveries).where(and(eq(deliveries.matterId, matterId), eq(deliveries.personId, personId)))).filter((d) => d.status !== 'superseded').map((d) => d.template);

  it('goes take → reply → add details → settle → satisfied, telling the right people', async () => {
    const p = await people();
    const m = await reported();
    expect(m.assigneeId).toBe(p.officer.id);

    expect((await performAction(ctx, { matter: m.ref, actorId: p.officer.id, request: { action: 'take' } })).ok).toBe(true);
    const reply = await performAction(ctx, { matter: m.ref, actorId: p.officer.id, request: { action: 'reply', text: '我下午两点到现场看看。' } });
    expect(reply.ok && reply.matter.step).toBe('track');
    await performAction(ctx, { matter: m.id, actorId: p.villager.id, request: { action: 'add_info', text: '牛是刘家的', attachments: [{ kind: 'photo', platform: 'telegram', fileRef: 'AgAD-photo' }] } });
    const settled = await performAction(ctx, { matter: m.ref, actorId: p.officer.id, request: { action: 'settle', result: '双方协商，刘家赔偿菜苗两百元。' } });
    expect(settled.ok && settled.matter.state).toBe('settled');
    const rated = await performAction(ctx, { matter: m.ref, actorId: p.villager.id, request: { action: 'evaluate', rating: 'satisfied' } });
    expect(rated.ok && rated.matter.state).toBe('closed');

    expect(await templatesFor(m.id, p.villager.id)).toEqual(['receipt', 'taken', 'reply', 'settled']);
    expect(await templatesFor(m.id, p.officer.id)).toEqual(['assigned', 'villager_added']);
    const events = await store.db.select().from(matterEvents).where(eq(matterEvents.matterId, m.id)).orderBy(matterEvents.id);
    expect(events.map((e) => e.action)).toEqual(['report', 'receive', 'route', 'take', 'reply', 'add_info', 'settle', 'evaluate']);
    const msgs = await store.db.select().from(messages).where(eq(messages.matterId, m.id));
    expect(msgs.map((x) => x.direction).sort()).toEqual(['in', 'in', 'out', 'out']);

    // The villager's reply shows the officer's name and role; the rating message has the three buttons.
    const [replyDelivery] = await store.db.select().from(deliveries).where(and(eq(deliveries.matterId, m.id), eq(deliveries.template, 'reply')));
    const shown = renderDelivery(replyDelivery!, 'zh-CN', 'Asia/Shanghai');
    expect(shown.text).toContain('李冬梅');
    expect(shown.text).toContain('专职网格员');
    expect(shown.text).toContain('我下午两点到现场看看');
    const [settledDelivery] = await store.db.select().from(deliveries).where(and(eq(deliveries.matterId, m.id), eq(deliveries.template, 'settled')));
    expect(renderDelivery(settledDelivery!, 'en', 'Asia/Shanghai').buttons?.flat().map((a) => a.label)).toEqual(['Satisfied', 'Mostly satisfied', 'Not satisfied']);
  });

  it('reopens a matter rated 不满意 one level above, with the village grid leader', async () => {
    const p = await people();
    const m = await reported();
    await performAction(ctx, { matter: m.ref, actorId: p.officer.id, request: { action: 'take' } });
    await performAction(ctx, { matter: m.ref, actorId: p.officer.id, request: { action: 'settle', result: '已调解。' } });
    const r = await performAction(ctx, { matter: m.ref, actorId: p.villager.id, request: { action: 'evaluate', rating: 'unsatisfied', comment: '根本没人来看过' } });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.notice).toBe('reopened');
    expect(r.matter.state).toBe('open');
    expect(r.matter.level).toBe('village');
    expect(r.matter.assigneeId).toBe(p.leader.id);
    expect(await templatesFor(m.id, p.leader.id)).toEqual(['reopened']);
  });

  it('refuses what a person may not do, and tells a stranger nothing', async () => {
    const p = await people();
    const m = await reported();
    // Another villager of the same grid, pressing forged buttons.
    expect(await performAction(ctx, { matter: m.ref, actorId: p.neighbour.id, request: { action: 'settle', result: 'x' } })).toEqual({ ok: false, code: 'not_found' });
    expect(await performAction(ctx, { matter: m.ref, actorId: p.neighbour.id, request: { action: 'evaluate', rating: 'satisfied' } })).toEqual({ ok: false, code: 'not_found' });
    // An officer of another grid.
    expect((await performAction(ctx, { matter: m.ref, actorId: p.otherOfficer.id, request: { action: 'take' } })).ok).toBe(false);
    // The reporter may not settle their own matter; a backup officer may not take what is not theirs.
    expect(await performAction(ctx, { matter: m.ref, actorId: p.villager.id, request: { action: 'settle', result: '好了' } })).toMatchObject({ ok: false, code: 'not_permitted' });
    expect(await performAction(ctx, { matter: m.ref, actorId: p.backup.id, request: { action: 'take' } })).toMatchObject({ ok: false, code: 'not_permitted' });
    // Evaluating before settlement is not now; unknown or malformed references are not found.
    expect(await performAction(ctx, { matter: m.ref, actorId: p.villager.id, request: { action: 'evaluate', rating: 'satisfied' } })).toMatchObject({ ok: false, code: 'not_now' });
    expect(await performAction(ctx, { matter: '9999-9999', actorId: p.officer.id, request: { action: 'take' } })).toEqual({ ok: false, code: 'not_found' });
    // Empty and oversize texts.
    expect(await performAction(ctx, { matter: m.ref, actorId: p.officer.id, request: { action: 'reply', text: '  ' } })).toMatchObject({ ok: false, code: 'empty' });
    expect(await performAction(ctx, { matter: m.ref, actorId: p.officer.id, request: { action: 'reply', text: '长'.repeat(8001) } })).toMatchObject({ ok: false, code: 'too_long' });
    const [row] = await store.db.select().from(matters).where(eq(matters.id, m.id));
    expect(row!.step).toBe('dispatch');
  });

  it('reads button data back without trusting it', () => {
    expect(parseActionData(actionData('evaluate', '0000-0018', 'unsatisfied'))).toEqual({ action: 'evaluate', ref: '0000-0018', arg: 'unsatisfied' });
    expect(parseActionData('mx:take:0000-0019')).toBeNull(); // wrong check digit
    expect(parseActionData('mx:take:0000-0018;drop table')).toBeNull();
    expect(parseActionData('x'.repeat(500))).toBeNull();
  });

  it('acts once for the same event, and lets a villager urge once per period', async () => {
    const p = await people();
    const m = await reported();
    const a = await performAction(ctx, { matter: m.ref, actorId: p.officer.id, request: { action: 'reply', text: '收到' }, eventId: 'telegram:cb:1' });
    const b = await performAction(ctx, { matter: m.ref, actorId: p.officer.id, request: { action: 'reply', text: '收到' }, eventId: 'telegram:cb:1' });
    expect(a.ok && !a.duplicate).toBe(true);
    expect(b.ok && b.duplicate).toBe(true);
    expect((await store.db.select().from(matterEvents).where(and(eq(matterEvents.matterId, m.id), eq(matterEvents.action, 'reply')))).length).toBe(1);

    expect((await performAction(ctx, { matter: m.ref, actorId: p.villager.id, request: { action: 'urge' } })).ok).toBe(true);
    const again = await performAction(ctx, { matter: m.ref, actorId: p.villager.id, request: { action: 'urge' } });
    expect(again).toMatchObject({ ok: false, code: 'too_soon' });
    // The next urge is allowed exactly one reply period after the last: not a millisecond before.
    const retryAt = !again.ok ? again.retryAt! : new Date(0);
    expect(retryAt.getTime()).toBeGreaterThan(clock.getTime());
    clock = new Date(retryAt.getTime() - 1);
    expect(await performAction(ctx, { matter: m.ref, actorId: p.villager.id, request: { action: 'urge' } })).toMatchObject({ ok: false, code: 'too_soon', retryAt });
    clock = retryAt;
    expect((await performAction(ctx, { matter: m.ref, actorId: p.villager.id, request: { action: 'urge' } })).ok).toBe(true);
  });

  it('climbs a small matter to the village and no further, alerting the township', async () => {
    const p = await people();
    const m = await reported('村道上的井盖丢了', 'help');
    const up = await performAction(ctx, { matter: m.ref, actorId: p.officer.id, request: { action: 'escalate', reason: '需要村里协调' } });
    expect(up.ok && up.matter.level).toBe('village');
    expect(up.ok && up.matter.assigneeId).toBe(p.leader.id);
    const stay = await performAction(ctx, { matter: m.ref, actorId: p.leader.id, request: { action: 'escalate', reason: '村里解决不了' } });
    expect(stay.ok && stay.matter.level).toBe('village');
    expect(await templatesFor(m.id, p.townCadre.id)).toEqual(['escalation_alert']);
    // The township cadre supervises it by hand; the matter shows it.
    const sup = await performAction(ctx, { matter: m.ref, actorId: p.townCadre.id, request: { action: 'supervise', note: '三天内给群众答复' } });
    expect(sup.ok && sup.matter.supervised).toBe(true);
  });

  it('climbs a big matter to the township', async () => {
    const p = await people();
    const m = await reported('山体有裂缝，下面住着五户人家', 'help', 'big');
    await performAction(ctx, { matter: m.ref, actorId: p.officer.id, request: { action: 'escalate' } });
    const up = await performAction(ctx, { matter: m.ref, actorId: p.leader.id, request: { action: 'escalate' } });
    expect(up.ok && up.matter.level).toBe('township');
    expect(up.ok && up.matter.assigneeId).toBe(p.townCadre.id);
  });

  it('transfers only to someone who works this part of the tree', async () => {
    const p = await people();
    const m = await reported();
    const stranger = await newOfficer(store.db, await newNode(store.db, { name: '别村第一组', level: 'unit', parent: tree.township }), '外村人');
    expect(await performAction(ctx, { matter: m.ref, actorId: p.officer.id, request: { action: 'transfer', toPersonId: stranger.id } })).toMatchObject({ ok: false, code: 'invalid_target' });
    const moved = await performAction(ctx, { matter: m.ref, actorId: p.officer.id, request: { action: 'transfer', toPersonId: p.otherOfficer.id, reason: '他熟悉情况' } });
    expect(moved.ok && moved.matter.assigneeId).toBe(p.otherOfficer.id);
    expect(await templatesFor(m.id, p.otherOfficer.id)).toEqual(['assigned']);
  });

  it('offers for transfer exactly the people the transfer accepts (one rule for both)', async () => {
    const p = await people();
    const m = await reported();
    const away = await newOfficer(store.db, tree.otherUnit, '请假人', { onLeave: true });
    const liaison = await newPerson(store.db, { name: '水利站联络员', role: 'liaison', at: tree.township });
    const elsewhere = await newOfficer(store.db, await newNode(store.db, { name: '别村第一组', level: 'unit', parent: tree.township }), '外村人');
    const offered = (await transferTargets(store.db, m)).map((s) => s.personId);
    // The holder is not offered; the backup, the neighbouring grid (its officer on leave too), the village and the township are.
    expect(new Set(offered)).toEqual(new Set([p.backup.id, p.otherOfficer.id, away.id, p.leader.id, p.townCadre.id]));
    for (const outsider of [liaison.id, elsewhere.id, p.villager.id, p.officer.id])
      expect(await performAction(ctx, { matter: m.ref, actorId: p.leader.id, request: { action: 'transfer', toPersonId: outsider } }), outsider).toMatchObject({ ok: false, code: 'invalid_target' });
    const onLeave = await performAction(ctx, { matter: m.ref, actorId: p.leader.id, request: { action: 'transfer', toPersonId: away.id } });
    expect(onLeave.ok && onLeave.matter.assigneeId).toBe(away.id);
  });
});
