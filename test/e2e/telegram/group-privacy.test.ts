// The cadres' side of the daily runs through the Telegram emulator: the evening sweep (纠纷不过夜)
// in a village's and a township's group carries no villager's words; the township reads which
// villages and how many, and 查看清单 sends the list privately to a township cadre (a village cadre
// pressing the township's button gets nothing); the morning digest and the staff's messages name
// commands as Telegram writes them (/stats, /help, /back).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { eveningSweep, morningDigest } from '../../../src/services/daily-alerts.js';
import { setAlerts } from '../../support/alert-factories.js';
import { newGridLeader, newNode, newOfficer, newPerson, newTree, newVillager, type Tree } from '../../support/factories.js';
import { openTestStore, type TestStore } from '../../support/store.js';
import { startBot, type BotUnderTest } from '../../support/telegram/bot.js';
import { TelegramEmulator } from '../../support/telegram/emulator.js';
import { TelegramPerson } from '../../support/telegram/person.js';
import { reportedThroughIntake, saw } from '../../support/telegram-flows.js';

const SH = 'Asia/Shanghai';
let store: TestStore;
let emulator: TelegramEmulator;
let bot: BotUnderTest;
let tree: Tree;
let nextUser = 850_000;

const tg = (firstName: string, group?: { id: number; title: string }) => new TelegramPerson(emulator, { userId: nextUser++, firstName, languageCode: 'zh-hans', group });
/** The same person in their private chat with the bot. */
const privately = (p: TelegramPerson) => new TelegramPerson(emulator, { userId: p.userId, firstName: p.opts.firstName, languageCode: 'zh-hans' });
const labels = (m: { buttons: Array<Array<{ label: string }>> }) => m.buttons.flat().map((b) => b.label);
const dataOf = (m: { buttons: Array<Array<{ label: string; data: string }>> }, label: string) => m.buttons.flat().find((b) => b.label === label)!.data;

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

describe('group messages carry no villager’s words', () => {
  it('the sweep in the village’s and the township’s groups; 查看清单 privately to a township cadre only', async () => {
    const villageGroup = { id: -100_850_001, title: '水川村两委群' };
    const townGroup = { id: -100_850_002, title: '湖泽镇网格群' };
    await newOfficer(store.db, tree.unit, '李冬梅', { telegram: String(tg('李冬梅').userId) });
    const secretaryTg = tg('罗建平', villageGroup);
    await newPerson(store.db, { name: '罗建平', role: 'cadre', at: tree.village, title: '水川村党支部书记', telegram: String(secretaryTg.userId) });
    const townTg = tg('何建军', townGroup);
    await newGridLeader(store.db, tree.township, '何建军', { telegram: String(townTg.userId) });
    await setAlerts(store.db, tree.village, { telegramChat: String(villageGroup.id), dm: false });
    await setAlerts(store.db, tree.township, { telegramChat: String(townGroup.id), dm: false });
    // A second village of the township, with its own dispute.
    const xiafang = await newNode(store.db, { name: '下坊村', level: 'village', parent: tree.township });
    const xfUnit = await newNode(store.db, { name: '下坊第一组', level: 'unit', parent: xiafang });
    await newOfficer(store.db, xfUnit, '邹海波', { telegram: String(tg('邹海波').userId) });
    const v1 = tg('罗秀英');
    await newVillager(store.db, tree.unit, '罗秀英', { telegram: String(v1.userId) });
    const v2 = tg('邹秀英');
    await newVillager(store.db, xfUnit, '邹秀英', { telegram: String(v2.userId) });
    const words = ['宅基地界址，邻居把墙砌到我家地里了', '放水灌田，上游把水截了', '借了三千块钱不还'];
    const a = await reportedThroughIntake(bot, store, String(v1.userId), words[0]!, 'dispute');
    const b = await reportedThroughIntake(bot, store, String(v1.userId), words[1]!, 'dispute');
    const c = await reportedThroughIntake(bot, store, String(v2.userId), words[2]!, 'dispute');
    await bot.idle();

    // 20:00: the sweep job of the zone runs.
    await eveningSweep(bot.runtime.ctx, SH);
    const villageSweep = await saw(secretaryTg, '【纠纷不过夜】水川村还有 2 件纠纷');
    expect(villageSweep.text).toContain(`· ${a.ref} 第三组 纠纷（负责人：李冬梅`);
    expect(villageSweep.text).toContain(b.ref);
    expect(labels(villageSweep)).toEqual(['查看清单', `督办 ${a.ref}`, `督办 ${b.ref}`]);
    const townSweep = await saw(townTg, '【纠纷不过夜】湖泽镇还有 3 件纠纷');
    expect(townSweep.text).toContain('· 水川村 2 件\n· 下坊村 1 件');
    expect(townSweep.text).not.toContain(a.ref);
    expect(labels(townSweep)).toEqual(['查看清单']);
    await bot.idle();
    for (const m of [...secretaryTg.messages(), ...townTg.messages()]) for (const w of [...words, '罗秀英', '邹秀英']) expect(m.text).not.toContain(w);

    // The township's cadre asks for the list from the group: it comes to his private chat, with the words.
    const townDm = privately(townTg).mark();
    townTg.mark();
    await townTg.pressData(dataOf(townSweep, '查看清单'), townSweep);
    const list = await saw(townDm, '【纠纷清单】湖泽镇还有 3 件纠纷没有办结');
    for (const w of words) expect(list.text).toContain(w);
    expect(labels(list)).toEqual([`督办 ${a.ref}`, `督办 ${b.ref}`, `督办 ${c.ref}`]);
    await bot.idle();
    expect(townTg.messages().slice(-3).some((m) => words.some((w) => m.text.includes(w)))).toBe(false);

    // The village's secretary pressing the township's button (data copied into his group) gets nothing.
    const secretaryDm = privately(secretaryTg).mark();
    await secretaryTg.pressData(dataOf(townSweep, '查看清单'), villageSweep);
    // His own village's list he may read.
    await secretaryTg.pressData(dataOf(villageSweep, '查看清单'), villageSweep);
    const own = await saw(secretaryDm, '【纠纷清单】水川村还有 2 件纠纷没有办结');
    expect(own.text).toContain(words[0]);
    await bot.idle();
    expect(secretaryDm.messages().filter((m) => m.text.includes('【纠纷清单】'))).toHaveLength(1);
    expect(secretaryDm.messages().some((m) => m.text.includes(words[2]!))).toBe(false);
    // A forged node id proves nothing either.
    await secretaryTg.pressData('nx:disputes:00000000-0000-4000-8000-000000000000', villageSweep);
    await bot.idle();
    expect(secretaryDm.messages().filter((m) => m.text.includes('【纠纷清单】'))).toHaveLength(1);

    // Asked in the group for a matter's detail (typed, or a forged button), the bot answers: privately.
    townTg.mark();
    await townTg.command(`/status ${a.ref}`);
    await saw(townTg, '这件事请私聊我办理。');
    await townTg.pressData(`mx:open:${a.ref}`, townSweep);
    await townTg.command('/home');
    await bot.idle();
    for (const m of [...secretaryTg.messages(), ...townTg.messages()]) for (const w of [...words, '罗秀英', '邹秀英']) expect(m.text).not.toContain(w);
  });
});

describe('commands named as Telegram writes them', () => {
  it('the morning digest says /stats (to a group and to a cadre), /leave answers /back, a staff member is told /help', async () => {
    const villageGroup = { id: -100_850_011, title: '水川村两委群' };
    const secretaryTg = tg('罗建平', villageGroup);
    await newPerson(store.db, { name: '罗建平', role: 'cadre', at: tree.village, title: '水川村党支部书记', telegram: String(secretaryTg.userId) });
    const townTg = tg('何建军');
    await newGridLeader(store.db, tree.township, '何建军', { telegram: String(townTg.userId) });
    await setAlerts(store.db, tree.village, { telegramChat: String(villageGroup.id), dm: false });

    await morningDigest(bot.runtime.ctx, SH);
    const inGroup = await saw(secretaryTg, '【每日简报】水川村');
    expect(inGroup.text).toContain('完整的统计数据：发送 /stats 查看');
    const toCadre = await saw(townTg, '【每日简报】湖泽镇');
    expect(toCadre.text).toContain('发送 /stats 查看');
    for (const m of [inGroup, toCadre]) expect(m.text).not.toContain('/grid');

    // What the digest names works: /stats answers the cadre with his grid's figures.
    townTg.mark();
    await townTg.command('/stats');
    await saw(townTg, '湖泽镇');

    const o = tg('李冬梅');
    await newOfficer(store.db, tree.unit, '李冬梅', { telegram: String(o.userId) });
    o.mark();
    await o.command('/leave');
    expect((await saw(o, '已为您登记请假')).text).toContain('回来后发 /back。');
    o.mark();
    await o.say('你好');
    expect((await saw(o, '按卡片上的按钮办理')).text).toContain('发送 /help 查看说明');
    o.mark();
    await o.command('/nosuch');
    expect((await saw(o, '这个指令')).text).toBe('我不认识 /nosuch 这个指令。发送 /help 看看我能做什么。');
  });
});
