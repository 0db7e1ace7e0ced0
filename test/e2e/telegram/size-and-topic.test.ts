// 小事不出村，大事不出镇 as people decide it in chat, through the emulator: a villager's hazard with
// someone in danger at 23:00 alerts the village group at once (its words behind a button, the
// officer's card carrying the villager's phone); an officer marks a matter 大事 from its card and it
// climbs to the township when its limits pass, while a small one stops at the village and the
// township is only alerted; the topic the officer picks shows in `gridline stats`. The runtime's
// clock is set by the test; a time limit "passes" by moving the clock to its due time and letting
// the queue run the timer the clock set.
import { and, asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runOp } from '../../../src/app/ops.js';
import { render } from '../../../src/cli/render.js';
import type { LimitKind } from '../../../src/domain/index.js';
import { climbJobId, tickJobId } from '../../../src/ports/jobs.js';
import { intake } from '../../../src/services/intake-service.js';
import { deadlineClocks, deliveries, matterEvents, matters, people, topics } from '../../../src/store/schema.js';
import { setAlerts } from '../../support/alert-factories.js';
import { newGridLeader, newOfficer, newPerson, newTree, newVillager, type Tree } from '../../support/factories.js';
import { openTestStore, type TestStore } from '../../support/store.js';
import { startBot, type BotUnderTest } from '../../support/telegram/bot.js';
import { TelegramEmulator } from '../../support/telegram/emulator.js';
import { TelegramPerson } from '../../support/telegram/person.js';
import { matterByRef, refIn, saw, waitForMatter } from '../../support/telegram-flows.js';
import { waitFor } from '../../support/wait.js';

const beijing = (local: string) => new Date(`${local}+08:00`);

let store: TestStore;
let emulator: TelegramEmulator;
let bot: BotUnderTest;
let tree: Tree;
let clock = beijing('2026-11-27T09:00');
let nextUser = 870_000;
let nextEvent = 0;

const tg = (firstName: string, group?: { id: number; title: string }) => new TelegramPerson(emulator, { userId: nextUser++, firstName, languageCode: 'zh-hans', group });
const labels = (m: { buttons: Array<Array<{ label: string }>> }) => m.buttons.flat().map((b) => b.label);
const press = (p: TelegramPerson, message: { buttons: Array<Array<{ label: string; data: string }>>; messageId: number; text: string }, label: string) =>
  p.pressData(message.buttons.flat().find((b) => b.label === label)!.data, message);

beforeAll(async () => {
  store = await openTestStore('postgres');
  emulator = await TelegramEmulator.start();
  bot = await startBot(store, emulator, { now: () => clock });
});

beforeEach(async () => {
  await store.reset();
  clock = beijing('2026-11-27T09:00');
  tree = await newTree(store.db);
});

afterAll(async () => {
  await bot?.stop();
  await emulator?.close();
  await store?.close();
});

/** A report straight through intake, as if the villager had sent it; routed by the running bot. */
async function reported(villagerTg: string, text: string, category: 'help' | 'hazard' = 'help') {
  const r = await intake(bot.runtime.ctx, { eventId: `test:size:${++nextEvent}:${Date.now()}`, platform: 'telegram', externalUserId: villagerTg, kind: 'report', category, text, receivedAt: clock.toISOString() });
  if (r.status !== 'created') throw new Error(r.status);
  bot.runtime.ctx.outboxWritten();
  return waitForMatter(store, r.matter.ref, (m) => m.step === 'dispatch', 'routing');
}

/**
 * The matter's next time limit passes: the clock moves to its due time and the tick of that
 * second is run by the queue now (as it would be when that time came), with the climb it queues.
 */
async function passNextLimit(matterId: string): Promise<void> {
  const running = await waitFor(async () => {
    const rows = await store.db.select().from(deadlineClocks).where(and(eq(deadlineClocks.matterId, matterId), eq(deadlineClocks.status, 'running'))).orderBy(asc(deadlineClocks.dueAt));
    return rows[0] ?? null;
  }, 'a running clock');
  clock = new Date(Math.max(clock.getTime(), running.dueAt.getTime()) + 1000);
  const queue = bot.runtime.queues!.queue('deadline');
  const tick = await waitFor(async () => (await queue.getJob(tickJobId(running.dueAt))) ?? null, 'the tick job');
  if (await tick.isDelayed()) await tick.promote();
  await waitFor(async () => {
    const [row] = await store.db.select().from(deadlineClocks).where(and(eq(deadlineClocks.matterId, matterId), eq(deadlineClocks.kind, running.kind)));
    if (!row || row.version !== running.version) return true;
    if (row.status === 'running') return null;
    // Fired: the climb the miss queued has run (a limit another one covered climbs nothing).
    const missed = await store.db.select().from(matterEvents).where(and(eq(matterEvents.matterId, matterId), eq(matterEvents.action, 'deadline_missed')));
    if (!missed.some((e) => (e.data as { limit?: string; version?: number }).limit === running.kind && (e.data as { version?: number }).version === running.version)) return true;
    const climb = await queue.getJob(climbJobId({ matterId, limit: running.kind as LimitKind, version: running.version }));
    return climb && (await climb.isCompleted()) ? true : null;
  }, `the ${running.kind} limit to pass`);
}

describe('urgency from the villager', () => {
  it('a hazard with someone in danger, reported at 23:00, alerts the village group at once without the villager\'s words', async () => {
    clock = beijing('2026-11-27T23:00');
    const o = tg('李冬梅');
    await newOfficer(store.db, tree.unit, '李冬梅', { telegram: String(o.userId) });
    const group = { id: -100_870_999, title: '水川村两委群' };
    const secretaryTg = tg('罗建平', group);
    await newPerson(store.db, { name: '罗建平', role: 'cadre', at: tree.village, title: '水川村党支部书记', telegram: String(secretaryTg.userId) });
    await setAlerts(store.db, tree.village, { telegramChat: String(group.id), dm: false, quiet: { from: '22:00', to: '07:00' } });
    const v = tg('罗秀英');
    const villager = await newVillager(store.db, tree.unit, '罗秀英', { telegram: String(v.userId) });
    await store.db.update(people).set({ phone: '+8613800001234' }).where(eq(people.id, villager.id));

    await v.say('反映问题');
    await v.press('⚠️ 安全隐患');
    const ask = await v.waitForText('现在有没有人身危险');
    expect(labels(ask)).toEqual(['🆘 有，现在就有危险', '没有，但要尽快处理']);
    await press(v, ask, '🆘 有，现在就有危险');
    await v.waitForText('请说一说是什么事');
    await v.say('后山滑坡了，石头滚到刘家屋后，老人还在屋里。');
    await v.press('✅ 说完了');
    await v.waitForText('事情发生在哪里');
    await v.say('跳过');
    const check = await v.waitForText('请您核对一下');
    expect(check.text).toContain('现场有人身危险');
    await v.press('📨 提交');
    const filed = await v.waitForText('受理编号');
    const ref = refIn(filed.text);

    // At once, in quiet hours: the group sees the category, grid, reference and level, not the words or the name.
    const alert = await saw(secretaryTg, '【紧急隐患】');
    expect(alert.text).toContain(ref);
    expect(alert.text).toContain('第三组');
    expect(alert.text).not.toContain('滑坡');
    expect(alert.text).not.toContain('罗秀英');
    expect(labels(alert)).toEqual(['查看内容', '我来接手', '督办']);
    const matter = (await matterByRef(store, ref))!;
    expect(matter).toMatchObject({ urgent: true, size: 'big', topic: 'safety', category: 'hazard' });
    const alerts = await store.db.select().from(deliveries).where(and(eq(deliveries.matterId, matter.id), eq(deliveries.template, 'urgent_hazard')));
    expect(alerts.map((d) => d.status)).toEqual(['sent']);

    // The officer holding it sees the villager's phone on the card; the group never does.
    const card = await saw(o, `【新事项】${ref}`);
    expect(card.text).toContain('+8613800001234');
    expect(alert.text).not.toContain('13800001234');

    // The words are one tap away for the cadre, privately.
    const dm = new TelegramPerson(emulator, { userId: secretaryTg.userId, firstName: '罗建平', languageCode: 'zh-hans' });
    await press(secretaryTg, alert, '查看内容');
    const words = await saw(dm, '【群众原话】');
    expect(words.text).toContain('后山滑坡了');
    expect(secretaryTg.messages().some((m) => m.text.includes('滑坡'))).toBe(false);
    const viewed = await store.db.select().from(matterEvents).where(and(eq(matterEvents.matterId, matter.id), eq(matterEvents.action, 'view')));
    expect(viewed).toHaveLength(1);
  });
});

describe('大事 and 小事 from the card', () => {
  async function cast() {
    const o = tg('李冬梅');
    const officer = await newOfficer(store.db, tree.unit, '李冬梅', { telegram: String(o.userId) });
    const leaderTg = tg('张国华');
    await newGridLeader(store.db, tree.village, '张国华', { telegram: String(leaderTg.userId) });
    const townTg = tg('何建军');
    await newPerson(store.db, { name: '何建军', role: 'grid_leader', at: tree.township, title: '湖泽镇网格长', telegram: String(townTg.userId) });
    const v = tg('罗秀英');
    await newVillager(store.db, tree.unit, '罗秀英', { telegram: String(v.userId) });
    return { o, officer, leaderTg, townTg, v };
  }

  it('an officer marks a matter 大事 with a reason; it climbs to the township when its limits pass', async () => {
    const { o, townTg, v } = await cast();
    const m = await reported(String(v.userId), '三组的自来水管爆了，十几户没水喝。');
    const card = await saw(o, `【新事项】${m.ref}`);
    o.mark();
    await press(o, card, '接单');
    const taken = await waitFor(() => o.messages().find((x) => x.messageId === card.messageId && labels(x).includes('定大小事') && x.text.includes('已接单')) ?? null, 'the card renewed after 接单');
    const settleBefore = (await store.db.select().from(deadlineClocks).where(and(eq(deadlineClocks.matterId, m.id), eq(deadlineClocks.kind, 'settle'))))[0]!;

    await press(o, taken, '定大小事');
    const pick = await o.waitForText(`事项 ${m.ref} 现在是小事`);
    await press(o, pick, '🔺 大事');
    await o.waitForText('为什么定为大事');
    await o.say('十几户人家没水，要镇里水务站来修。');
    await o.waitForText(`事项 ${m.ref} 已定为大事`);
    const big = await waitForMatter(store, m.ref, (x) => x.size === 'big', 'marked big');
    const marked = (await store.db.select().from(matterEvents).where(and(eq(matterEvents.matterId, m.id), eq(matterEvents.action, 'mark_size'))))[0]!;
    expect(marked).toMatchObject({ note: '十几户人家没水，要镇里水务站来修。', data: { size: 'big', from: 'small', top: 'township' } });
    // The limits follow the size: the settle clock was set again (a big matter has longer to settle).
    const settleAfter = (await store.db.select().from(deadlineClocks).where(and(eq(deadlineClocks.matterId, m.id), eq(deadlineClocks.kind, 'settle'))))[0]!;
    expect(settleAfter.dueAt.getTime()).toBeGreaterThan(settleBefore.dueAt.getTime());
    expect(big.dueAt!.getTime()).toBe(settleAfter.dueAt.getTime());

    // The card (the matter's detail) shows it.
    o.mark();
    await o.command('/mine');
    const list = await o.waitForText('您手上的事项');
    await press(o, list, labels(list)[0]!);
    const detail = await o.waitForText(`【${m.ref}】`);
    expect(detail.text).toContain('大事');

    for (let i = 0; i < 3 && (await matterByRef(store, m.ref))!.level !== 'township'; i++) await passNextLimit(m.id);
    const top = await waitForMatter(store, m.ref, (x) => x.level === 'township', 'the climb to the township');
    expect(top.size).toBe('big');
    await saw(townTg, m.ref);
  }, 60_000);

  it('a small matter stops at the village when its limits pass, and the township is only alerted', async () => {
    const { o, townTg, v } = await cast();
    const m = await reported(String(v.userId), '路灯坏了两盏。');
    const card = await saw(o, `【新事项】${m.ref}`);
    await press(o, card, '接单');
    await waitForMatter(store, m.ref, (x) => x.step === 'handle', 'taken');
    await passNextLimit(m.id);
    await waitForMatter(store, m.ref, (x) => x.level === 'village', 'up to the village');
    await passNextLimit(m.id);
    const alert = await saw(townTg, `【督办提醒】`);
    expect(alert.text).toContain(m.ref);
    const stays = (await matterByRef(store, m.ref))!;
    expect([stays.size, stays.level]).toEqual(['small', 'village']);
    const last = (await store.db.select().from(matterEvents).where(and(eq(matterEvents.matterId, m.id), eq(matterEvents.action, 'escalate'))).orderBy(asc(matterEvents.id))).at(-1)!;
    expect(last.data).toMatchObject({ stays: true, alerted: 'township' });
  }, 60_000);
});

describe('the topic', () => {
  it('the officer picks the topic from the roster\'s list; `gridline stats` counts matters by topic', async () => {
    await store.db.insert(topics).values([
      { code: 'general', name: '综合', position: 0 },
      { code: 'environment', name: '生态环境', position: 1 },
      { code: 'school', name: '校园周边', position: 2 },
    ]);
    const o = tg('李冬梅');
    await newOfficer(store.db, tree.unit, '李冬梅', { telegram: String(o.userId) });
    const v = tg('罗秀英');
    await newVillager(store.db, tree.unit, '罗秀英', { telegram: String(v.userId) });
    const m = await reported(String(v.userId), '河边有人倒垃圾，水都臭了。');
    const card = await saw(o, `【新事项】${m.ref}`);
    o.mark();
    await press(o, card, '选专题');
    const pick = await o.waitForText(`事项 ${m.ref} 归哪个专题`);
    expect(labels(pick)).toEqual(['综合', '生态环境', '校园周边']);
    await press(o, pick, '生态环境');
    await o.waitForText(`事项 ${m.ref} 已归入“生态环境”`);
    await waitForMatter(store, m.ref, (x) => x.topic === 'environment', 'the topic set');

    const stats = await runOp(bot.runtime.ctx, 'stats', { grid: tree.village.code });
    expect((stats as { byTopic: unknown }).byTopic).toEqual([{ topic: 'environment', name: '生态环境', accepted: 1, settled: 0, open: 1, big: 0 }]);
    const text = render('stats', stats, 'zh-CN', 'Asia/Shanghai');
    expect(text).toContain('分专题受理');
    expect(text).toMatch(/生态环境\s*│?\s*1/);
    // Someone with no part in the matter cannot set it.
    const stranger = tg('赵红梅');
    await newOfficer(store.db, tree.otherUnit, '赵红梅', { telegram: String(stranger.userId) });
    await stranger.pressData(`mx:set_topic:${m.ref}`);
    await stranger.pressData(`mx:mark_size:${m.ref}`);
    await waitFor(() => emulator.callsOf('answerCallbackQuery').filter((c) => String(c.body.text ?? '') === '找不到这个事项，或者它不归您办理。').length >= 2, 'the refusals');
  }, 60_000);
});
