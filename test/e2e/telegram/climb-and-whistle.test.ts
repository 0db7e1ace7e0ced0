// Climbing never orphans a matter, and the whistle whole, as people go them in Telegram: a limit
// passes, the officer is told, keeps the matter, gets the cadre's 督办 and settles it; 上报 by hand
// hands the matter up by name while the officer helps on it from /mine; the 75% warning names the
// real due time once; the township whistles two departments, the settle press is refused naming
// the ones still working, each sign-off reaches the whistler, and both parts are rated from chat.
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { LimitKind, TimerPhase } from '../../../src/domain/index.js';
import { timerPayload, toClock } from '../../../src/services/deadline-sync.js';
import { handleDeadlineJob } from '../../../src/services/deadline-timers.js';
import { intake } from '../../../src/services/intake-service.js';
import { runOp } from '../../../src/app/ops.js';
import { render } from '../../../src/cli/render.js';
import { performAction } from '../../../src/services/matter-actions.js';
import type { GridStats } from '../../../src/services/stats-service.js';
import { deadlineClocks, deliveries } from '../../../src/store/schema.js';
import { newDepartmentWithLiaison, setAlerts } from '../../support/alert-factories.js';
import { newGridLeader, newOfficer, newPerson, newTree, newVillager, type Tree } from '../../support/factories.js';
import { openTestStore, type TestStore } from '../../support/store.js';
import { startBot, type BotUnderTest } from '../../support/telegram/bot.js';
import { TelegramEmulator, type BotMessage } from '../../support/telegram/emulator.js';
import { TelegramPerson } from '../../support/telegram/person.js';
import { count, matterByRef, saw, waitForMatter } from '../../support/telegram-flows.js';
import { waitFor } from '../../support/wait.js';

let store: TestStore;
let emulator: TelegramEmulator;
let bot: BotUnderTest;
let tree: Tree;
let nextUser = 860_000;
let nextEvent = 0;
const beijing = (local: string) => new Date(`${local}+08:00`);
let clock = beijing('2026-11-27T09:00');

const tg = (firstName: string, group?: { id: number; title: string }) => new TelegramPerson(emulator, { userId: nextUser++, firstName, languageCode: 'zh-hans', group });
const labels = (m: { buttons: Array<Array<{ label: string }>> }) => m.buttons.flat().map((b) => b.label);
const press = (p: TelegramPerson, message: BotMessage, label: string) => {
  const b = message.buttons.flat().find((x) => x.label === label);
  if (!b) throw new Error(`no button ${label} on: ${message.text} (${labels(message).join(', ')})`);
  return p.pressData(b.data, message);
};

async function reported(villagerTg: string, text: string, category: 'dispute' | 'help' = 'help', size: 'small' | 'big' = 'small') {
  const r = await intake(bot.runtime.ctx, { eventId: `test:${++nextEvent}:${Date.now()}`, platform: 'telegram', externalUserId: villagerTg, kind: 'report', category, size, text, receivedAt: clock.toISOString() });
  if (r.status !== 'created') throw new Error(r.status);
  bot.runtime.ctx.outboxWritten();
  return waitForMatter(store, r.matter.ref, (m) => m.step === 'dispatch', 'routing');
}

/** The deadline timer a clock set, run at its time as the deadline worker would run it. */
async function fireTimer(matterId: string, limit: LimitKind, phase: TimerPhase = 'due') {
  const [row] = await store.db.select().from(deadlineClocks).where(and(eq(deadlineClocks.matterId, matterId), eq(deadlineClocks.kind, limit)));
  if (!row || row.status !== 'running') throw new Error(`no running ${limit} clock`);
  const job = timerPayload(matterId, toClock(row), phase);
  clock = new Date(Math.max(clock.getTime(), Date.parse(job.at)));
  const out = await handleDeadlineJob(bot.runtime.ctx, { remove: async () => 0 }, job);
  bot.runtime.ctx.outboxWritten();
  return out;
}

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

describe('climbing never orphans a matter', () => {
  it('after a missed limit the officer is told, keeps it, gets the 督办 with the cadre’s words and settles it', async () => {
    const o = tg('李冬梅');
    const officer = await newOfficer(store.db, tree.unit, '李冬梅', { telegram: String(o.userId) });
    const group = { id: -100_860_900, title: '水川村两委群' };
    const cadre = tg('张国华', group);
    await newGridLeader(store.db, tree.village, '张国华', { telegram: String(cadre.userId) });
    await setAlerts(store.db, tree.village, { telegramChat: String(group.id), dm: false });
    const v = tg('罗秀英');
    await newVillager(store.db, tree.unit, '罗秀英', { telegram: String(v.userId) });
    const m = await reported(String(v.userId), '村口的路灯坏了一个星期了。');
    await saw(o, `【新事项】${m.ref}`);

    // Nobody takes it within the accept limit: the matter climbs to the village, the officer keeps it.
    expect(await fireTimer(m.id, 'accept')).toMatchObject({ outcome: 'escalated', level: 'village', assigneeId: officer.id });
    const told = await saw(o, `【时限已过】事项 ${m.ref}`);
    expect(told.text).toContain('超过受理时限未接单');
    expect(told.text).toContain('仍由您继续办理');
    expect(labels(told)).toEqual(expect.arrayContaining(['回复', '办结']));
    const alert = await saw(cadre, '【督办提醒】');
    expect(alert.text).toContain('原因：超过受理时限未接单');
    expect(alert.text).not.toContain('已超时未办结');

    // /mine still lists it.
    o.mark();
    await o.command('/mine');
    expect((await o.waitForText('您手上的事项')).text).toContain(m.ref);

    // The village cadre supervises from the group; the 督办 reaches the officer with the cadre's words.
    cadre.mark();
    await press(cadre, alert, '督办');
    await cadre.waitForText('请选一句督办意见');
    await cadre.press('请今天之内办结。');
    await cadre.waitForText('已督办');
    const supervised = await saw(o, new RegExp(`【督办】.*张国华.*督办事项 ${m.ref}：请今天之内办结。`, 's'));

    // And the officer settles it from the 督办 itself.
    o.mark();
    await press(o, supervised, '办结');
    await o.waitForText('请写下事项');
    await o.say('路灯已换新，晚上亮了。');
    await o.waitForText('已办结');
    await waitForMatter(store, m.ref, (x) => x.state === 'settled', 'settled by the officer');
    await saw(v, `${m.ref} 已办结`);
  }, 90_000);

  it('上报 by hand hands it up by name; the officer helps on it from /mine; the alert says who and why', async () => {
    const o = tg('李冬梅');
    await newOfficer(store.db, tree.unit, '李冬梅', { telegram: String(o.userId) });
    const l = tg('张国华');
    const leader = await newGridLeader(store.db, tree.village, '张国华', { telegram: String(l.userId) });
    const group = { id: -100_860_901, title: '水川村两委群' };
    const secretary = tg('罗建平', group);
    await newPerson(store.db, { name: '罗建平', role: 'cadre', at: tree.village, title: '水川村党支部书记', telegram: String(secretary.userId) });
    await setAlerts(store.db, tree.village, { telegramChat: String(group.id), dm: false });
    const v = tg('罗秀英');
    await newVillager(store.db, tree.unit, '罗秀英', { telegram: String(v.userId) });
    const m = await reported(String(v.userId), '河边护栏断了一截，小孩常在那里玩。');
    const card = await saw(o, `【新事项】${m.ref}`);

    o.mark();
    await press(o, card, '上报');
    await o.waitForText('为什么要上报');
    await o.say('需要村里协调挖掘机。');
    await o.waitForText(`事项 ${m.ref} 已上报村里，由张国华接手办理`);
    await waitForMatter(store, m.ref, (x) => x.assigneeId === leader.id && x.level === 'village', 'handed up');
    const gained = await saw(l, `【上报事项】${m.ref}`);
    expect(gained.text).toContain('由李冬梅上报，原因：需要村里协调挖掘机。');
    const alert = await saw(secretary, '【督办提醒】');
    // The group reads who, not the officer's words (they may carry the villager's).
    expect(alert.text).toContain('原因：李冬梅上报（理由不在群里显示）');
    expect(alert.text).not.toContain('需要村里协调挖掘机');
    expect(alert.text).not.toContain('河边护栏断了一截');
    expect(alert.text).not.toContain('超时');

    // The officer helps on it: /mine shows it apart from what he holds.
    o.mark();
    await o.command('/mine');
    const list = await o.waitForText('您协助办理的事项（1 件）');
    expect(list.text).toContain(m.ref);
  }, 90_000);

  it('the 75% warning names the limit and its real due time, once, for a dispute due at the cut-off', async () => {
    const o = tg('李冬梅');
    const officer = await newOfficer(store.db, tree.unit, '李冬梅', { telegram: String(o.userId) });
    const v = tg('罗秀英');
    await newVillager(store.db, tree.unit, '罗秀英', { telegram: String(v.userId) });
    clock = beijing('2026-11-27T15:00');
    const m = await reported(String(v.userId), '邻居在我家田边堆柴草，说了不听。', 'dispute');
    const card = await saw(o, `【新事项】${m.ref}`);
    clock = beijing('2026-11-27T18:30');
    await press(o, card, '接单');
    await waitForMatter(store, m.ref, (x) => x.step === 'handle', 'taken');
    // Both the reply and the settle limits end at the 20:00 cut-off: one warning, for settling.
    await fireTimer(m.id, 'settle', 'warn');
    await fireTimer(m.id, 'reply', 'warn');
    const warning = await saw(o, `【时限提醒】事项 ${m.ref}`);
    expect(warning.text).toMatch(/办结时限将于.*20:00到期/);
    expect(warning.text).not.toContain('18:45');
    const warned = await store.db.select().from(deliveries).where(and(eq(deliveries.matterId, m.id), eq(deliveries.template, 'deadline_warning')));
    expect(warned).toHaveLength(1);
    // At the cut-off the climb gives one reason, the dispute's.
    await fireTimer(m.id, 'reply');
    await fireTimer(m.id, 'settle');
    const told = await saw(o, `【时限已过】事项 ${m.ref}`);
    expect(told.text).toContain('纠纷当日未化解');
    expect((await matterByRef(store, m.ref))!.assigneeId).toBe(officer.id);
  }, 90_000);
});

describe('the whistle, whole', () => {
  it('the township whistles two departments, the early settle is refused naming them, and rates both parts from chat', async () => {
    await newOfficer(store.db, tree.unit, '李冬梅');
    const t = tg('何建军');
    const town = await newPerson(store.db, { name: '何建军', role: 'grid_leader', at: tree.township, title: '湖泽镇网格长', telegram: String(t.userId) });
    const farmTg = tg('周明');
    const farm = await newDepartmentWithLiaison(store.db, { code: 'nongban', name: '湖泽镇农业农村办', at: tree.township, liaison: '周明', telegram: String(farmTg.userId) });
    const waterTg = tg('吴海');
    const water = await newDepartmentWithLiaison(store.db, { code: 'shuili', name: '湖泽镇水利站', at: tree.township, liaison: '吴海', telegram: String(waterTg.userId) });
    const v = tg('罗秀英');
    await newVillager(store.db, tree.unit, '罗秀英', { telegram: String(v.userId) });
    const m = await reported(String(v.userId), '山塘堤坝渗水，下游有五户人家。', 'help', 'big');
    // The township has taken it over (a big matter's ladder reaches the township; taking over from chat is tested elsewhere).
    expect((await performAction(bot.runtime.ctx, { matter: m.id, actorId: town.id, request: { action: 'transfer', toPersonId: town.id } })).ok).toBe(true);
    bot.runtime.ctx.outboxWritten();

    // From /mine: take it, then whistle both departments.
    t.mark();
    await t.command('/mine');
    const mine = await t.waitForText('您手上的事项');
    await press(t, mine, mine.buttons.flat()[0]!.label);
    await press(t, await t.waitForText(`【${m.ref}】`), '接单');
    await t.waitForText('已接单');
    for (const [dept, reason] of [['湖泽镇农业农村办', '请农办查看下游农田'], ['湖泽镇水利站', '请水利站到场查看堤坝']] as const) {
      t.mark();
      await t.command('/mine');
      const list = await t.waitForText('您手上的事项');
      await press(t, list, list.buttons.flat()[0]!.label);
      await press(t, await t.waitForText(`【${m.ref}】`), '吹哨');
      await press(t, await t.waitForText('要请哪个部门来协办'), dept);
      await t.waitForText('需要部门做什么');
      await t.say(reason);
      await t.waitForText('已吹哨');
    }

    // The farm office reports in and signs off; the whistler hears of both.
    const farmCall = await saw(farmTg, '【吹哨报到】');
    await press(farmTg, farmCall, '报到');
    await saw(t, `【部门报到】湖泽镇农业农村办`);
    farmTg.mark();
    const marked = await waitFor(() => farmTg.messages().find((x) => x.messageId === farmCall.messageId && labels(x).includes('本部门办结')) ?? null, 'the card marked');
    await press(farmTg, marked, '本部门办结');
    await farmTg.waitForText('本部门办了什么');
    await farmTg.say('下游农田已查看，没有受淹。');
    await farmTg.waitForText('已确认本部门办完');
    const farmDone = await saw(t, '【部门办结】湖泽镇农业农村办');

    // Settling now is refused at the press, naming the station still at work.
    t.mark();
    await press(t, farmDone, '回复');
    await t.waitForText('请写给群众的答复');
    await t.say('农办已查看农田，水利站正在处理堤坝。');
    await press(t, await t.waitForText('收到了'), '📨 发送');
    await t.waitForText('已发给群众');
    t.mark();
    await t.pressData(`mx:settle:${m.ref}`, farmDone);
    const refused = await t.waitForText('还不能办结');
    expect(refused.text).toContain('湖泽镇水利站');
    expect(refused.text).not.toContain('湖泽镇农业农村办');
    expect(count(t, '请写下事项')).toBe(0);

    // Rating the farm office's part, 1–5 with a word.
    t.mark();
    await press(t, farmDone, '评价湖泽镇农业农村办');
    await press(t, await t.waitForText('请为湖泽镇农业农村办在事项'), '5 分 · 很好');
    await t.waitForText('想对这个部门说句话吗');
    await t.say('来得快，查得细。');
    await t.waitForText('已为湖泽镇农业农村办在事项');

    // The water station signs off; its part is rated without a word.
    const waterCall = await saw(waterTg, '【吹哨报到】');
    waterTg.mark();
    await press(waterTg, waterCall, '本部门办结');
    await waterTg.waitForText('本部门办了什么');
    await waterTg.say('堤坝已封堵渗水点。');
    await waterTg.waitForText('已确认本部门办完');
    const waterDone = await saw(t, '【部门办结】湖泽镇水利站');
    t.mark();
    await press(t, waterDone, '评价湖泽镇水利站');
    await press(t, await t.waitForText('请为湖泽镇水利站在事项'), '4 分 · 较好');
    await t.waitForText('想对这个部门说句话吗');
    await t.press('跳过');
    await t.waitForText('已为湖泽镇水利站在事项');

    // Now it settles; the figures show both ratings.
    t.mark();
    await press(t, waterDone, '办结');
    await t.waitForText('请写下事项');
    await t.say('堤坝已封堵，农田无损。');
    await t.waitForText('已办结');
    // `gridline stats` for the township: both departments, each with its one rating.
    const figures = (await runOp(bot.runtime.ctx, 'stats', { grid: tree.township.code })) as GridStats;
    expect(figures.departments.map((d) => [d.code, d.ratings, d.averageRating]).sort()).toEqual([
      [farm.dept.code, 1, 5],
      [water.dept.code, 1, 4],
    ]);
    const printed = render('stats', figures, 'zh-CN', 'Asia/Shanghai');
    expect(printed).toMatch(/湖泽镇农业农村办.*5/);
    expect(printed).toMatch(/湖泽镇水利站.*4/);
  }, 120_000);
});
