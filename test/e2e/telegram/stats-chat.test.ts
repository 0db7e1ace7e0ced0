// /stats from a township cadre's side on Telegram: the figures for a period chosen with buttons or
// typed equal `gridline stats --json` run by an administrator for the same days; a question the
// FAQ answered (答疑) and an errand an officer ran for a villager (代办), both done in chat, are
// counted; bad days are refused in words; the command menu lists /stats.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { insertFaqEntries } from '../../../src/store/repositories/roster-repository.js';
import { faqAnswers, matters } from '../../../src/store/schema.js';
import { newOfficer, newPerson, newTree, newVillager, type Tree } from '../../support/factories.js';
import { cliStats, missingLines, seedHistory } from '../../support/stats-seed.js';
import { openTestStore, type TestStore } from '../../support/store.js';
import { startBot, type BotUnderTest } from '../../support/telegram/bot.js';
import { TelegramEmulator } from '../../support/telegram/emulator.js';
import { TelegramPerson } from '../../support/telegram/person.js';
import { refIn } from '../../support/telegram-flows.js';
import { waitFor } from '../../support/wait.js';

let store: TestStore;
let emulator: TelegramEmulator;
let bot: BotUnderTest;
let tree: Tree;
let nextUser = 870_000;

const tg = (firstName: string) => new TelegramPerson(emulator, { userId: nextUser++, firstName, languageCode: 'zh-hans' });

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

describe('/stats on Telegram', () => {
  it('shows the CLI’s figures for this month, last month and typed days; counts 答疑 and 代办 done in chat', async () => {
    const o = tg('李冬梅');
    const officer = await newOfficer(store.db, tree.unit, '李冬梅', { telegram: String(o.userId) });
    const v = tg('王秀英');
    const villager = await newVillager(store.db, tree.unit, '王秀英', { telegram: String(v.userId) });
    await newVillager(store.db, tree.unit, '罗秀英');
    const c = tg('周文华');
    await newPerson(store.db, { name: '周文华', role: 'cadre', at: tree.township, title: '湖泽镇党委副书记', telegram: String(c.userId) });
    await insertFaqEntries(store.db, [{ code: 'dibao', question: '怎么申请低保？', answer: '由本人或家属向村委会提出申请，带上户口簿、身份证和家庭收入情况说明。', keywords: ['低保', '最低生活保障'] }]);

    // 答疑: the villager asks; the FAQ answers and it helped — no matter is filed.
    v.mark();
    await v.command('/ask');
    await v.waitForText('请问您想了解什么');
    await v.say('低保怎么申请');
    await v.waitForText('【怎么申请低保？】');
    await v.press('👍 有帮助，谢谢');
    await v.waitForText('能帮上忙就好');
    // A second question answered, then "not solved": it becomes a consultation and is not an answer of the FAQ.
    await v.command('/ask');
    await v.waitForText('请问您想了解什么');
    await v.say('最低生活保障怎么办');
    await v.waitForText('【怎么申请低保？】');
    await v.press('没解决，请网格员解答');
    const consult = refIn((await v.waitForText('您反映的咨询事项已受理，受理编号')).text);
    const rows = await store.db.select().from(faqAnswers);
    expect(rows).toHaveLength(2);
    expect(rows.map((r) => r.gridNodeId)).toEqual([tree.unit.id, tree.unit.id]);
    const [asMatter] = await store.db.select().from(matters).where(eq(matters.ref, consult));
    expect(rows.filter((r) => r.matterId === asMatter!.id)).toHaveLength(1);

    // 代办: the officer files for 罗秀英 from chat; she becomes the reporter, the officer its recorder.
    o.mark();
    await o.command('/patrol');
    await o.press('👵 替村民反映');
    await o.press('罗秀英（第三组）');
    await o.press('🙋 生活求助');
    await o.waitForText('请说一说是什么事');
    await o.say('罗奶奶想办养老金资格认证，腿脚不便。');
    await o.press('✅ 说完了');
    await o.waitForText('事情发生在哪里');
    await o.say('跳过');
    await o.press('📨 提交');
    const errand = refIn((await o.waitForText('已为罗秀英登记，受理编号')).text);
    const [errandRow] = await store.db.select().from(matters).where(eq(matters.ref, errand));
    expect(errandRow).toMatchObject({ recordedById: officer.id });
    expect(errandRow!.reporterId).not.toBe(officer.id);
    await bot.idle();
    // The history written straight to the store, after chat has numbered its matters (the factory's references are not numbers).
    await seedHistory(store.db, tree, { officer, villager });

    // The cadre: /stats shows all time at once, with the periods as buttons.
    c.mark();
    await c.command('/stats');
    const all = await c.waitForText('湖泽镇的统计数据');
    expect(all.text).toContain('全部时间');
    expect(all.buttons.flat().map((b) => b.label)).toEqual(['本月', '上月', '今年', '全部时间', '📅 自选日期']);
    expect(missingLines(all.text, await cliStats(store.url!, '--grid', tree.township.code))).toEqual([]);

    // This month (the bot's clock is in June 2026): the CLI for the same days agrees, line by line.
    await c.press('本月');
    const june = await c.waitForText('本月（2026-06-01 至 2026-06-30）');
    const juneCli = await cliStats(store.url!, '--grid', tree.township.code, '--from', '2026-06-01', '--to', '2026-06-30');
    expect(missingLines(june.text, juneCli)).toEqual([]);
    // Not vacuous: 答疑 once (the forwarded question is a matter), 代办 once, both departments rated.
    expect(juneCli).toMatchObject({ faqAnswers: 1, errands: 1 });
    expect(june.text).toContain('答疑 1 次　代办 1 件');
    expect(june.text).toContain('　县水利局：吹哨 1 次，报到 1 次（迟到 0 次），销号 1 次，平均评分 4.5（评了 2 次）');
    expect(june.text).toContain('　县自然资源局：吹哨 1 次，报到 1 次（迟到 1 次），销号 0 次，平均评分 2.0（评了 1 次）');
    expect(june.text).toContain('各级办结：网格 2 件（50.0%） · 村 1 件（25.0%） · 镇 1 件（25.0%） · 县 0 件（0.0%）');

    await c.press('上月');
    const may = await c.waitForText('上月（2026-05-01 至 2026-05-31）');
    const mayCli = await cliStats(store.url!, '--grid', tree.township.code, '--from', '2026-05-01', '--to', '2026-05-31');
    expect(missingLines(may.text, mayCli)).toEqual([]);
    expect(mayCli).toMatchObject({ accepted: 3, faqAnswers: 0, errands: 0 });

    // Typed days, as a cadre types them.
    await c.command('/stats 2026年2月1日至2026年2月28日');
    const feb = await c.waitForText('2026-02-01 至 2026-02-28');
    const febCli = await cliStats(store.url!, '--grid', tree.township.code, '--from', '2026-02-01', '--to', '2026-02-28');
    expect(missingLines(feb.text, febCli)).toEqual([]);
    expect(feb.text).toContain('县 1 件（100.0%）');

    // 📅 自选日期, then a month typed alone.
    await c.press('📅 自选日期');
    await c.waitForText('请输入起止日期');
    await c.say('2025年11月');
    const nov = await c.waitForText('2025-11-01 至 2025-11-30');
    expect(missingLines(nov.text, await cliStats(store.url!, '--grid', tree.township.code, '--from', '2025-11-01', '--to', '2025-11-30'))).toEqual([]);

    // This year agrees with the CLI's --period this-year computed on the same days.
    await c.press('今年');
    const year = await c.waitForText('今年（2026-01-01 至 2026-12-31）');
    expect(missingLines(year.text, await cliStats(store.url!, '--grid', tree.township.code, '--from', '2026-01-01', '--to', '2026-12-31'))).toEqual([]);
    // Each `gridline stats` is a process of its own (a few seconds each on a busy machine).
  }, 240_000);

  it('refuses days that do not exist and a first day after the last, in words, and offers the buttons', async () => {
    const c = tg('周文华');
    await newPerson(store.db, { name: '周文华', role: 'cadre', at: tree.township, title: '湖泽镇党委副书记', telegram: String(c.userId) });
    c.mark();
    await c.command('/stats 2026-02-30');
    const bad = await c.waitForText('“2026-02-30”不是有效的日期');
    expect(bad.text).not.toContain('NaN');
    await c.waitForText('要看哪段时间的统计');
    await c.command('/stats 2026-03-31 至 2026-03-01');
    await c.waitForText('起始日期 2026-03-31 晚于截止日期 2026-03-01');
    const ask = await c.waitForText('要看哪段时间的统计');
    await c.pressData(ask.buttons.flat().find((b) => b.label === '📅 自选日期')!.data, ask);
    await c.waitForText('请输入起止日期');
    await c.say('下个礼拜');
    await c.waitForText('没看出是哪几天');
    // Still asking; a good answer then shows figures with no rate where there is nothing to divide by.
    await c.say('2030-01-01 2030-01-31');
    const empty = await c.waitForText('2030-01-01 至 2030-01-31');
    expect(empty.text).toContain('办结率 —');
    expect(empty.text).not.toMatch(/NaN|undefined/);
  });

  it('lists /stats in the command menu, and tells a villager there are no figures for them', async () => {
    await waitFor(() => (emulator.commands.length ? emulator.commands : null), 'setMyCommands');
    for (const call of emulator.commands) {
      const list = (typeof call.commands === 'string' ? JSON.parse(call.commands) : call.commands) as Array<{ command: string }>;
      expect(list.map((x) => x.command)).toContain('stats');
    }
    const v = tg('王秀英');
    await newVillager(store.db, tree.unit, '王秀英', { telegram: String(v.userId) });
    v.mark();
    await v.command('/stats');
    await v.waitForText('您在网格里没有职务，看不到统计');
  });
});
