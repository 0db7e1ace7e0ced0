// The officer's and the cadre's side, through the emulator: /mine with the most overdue first,
// transfer along the grid line, /patrol (发现, and filing for a villager), /leave and /back, a
// cadre taking over from the group's alert, a whistle answered by a department's report-in, and
// buttons pressed by someone with no part in the matter.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { intake } from '../../../src/services/intake-service.js';
import { matterEvents, matters, people } from '../../../src/store/schema.js';
import { newDepartmentWithLiaison, setAlerts } from '../../support/alert-factories.js';
import { newBackup, newGridLeader, newNode, newOfficer, newPerson, newTree, newVillager, type Tree } from '../../support/factories.js';
import { openTestStore, type TestStore } from '../../support/store.js';
import { startBot, type BotUnderTest } from '../../support/telegram/bot.js';
import { TelegramEmulator } from '../../support/telegram/emulator.js';
import { TelegramPerson } from '../../support/telegram/person.js';
import { matterByRef, refIn, saw, waitForMatter } from '../../support/telegram-flows.js';
import { reportedThroughIntake } from '../../support/telegram-flows.js';
import { waitFor } from '../../support/wait.js';

let store: TestStore;
let emulator: TelegramEmulator;
let bot: BotUnderTest;
let tree: Tree;
let nextUser = 840_000;
let nextEvent = 0;

const tg = (firstName: string, group?: { id: number; title: string }) => new TelegramPerson(emulator, { userId: nextUser++, firstName, languageCode: 'zh-hans', group });
const labels = (m: { buttons: Array<Array<{ label: string }>> }) => m.buttons.flat().map((b) => b.label);
const press = (p: TelegramPerson, message: { buttons: Array<Array<{ label: string; data: string }>>; messageId: number; text: string }, label: string) =>
  p.pressData(message.buttons.flat().find((b) => b.label === label)!.data, message);

/** A report straight through intake, as if the villager had sent it; routed by the running bot. */
function reported(villagerTg: string, text: string, category: 'dispute' | 'help' | 'hazard' = 'help') {
  return reportedThroughIntake(bot, store, villagerTg, text, category);
}

beforeAll(async () => {
  store = await openTestStore('postgres');
  emulator = await TelegramEmulator.start();
  bot = await startBot(store, emulator);
});

beforeEach(async () => {
  await store.reset();
  tree = await newTree(store.db);
});

afterAll(async () => {
  await bot?.stop();
  await emulator?.close();
  await store?.close();
});

describe('officers', () => {
  it('/mine lists the open matters they hold, the most overdue first', async () => {
    const o = tg('李冬梅');
    await newOfficer(store.db, tree.unit, '李冬梅', { telegram: String(o.userId) });
    const v = tg('罗秀英');
    await newVillager(store.db, tree.unit, '罗秀英', { telegram: String(v.userId) });
    const later = await reported(String(v.userId), '村里的垃圾桶坏了。');
    const overdue = await reported(String(v.userId), '低保的钱这个月没到账。');
    const soon = await reported(String(v.userId), '家门口的水管冻裂了。');
    const hour = 3600_000;
    await store.db.update(matters).set({ dueAt: new Date(bot.clock.now().getTime() + 5 * hour) }).where(eq(matters.id, later.id));
    await store.db.update(matters).set({ dueAt: new Date(bot.clock.now().getTime() - 2 * hour) }).where(eq(matters.id, overdue.id));
    await store.db.update(matters).set({ dueAt: new Date(bot.clock.now().getTime() + 1 * hour) }).where(eq(matters.id, soon.id));

    o.mark();
    await o.command('/mine');
    const list = await o.waitForText('您手上的事项（共 3 件，超时 1 件）');
    const order = [overdue.ref, soon.ref, later.ref].map((r) => list.text.indexOf(r));
    expect(order.every((i) => i > 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(list.text).toMatch(new RegExp(`${overdue.ref}.*⚠️ 已超时`));
    expect(labels(list)[0]).toMatch(new RegExp(`^⚠️${overdue.ref}`));

    // The detail shows the villager's words and what can be done now.
    await press(o, list, labels(list)[0]!);
    const detail = await o.waitForText(`【${overdue.ref}】`);
    expect(detail.text).toContain('群众说：低保的钱这个月没到账。');
    expect(labels(detail)).toEqual(['接单', '回复', '转办', '上报', '定大小事', '选专题', '‹ 返回']);
    await press(o, detail, '接单');
    await o.waitForText('已接单');
    expect((await matterByRef(store, overdue.ref))!.step).toBe('handle');
  });

  it('transfers along the grid line, with a reason; the new holder gets the card', async () => {
    const o = tg('李冬梅');
    const b = tg('刘建国');
    await newOfficer(store.db, tree.unit, '李冬梅', { telegram: String(o.userId) });
    const backup = await newBackup(store.db, tree.unit, '刘建国', { telegram: String(b.userId) });
    await newGridLeader(store.db, tree.village, '张国华');
    await newOfficer(store.db, tree.otherUnit, '赵红梅');
    // Not offered: an officer of another village, a department's liaison at the township.
    await newOfficer(store.db, await newNode(store.db, { name: '别村第一组', level: 'unit', parent: await newNode(store.db, { name: '别村', level: 'village', parent: tree.township }) }), '外村人');
    await newPerson(store.db, { name: '水利站联络员', role: 'liaison', at: tree.township });
    const v = tg('罗秀英');
    await newVillager(store.db, tree.unit, '罗秀英', { telegram: String(v.userId) });
    const m = await reported(String(v.userId), '村口的路被水冲坏了。', 'hazard');
    const card = await saw(o, `【新事项】${m.ref}`);

    o.mark();
    await press(o, card, '转办');
    const pick = await o.waitForText(`事项 ${m.ref} 转给谁办理`);
    expect(labels(pick)).toEqual(['刘建国（第三组兼职网格员）', '赵红梅（第四组专职网格员）', '张国华（水川村网格长）']);
    await press(o, pick, '刘建国（第三组兼职网格员）');
    await o.waitForText('转办的原因');
    await o.say('我在镇里开会，建国离得近。');
    await o.waitForText(`事项 ${m.ref} 已转给刘建国办理`);
    await waitForMatter(store, m.ref, (x) => x.assigneeId === backup.id, 'the transfer');
    await saw(b, `【新事项】${m.ref}`);
    await saw(v, `${m.ref} 已交由第三组兼职网格员刘建国负责办理`);
  });

  it('/patrol records what the officer found (发现) and files for a villager of their grid', async () => {
    const o = tg('李冬梅');
    const officer = await newOfficer(store.db, tree.unit, '李冬梅', { telegram: String(o.userId) });
    const elder = await newVillager(store.db, tree.unit, '罗秀英');
    await newVillager(store.db, tree.otherUnit, '刘根生');

    o.mark();
    await o.command('/patrol');
    const mode = await o.waitForText('要记录什么');
    expect(labels(mode)).toEqual(['🔍 我巡查发现的情况', '👵 替村民反映']);
    await press(o, mode, '👵 替村民反映');
    const who = await o.waitForText('替哪位村民反映');
    // Only villagers of the grids the officer works.
    expect(labels(who)).toEqual(['罗秀英（第三组）']);
    await press(o, who, '罗秀英（第三组）');
    await o.waitForText('为罗秀英代为反映');
    await o.press('🙋 生活求助');
    await o.waitForText('请说一说是什么事');
    await o.say('罗奶奶腿脚不便，想请人帮忙办养老金资格认证。');
    await press(o, await o.waitForText('收到了'), '✅ 说完了');
    await o.waitForText('事情发生在哪里');
    await o.say('跳过');
    const check = await o.waitForText('请您核对一下');
    expect(check.text).toContain('代为反映：罗秀英');
    await press(o, check, '📨 提交');
    const filed = await o.waitForText('已为罗秀英登记，受理编号');
    const forElder = (await matterByRef(store, refIn(filed.text)))!;
    expect(forElder).toMatchObject({ reporterId: elder.id, recordedById: officer.id, category: 'help' });

    await o.command('/patrol');
    await press(o, await o.waitForText('要记录什么'), '🔍 我巡查发现的情况');
    await o.waitForText('记录巡查发现的情况');
    await o.press('⚠️ 安全隐患');
    await o.press('没有，但要尽快处理');
    await o.waitForText('请写下看到的情况');
    await o.say('三组水塘边的护栏断了一截。');
    await press(o, await o.waitForText('收到了'), '✅ 说完了');
    await o.waitForText('事情发生在哪里');
    await o.sendLocation(27.831, 114.688);
    await press(o, await o.waitForText('巡查发现'), '📨 提交');
    const recorded = await o.waitForText('已记录，编号');
    const found = (await matterByRef(store, refIn(recorded.text)))!;
    expect(found).toMatchObject({ reporterId: null, recordedById: officer.id, category: 'hazard' });
    const [report] = await store.db.select().from(matterEvents).where(eq(matterEvents.matterId, found.id)).orderBy(matterEvents.id);
    expect(report!.note).toBe('patrol');
  });

  it('/leave and /back set the duty state; villagers cannot', async () => {
    const o = tg('李冬梅');
    const officer = await newOfficer(store.db, tree.unit, '李冬梅', { telegram: String(o.userId) });
    const v = tg('罗秀英');
    await newVillager(store.db, tree.unit, '罗秀英', { telegram: String(v.userId) });
    o.mark();
    await o.command('/leave');
    await o.waitForText('已为您登记请假');
    expect((await store.db.select().from(people).where(eq(people.id, officer.id)))[0]!.onLeave).toBe(true);
    await o.command('/back');
    await o.waitForText('欢迎回来');
    expect((await store.db.select().from(people).where(eq(people.id, officer.id)))[0]!.onLeave).toBe(false);
    v.mark();
    await v.command('/leave');
    await v.waitForText('这是网格员用的功能');
  });
});

describe('cadres and departments', () => {
  it('a cadre takes over from the group alert; a whistle brings a department that reports in', async () => {
    const o = tg('李冬梅');
    await newOfficer(store.db, tree.unit, '李冬梅', { telegram: String(o.userId) });
    const leaderTg = tg('张国华');
    await newGridLeader(store.db, tree.village, '张国华', { telegram: String(leaderTg.userId) });
    const group = { id: -100_840_999, title: '水川村两委群' };
    const secretaryTg = tg('罗建平', group);
    const secretary = await newPerson(store.db, { name: '罗建平', role: 'cadre', at: tree.village, title: '水川村党支部书记', telegram: String(secretaryTg.userId) });
    await setAlerts(store.db, tree.village, { telegramChat: String(group.id), dm: false });
    const liaisonTg = tg('周明');
    await newDepartmentWithLiaison(store.db, { code: 'nongban', name: '湖泽镇农业农村办', at: tree.township, liaison: '周明', telegram: String(liaisonTg.userId) });
    const v = tg('罗秀英');
    await newVillager(store.db, tree.unit, '罗秀英', { telegram: String(v.userId) });
    const m = await reported(String(v.userId), '两家为田埂吵起来了，要动手了。', 'dispute');

    // The officer escalates: the village's group is alerted, with the cadres' buttons.
    const card = await saw(o, `【新事项】${m.ref}`);
    o.mark();
    await press(o, card, '上报');
    await o.waitForText('为什么要上报');
    await o.say('两家都不听劝，请村里出面。');
    await o.waitForText('已上报');
    const alert = await saw(secretaryTg, '【督办提醒】');
    expect(labels(alert)).toEqual(expect.arrayContaining(['我来接手', '转办', '督办', '吹哨']));

    secretaryTg.mark();
    await press(secretaryTg, alert, '我来接手');
    await secretaryTg.waitForText(`罗建平已接手（事项 ${m.ref}）`);
    const taken = await waitForMatter(store, m.ref, (x) => x.assigneeId === secretary.id && x.step === 'handle', 'the takeover');
    expect(taken.level).toBe('village');
    // The village grid leader, who held it since the 上报, is told who took it.
    await saw(leaderTg, `【接手】事项 ${m.ref} 已由罗建平接手办理`);

    // 吹哨 from the private chat's /mine; the department's liaison reports in.
    const s = new TelegramPerson(emulator, { userId: secretaryTg.userId, firstName: '罗建平', languageCode: 'zh-hans' }).mark();
    await s.command('/mine');
    const list = await s.waitForText('您手上的事项');
    await press(s, list, labels(list)[0]!);
    const detail = await s.waitForText(`【${m.ref}】`);
    await press(s, detail, '吹哨');
    const depts = await s.waitForText('要请哪个部门来协办');
    await press(s, depts, '湖泽镇农业农村办');
    await s.waitForText('需要部门做什么');
    await s.say('请农办来现场量一下田埂界线。');
    await s.waitForText('已吹哨');
    const summons = await saw(liaisonTg, `【吹哨报到】`);
    expect(labels(summons)).toEqual(['报到', '本部门办结']);
    liaisonTg.mark();
    await press(liaisonTg, summons, '报到');
    const marked = await waitFor(() => liaisonTg.messages().find((x) => x.messageId === summons.messageId && x.text.includes('周明已报到')), 'the summons card marked');
    expect(labels(marked)).toEqual(['本部门办结']);
    await press(liaisonTg, marked, '本部门办结');
    await liaisonTg.waitForText('本部门办了什么');
    await liaisonTg.say('已现场量好田埂界线，两家签字认可。');
    await liaisonTg.waitForText('已确认本部门办完');
    const events = await store.db.select({ action: matterEvents.action }).from(matterEvents).where(eq(matterEvents.matterId, m.id)).orderBy(matterEvents.id);
    expect(events.map((e) => e.action)).toEqual(expect.arrayContaining(['escalate', 'transfer', 'take', 'whistle', 'report_in', 'sign_off']));
  });

  it('a matter nobody on duty could take is taken over by the village from its alert', async () => {
    const leaderTg = tg('张国华');
    const leader = await newGridLeader(store.db, tree.village, '张国华', { telegram: String(leaderTg.userId) });
    await newOfficer(store.db, tree.unit, '李冬梅', { onLeave: true });
    await store.db.update(people).set({ onLeave: true }).where(eq(people.id, leader.id));
    const v = tg('罗秀英');
    await newVillager(store.db, tree.unit, '罗秀英', { telegram: String(v.userId) });
    const r = await intake(bot.runtime.ctx, { eventId: `test:${++nextEvent}:${Date.now()}`, platform: 'telegram', externalUserId: String(v.userId), kind: 'report', category: 'dispute', text: '两家为宅基地边界吵起来了。', receivedAt: bot.clock.now().toISOString() });
    if (r.status !== 'created') throw new Error(r.status);
    bot.runtime.ctx.outboxWritten();
    // A dispute is never held for the morning digest, whatever the hour.
    const alert = await saw(leaderTg, `【待分派】`);
    leaderTg.mark();
    await press(leaderTg, alert, '我来接手');
    await waitFor(() => leaderTg.messages().find((x) => x.messageId === alert.messageId && x.text.includes('张国华已接手')), 'the alert marked');
    await waitForMatter(store, r.matter.ref, (x) => x.assigneeId === leader.id && x.step === 'handle', 'taken over');
    await saw(v, `${r.matter.ref} 已由水川村网格长张国华接手办理`);
  });

  it('refuses buttons pressed by staff of another grid, or forged for a matter they have no part in', async () => {
    const o = tg('李冬梅');
    await newOfficer(store.db, tree.unit, '李冬梅', { telegram: String(o.userId) });
    const stranger = tg('赵红梅');
    await newOfficer(store.db, tree.otherUnit, '赵红梅', { telegram: String(stranger.userId) });
    const v = tg('罗秀英');
    await newVillager(store.db, tree.unit, '罗秀英', { telegram: String(v.userId) });
    const m = await reported(String(v.userId), '邻居装修噪音太大。');
    await saw(o, `【新事项】${m.ref}`);
    for (const action of ['take', 'reply', 'transfer', 'escalate', 'settle', 'takeover', 'supervise', 'whistle']) await stranger.pressData(`mx:${action}:${m.ref}`);
    await stranger.pressData('mx:take:0000-0000');
    await stranger.pressData('mx:bogus');
    await waitFor(() => emulator.callsOf('answerCallbackQuery').filter((c) => String(c.body.text ?? '') === '找不到这个事项，或者它不归您办理。').length >= 9, 'the refusals');
    const after = (await matterByRef(store, m.ref))!;
    expect(after).toMatchObject({ step: 'dispatch', assigneeId: m.assigneeId, supervised: false });
    expect(stranger.messages().some((x) => x.text.includes(m.ref))).toBe(false);
  });
});
