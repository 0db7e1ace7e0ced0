// 回访: settling a matter writes a look at it three days on; then its officer is reminded when the
// villager has not rated it, or rated it 不满意 (reopened, settled again), and not when they were
// content. The look runs once per settlement: a repeat or an older settlement's look writes nothing.
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ServiceContext } from '../../../src/ports/context.js';
import { followUpDue } from '../../../src/services/follow-up.js';
import { answerFollowUp } from '../../../src/services/follow-up-answer.js';
import { intake } from '../../../src/services/intake-service.js';
import { performAction } from '../../../src/services/matter-actions.js';
import { renderDelivery } from '../../../src/services/notify-service.js';
import { routeMatter } from '../../../src/services/routing-service.js';
import { deliveries, gridNodes, matterEvents, matters, outbox } from '../../../src/store/schema.js';
import { newGridLeader, newOfficer, newTree, newVillager, type Tree } from '../../support/factories.js';
import { testLogger } from '../../support/runtime.js';
import { openTestStore, type TestStore } from '../../support/store.js';

describe('回访 after a matter is settled', () => {
  let store: TestStore;
  let ctx: ServiceContext;
  let tree: Tree;
  let clock = new Date('2026-11-27T02:00:00Z');
  let n = 0;

  beforeAll(async () => {
    store = await openTestStore('postgres');
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

  async function settled(officerId: string, text: string) {
    const r = await intake(ctx, { eventId: `t:${++n}`, platform: 'telegram', externalUserId: '1001', kind: 'report', category: 'help', text, receivedAt: clock.toISOString() });
    if (r.status !== 'created') throw new Error(r.status);
    await routeMatter(ctx, r.matter.id);
    await performAction(ctx, { matter: r.matter.id, actorId: officerId, request: { action: 'take' } });
    const s = await performAction(ctx, { matter: r.matter.id, actorId: officerId, request: { action: 'settle', result: '已经修好了。' } });
    if (!s.ok) throw new Error(`not settled: ${JSON.stringify(s)}`);
    return (await store.db.select().from(matters).where(eq(matters.id, r.matter.id)))[0]!;
  }

  const looks = async () =>
    (await store.db.select().from(outbox).where(eq(outbox.queue, 'broadcast'))).map((o) => ({ ...(o.payload as { op: string; matterId: string; settledAt: string }), runAt: o.runAt }));
  const reminders = async (matterId: string) => store.db.select().from(deliveries).where(and(eq(deliveries.matterId, matterId), eq(deliveries.template, 'follow_up')));

  it('reminds the officer of one not rated, once, in words; not of one rated 满意', async () => {
    const officer = await newOfficer(store.db, tree.unit, '李冬梅', { telegram: '2002' });
    await newVillager(store.db, tree.unit, '罗秀英', { telegram: '1001' });
    const silent = await settled(officer.id, '村口路灯坏了');
    const content = await settled(officer.id, '水渠堵了');
    await performAction(ctx, { matter: content.id, actorId: content.reporterId!, request: { action: 'evaluate', rating: 'satisfied' } });

    const written = await looks();
    expect(written.map((l) => [l.op, l.matterId, l.runAt?.toISOString()])).toEqual([
      ['follow_up', silent.id, '2026-11-30T02:00:00.000Z'],
      ['follow_up', content.id, '2026-11-30T02:00:00.000Z'],
    ]);
    clock = new Date('2026-11-30T02:00:00Z');
    for (const l of written) await followUpDue(ctx, l);
    const [reminder] = await reminders(silent.id);
    expect(reminder).toMatchObject({ personId: officer.id });
    expect(renderDelivery(reminder!, 'zh-CN', 'Asia/Shanghai').text).toBe(`回访提醒：事项 ${silent.ref} 办结已经 3 天了，群众还没有评价。请抽空给群众打个电话或者上门看看，问问事情是不是真解决了。今天也问了群众一声现在怎么样，群众回话后会告诉您。`);
    expect(await reminders(content.id)).toHaveLength(0);
    // The same look run again writes nothing more.
    expect(await followUpDue(ctx, written[0]!)).toMatchObject({ outcome: 'duplicate' });
    expect(await reminders(silent.id)).toHaveLength(1);
  });

  it('reminds whoever settled it again after a 不满意, and ignores the first settlement’s look', async () => {
    const officer = await newOfficer(store.db, tree.unit, '李冬梅', { telegram: '2002' });
    const leader = await newGridLeader(store.db, tree.village, '张国华', { telegram: '2009' });
    await newVillager(store.db, tree.unit, '罗秀英', { telegram: '1001' });
    const m = await settled(officer.id, '低保材料交了没回音');
    // 不满意: reopened a level up, the village's grid leader settles it again a day later.
    await performAction(ctx, { matter: m.id, actorId: m.reporterId!, request: { action: 'evaluate', rating: 'unsatisfied' } });
    clock = new Date('2026-11-28T02:00:00Z');
    expect(await performAction(ctx, { matter: m.id, actorId: leader.id, request: { action: 'take' } })).toMatchObject({ ok: true });
    const again = await performAction(ctx, { matter: m.id, actorId: leader.id, request: { action: 'settle', result: '材料已补齐，镇里审核通过。' } });
    expect(again.ok).toBe(true);
    const [first, second] = await looks();
    clock = new Date('2026-12-01T02:00:00Z');
    expect(await followUpDue(ctx, first!)).toMatchObject({ outcome: 'settled_again' });
    expect(await followUpDue(ctx, second!)).toMatchObject({ outcome: 'reminded', reason: 'unsatisfied' });
    const [reminder] = await reminders(m.id);
    expect(reminder!.personId).toBe(leader.id);
    expect(renderDelivery(reminder!, 'zh-CN', 'Asia/Shanghai').text).toContain('群众评价过“不满意”');
  });

  it('follows the grid’s roster: its days, 满意 turned on, the villager asked or not', async () => {
    const officer = await newOfficer(store.db, tree.unit, '李冬梅', { telegram: '2002' });
    await newVillager(store.db, tree.unit, '罗秀英', { telegram: '1001' });
    await store.db.update(gridNodes).set({ followUpDays: 5, followUpOutcomes: ['unrated', 'satisfied'], followUpAsk: false }).where(eq(gridNodes.id, tree.unit.id));
    const content = await settled(officer.id, '水渠堵了');
    await performAction(ctx, { matter: content.id, actorId: content.reporterId!, request: { action: 'evaluate', rating: 'satisfied' } });
    const [look] = await looks();
    expect(look!.runAt?.toISOString()).toBe('2026-12-02T02:00:00.000Z');
    clock = new Date('2026-12-02T02:00:00Z');
    expect(await followUpDue(ctx, look!)).toMatchObject({ outcome: 'reminded', reason: 'satisfied', asked: false });
    const [reminder] = await reminders(content.id);
    expect(renderDelivery(reminder!, 'zh-CN', 'Asia/Shanghai').text).toBe(`回访提醒：事项 ${content.ref} 办结已经 5 天了，群众评价的是“满意”。请抽空给群众打个电话或者上门看看，问问事情是不是真解决了。`);
    expect(await store.db.select().from(deliveries).where(eq(deliveries.template, 'follow_up_ask'))).toEqual([]);
    // 不满意 is not on this grid's list.
    await store.db.update(gridNodes).set({ followUpOutcomes: ['satisfied'] }).where(eq(gridNodes.id, tree.unit.id));
    const silent = await settled(officer.id, '路灯坏了');
    clock = new Date(clock.getTime() + 5 * 86_400_000);
    expect(await followUpDue(ctx, { matterId: silent.id, settledAt: silent.feedbackAt!.toISOString() })).toMatchObject({ outcome: 'not_needed', reason: 'unrated' });
  });

  it('asks the villager once, never in their quiet hours: at 23:00 the question waits for 07:00', async () => {
    const officer = await newOfficer(store.db, tree.unit, '李冬梅', { telegram: '2002' });
    const villager = await newVillager(store.db, tree.unit, '罗秀英', { telegram: '1001' });
    clock = new Date('2026-11-27T15:00:00Z'); // 23:00 in Shanghai
    const m = await settled(officer.id, '村口路灯坏了');
    const [look] = await looks();
    clock = new Date('2026-11-30T15:00:00Z');
    await followUpDue(ctx, look!);
    expect(await followUpDue(ctx, look!)).toMatchObject({ outcome: 'duplicate' });
    const asks = await store.db.select().from(deliveries).where(eq(deliveries.template, 'follow_up_ask'));
    expect(asks.map((a) => [a.personId, a.matterId, a.dueAt?.toISOString()])).toEqual([[villager.id, m.id, '2026-11-30T23:00:00.000Z']]);
    const question = renderDelivery(asks[0]!, 'zh-CN', 'Asia/Shanghai');
    expect(question.text).toBe(`您好！您反映的事项 ${m.ref}（求助：村口路灯坏了）办结已经 3 天了。现在怎么样了？点一下下面的按钮告诉我们就行。`);
    expect(question.buttons?.flat().map((b) => [b.label, b.data])).toEqual([
      ['已经解决了', `mx:follow_up:${m.ref}:solved`],
      ['还没解决', `mx:follow_up:${m.ref}:unsolved`],
      ['不用再问', `mx:follow_up:${m.ref}:stop`],
    ]);
    // Its send job waits for the morning too.
    const sends = (await store.db.select().from(outbox).where(eq(outbox.queue, 'send'))).map((o) => o.payload as { recipient: string; at?: string });
    expect(sends).toContainEqual(expect.objectContaining({ recipient: `person:${villager.id}`, at: '2026-11-30T23:00:00.000Z' }));
  });

  it('records one answer when two presses come at once, and none from anyone else', async () => {
    const officer = await newOfficer(store.db, tree.unit, '李冬梅', { telegram: '2002' });
    const villager = await newVillager(store.db, tree.unit, '罗秀英', { telegram: '1001' });
    const other = await newVillager(store.db, tree.unit, '王秀英', { telegram: '1002' });
    const m = await settled(officer.id, '村口路灯坏了');
    const [look] = await looks();
    clock = new Date('2026-11-30T02:00:00Z');
    await followUpDue(ctx, look!);
    await store.db.update(deliveries).set({ status: 'sent' }).where(eq(deliveries.template, 'follow_up_ask'));
    expect(await answerFollowUp(ctx, { personId: other.id, ref: m.ref, answer: 'unsolved', eventId: 'e:0' })).toEqual({ ok: false, code: 'stale' });
    expect(await answerFollowUp(ctx, { personId: villager.id, ref: m.ref, answer: 'later', eventId: 'e:1' })).toEqual({ ok: false, code: 'stale' });
    const both = await Promise.all(['e:2', 'e:3'].map((eventId) => answerFollowUp(ctx, { personId: villager.id, ref: m.ref, answer: 'solved', eventId })));
    expect(both.map((r) => (r.ok ? 'ok' : r.code)).sort()).toEqual(['answered', 'ok']);
    const events = await store.db.select().from(matterEvents).where(and(eq(matterEvents.matterId, m.id), eq(matterEvents.action, 'follow_up_answer')));
    expect(events.map((e) => [e.actorId, e.data?.answer])).toEqual([[villager.id, 'solved']]);
    // The reminded officer hears it, once, with the time it came.
    const heard = await store.db.select().from(deliveries).where(eq(deliveries.template, 'follow_up_answered'));
    expect(heard.map((d) => d.personId)).toEqual([officer.id]);
    expect(renderDelivery(heard[0]!, 'zh-CN', 'Asia/Shanghai').text).toMatch(new RegExp(`^回访回话：事项 ${m.ref} 的群众在 .*10:00 回答：已经解决了。$`));
  });

  it('alerts the holder when a matter rated 满意 (followed up by the roster) is not solved after all; it stays closed', async () => {
    const officer = await newOfficer(store.db, tree.unit, '李冬梅', { telegram: '2002' });
    const villager = await newVillager(store.db, tree.unit, '罗秀英', { telegram: '1001' });
    await store.db.update(gridNodes).set({ followUpOutcomes: ['satisfied'] }).where(eq(gridNodes.id, tree.unit.id));
    const m = await settled(officer.id, '水渠堵了');
    await performAction(ctx, { matter: m.id, actorId: villager.id, request: { action: 'evaluate', rating: 'satisfied' } });
    const [look] = await looks();
    clock = new Date('2026-11-30T02:00:00Z');
    expect(await followUpDue(ctx, look!)).toMatchObject({ outcome: 'reminded', reason: 'satisfied', asked: true });
    await store.db.update(deliveries).set({ status: 'sent' }).where(eq(deliveries.template, 'follow_up_ask'));
    expect(await answerFollowUp(ctx, { personId: villager.id, ref: m.ref, answer: 'unsolved', eventId: 'e:1' })).toMatchObject({ ok: true, reopened: false });
    expect((await store.db.select().from(matters).where(eq(matters.id, m.id)))[0]).toMatchObject({ state: 'closed' });
    const alert = (await store.db.select().from(deliveries).where(eq(deliveries.template, 'follow_up_unsolved')))[0]!;
    expect(alert.personId).toBe(officer.id);
    expect(renderDelivery(alert, 'zh-CN', 'Asia/Shanghai').text).toMatch(new RegExp(`^【回访】事项 ${m.ref} 的群众在 .* 回答：还没解决。请尽快联系群众，看看还差什么。$`));
  });
});
