// The whole way, as people would go it: a villager registers from a poster's join code, reports a
// dispute with a photo and a location and gets a receipt; the officer gets the card, accepts and
// replies; the villager reads the reply with the officer's name and answers back; the officer
// settles; the villager is not satisfied and the matter reopens at the village; the village
// escalates, the township's cadre group is alerted and a cadre there supervises it.
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { matterEvents, messages } from '../../../src/store/schema.js';
import { setAlerts } from '../../support/alert-factories.js';
import { newGridLeader, newOfficer, newPerson, newTree } from '../../support/factories.js';
import { openTestStore, type TestStore } from '../../support/store.js';
import { startBot, type BotUnderTest } from '../../support/telegram/bot.js';
import { TelegramEmulator } from '../../support/telegram/emulator.js';
import { TelegramPerson } from '../../support/telegram/person.js';
import { matterByRef, refIn, replyTo, saw, waitForMatter } from '../../support/telegram-flows.js';
import { waitFor } from '../../support/wait.js';

let store: TestStore;
let emulator: TelegramEmulator;
let bot: BotUnderTest;

beforeAll(async () => {
  store = await openTestStore('postgres');
  emulator = await TelegramEmulator.start();
  bot = await startBot(store, emulator);
});

afterAll(async () => {
  await bot?.stop();
  await emulator?.close();
  await store?.close();
});

const labels = (m: { buttons: Array<Array<{ label: string }>> }) => m.buttons.flat().map((b) => b.label);

describe('a dispute from report to a poor rating and supervision above', () => {
  it('goes the whole way through Telegram', async () => {
    const tree = await newTree(store.db);
    const o = new TelegramPerson(emulator, { userId: 820_001, firstName: 'Dongmei', languageCode: 'zh-hans' });
    const l = new TelegramPerson(emulator, { userId: 820_002, firstName: 'Guohua', languageCode: 'zh-hans' });
    const group = { id: -100_820_003, title: '湖泽镇网格工作群' };
    const t = new TelegramPerson(emulator, { userId: 820_004, firstName: 'Jianjun', languageCode: 'zh-hans', group });
    await newOfficer(store.db, tree.unit, '李冬梅', { telegram: String(o.userId) });
    const leader = await newGridLeader(store.db, tree.village, '张国华', { telegram: String(l.userId) });
    await newPerson(store.db, { name: '何建军', role: 'grid_leader', at: tree.township, title: '湖泽镇网格长', telegram: String(t.userId) });
    await setAlerts(store.db, tree.township, { telegramChat: String(group.id), dm: false });
    const v = new TelegramPerson(emulator, { userId: 820_010, firstName: '王秀英', languageCode: 'zh-hans' }).mark();

    // 一声问候，一把椅子: registered from the poster's code.
    await v.command(`/start ${tree.unit.joinCode}`);
    await v.next();
    await v.press('简体中文');
    await v.press('对，就是这里');
    await v.press('就叫我“王秀英”');
    await v.waitForText('留个手机号');
    await v.say('跳过');
    await v.waitForText('登记好了');

    // 反映问题: a category, words, a photo, a place, a look, submit.
    await v.say('反映问题');
    const cats = await v.waitForText('是哪方面的事');
    expect(labels(cats)).toEqual(['🤝 邻里纠纷', '⚠️ 安全隐患', '🙋 生活求助', '📢 投诉意见', '❓ 政策咨询', '📝 其他事情']);
    await v.press('🤝 邻里纠纷');
    await v.waitForText('请说一说是什么事');
    await v.say('邻居在我家田边堆柴草，说了不听。');
    await v.waitForText('收到了（文字 1 段）');
    await v.sendPhoto({ caption: '田边的柴草堆' });
    await bot.idle();
    await v.press('✅ 说完了');
    const where = await v.waitForText('事情发生在哪里');
    expect(where.keyboard?.[0]?.[0]).toMatchObject({ request: 'location' });
    await v.sendLocation(27.8312, 114.6871);
    const check = await v.waitForText('请您核对一下');
    expect(check.text).toContain('邻里纠纷');
    expect(check.text).toContain('邻居在我家田边堆柴草，说了不听。');
    expect(check.text).toMatch(/照片 1 张.*位置/);
    await v.press('📨 提交');
    // 四个一 and 亮身份: one receipt with the reference, who handles it, and by when.
    const receipt = await saw(v, '已受理，受理编号');
    const ref = refIn(receipt.text);
    expect(receipt.text).toMatch(/已交由第三组专职网格员李冬梅负责办理，.+前办结/);

    // The officer's card: the villager's words, the photo and the place, and the buttons.
    const card = await saw(o, `【新事项】${ref}`);
    expect(card.text).toContain('邻居在我家田边堆柴草，说了不听。');
    // What the holder may do while it waits to be taken (the card rule): 办结 comes once he handles it.
    expect(labels(card)).toEqual(['接单', '回复', '转办', '上报', '定大小事', '选专题']);
    await waitFor(() => o.messages().some((m) => m.method === 'sendPhoto') && o.messages().some((m) => m.method === 'sendLocation'), 'the photo and the location');

    await o.pressData(card.buttons.flat().find((b) => b.label === '接单')!.data, card);
    await waitFor(() => o.messages().find((m) => m.messageId === card.messageId)?.text.includes('李冬梅已接单'), 'the card marked as taken');
    await saw(v, `${ref} 已由第三组专职网格员李冬梅接手办理`);
    const taken = o.messages().find((m) => m.messageId === card.messageId)!;
    expect(labels(taken)).not.toContain('接单');
    expect(labels(taken)).toContain('办结');

    // A reply through the card's button.
    o.mark();
    await o.pressData(taken.buttons.flat().find((b) => b.label === '回复')!.data, taken);
    await o.waitForText('请写给群众的答复');
    await o.say('我下午两点到现场看看，您别着急。');
    await o.waitForText('收到了（文字 1 段）');
    await o.press('📨 发送');
    await o.waitForText('已发给群众');
    const reply = await saw(v, `【${ref}】第三组专职网格员李冬梅回复您：\n我下午两点到现场看看，您别着急。`);
    expect(labels(reply)).toEqual(['补充说明']);

    // The villager answers the reply with Telegram's reply-to; it reaches the officer.
    await replyTo(emulator, v, reply.messageId, '好的，我在家等您。');
    await saw(v, '已转给负责的网格员');
    const added = await saw(o, `【${ref}】王秀英补充：\n好的，我在家等您。`);
    // And the officer answers that the same way.
    await replyTo(emulator, o, added.messageId, '到了，正在和刘家商量。');
    await saw(v, /李冬梅回复您：\n到了，正在和刘家商量。/);

    // 办结.
    o.mark();
    await o.pressData(added.buttons.flat().find((b) => b.label === '办结')!.data, added);
    await o.waitForText('请写下事项');
    await o.say('双方协商好了，柴草今天搬走。');
    await o.waitForText('已办结');
    const settled = await saw(v, `${ref} 已办结`);
    expect(settled.text).toContain('双方协商好了，柴草今天搬走。');
    expect(labels(settled)).toEqual(['满意', '基本满意', '不满意']);

    // 不满意 + a comment: reopened one level up, at the village.
    v.mark();
    await v.pressData(settled.buttons.flat().find((b) => b.label === '不满意')!.data, settled);
    await v.waitForText('很抱歉这次没让您满意');
    await v.say('柴草只搬走了一半。');
    await v.waitForText('已转到村里重新办理');
    const reopened = await waitForMatter(store, ref, (m) => m.level === 'village' && m.state === 'open', 'the matter reopened at the village');
    expect(reopened.assigneeId).toBe(leader.id);
    const leaderCard = await saw(l, `【重新办理】事项 ${ref}`);
    expect(leaderCard.text).toContain('柴草只搬走了一半。');

    // The village escalates: a small matter stays in the village and the township is alerted.
    l.mark();
    await l.pressData(leaderCard.buttons.flat().find((b) => b.label === '上报')!.data, leaderCard);
    await l.waitForText('为什么要上报');
    await l.say('刘家不配合，需要镇里协调。');
    await l.waitForText('已上报');
    const alert = await saw(t, `【督办提醒】`);
    expect(alert.text).toContain(ref);
    expect(labels(alert)).toEqual(expect.arrayContaining(['我来接手', '转办', '督办']));

    // A township cadre supervises from the group, with a ready-made line.
    t.mark();
    await t.pressData(alert.buttons.flat().find((b) => b.label === '督办')!.data, alert);
    await t.waitForText('请选一句督办意见');
    await t.press('请今天之内办结。');
    await t.waitForText('已督办');
    await waitForMatter(store, ref, (m) => m.supervised, 'the matter supervised');
    await saw(l, /【督办】.*何建军.*请今天之内办结。/s);

    // The ledger has it all, in order.
    const m = (await matterByRef(store, ref))!;
    const events = await store.db.select({ action: matterEvents.action }).from(matterEvents).where(eq(matterEvents.matterId, m.id)).orderBy(matterEvents.id);
    expect(events.map((e) => e.action)).toEqual(['report', 'receive', 'route', 'take', 'reply', 'add_info', 'reply', 'settle', 'evaluate', 'reopen', 'escalate', 'supervise']);
    const [report] = await store.db.select().from(messages).where(and(eq(messages.matterId, m.id), eq(messages.direction, 'in'))).orderBy(messages.createdAt);
    expect(report!.text).toBe('邻居在我家田边堆柴草，说了不听。\n田边的柴草堆');
    expect(report!.attachments.map((a) => a.kind)).toEqual(['photo', 'location']);
  });
});
