// WeCom end to end, through the stand-in: a villager on WeChat (微信客服) reports a matter and gets
// one receipt; the officer in the WeCom app gets a template card, presses 接单, answers through
// the card's 回复 in the app chat; the villager reads the answer through kf/send_msg. Nothing was
// ever refused by the sending window.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { newOfficer, newTree, newVillager, type Tree } from '../../support/factories.js';
import { openTestStore, type TestStore } from '../../support/store.js';
import { refIn } from '../../support/telegram-flows.js';
import { FakeWecom } from '../../support/wecom/fake-wecom.js';
import { waitFor } from '../../support/wait.js';
import { AppMember, KfVillager, linkWecom, startWecomBot, type WecomBot } from '../../support/wecom/wecom-bot.js';

let store: TestStore;
let fake: FakeWecom;
let bot: WecomBot;
let tree: Tree;

beforeAll(async () => {
  store = await openTestStore('postgres');
  fake = await FakeWecom.start();
  bot = await startWecomBot(store, fake);
});

beforeEach(async () => {
  await store.reset();
  tree = await newTree(store.db);
});

afterAll(async () => {
  await bot?.stop();
  await fake?.stop();
  await store?.close();
});

describe('a matter from WeChat to the officer in WeCom and back', () => {
  it('one receipt for the villager; a card for the officer, taken and answered; the answer reaches WeChat', async () => {
    const officer = await newOfficer(store.db, tree.unit, '李冬梅');
    await linkWecom(store.db, officer.id, { userId: 'LiDongMei' });
    const villager = await newVillager(store.db, tree.unit, '王秀英');
    await linkWecom(store.db, villager.id, { externalUserId: 'wmVillagerWang01' });
    const o = new AppMember(fake, bot, 'LiDongMei');
    const v = new KfVillager(fake, 'wmVillagerWang01');

    const receipt = await v.report('⚠️ 安全隐患', '村口的电线杆歪了，孩子上学要从那里走。');
    const ref = refIn(receipt.text);
    expect(receipt.text).toContain('第三组专职网格员李冬梅');

    // The officer's card, in the app.
    const card = await o.card('接单');
    expect(card.buttons.map((b) => b.label)).toEqual(expect.arrayContaining(['接单', '回复']));
    expect(o.messages().some((m) => m.text.includes(ref))).toBe(true);
    await o.press(card, '接单');
    // The press redraws the card in place (its response code, once), saying what was done, and the villager is told.
    await v.waitFor(`${ref} 已由第三组专职网格员李冬梅接手办理`);
    const redraw = await waitFor(() => fake.cardUpdates.find((u) => u.body.template_card?.task_id === card.card!.taskId && JSON.stringify(u.body).includes('李冬梅已接单')), () => `the card redrawn (updates: ${JSON.stringify(fake.cardUpdates.map((u) => u.body))})`);
    expect(redraw.body.template_card.button_list.map((b: { text: string }) => b.text)).not.toContain('接单');

    // 回复 through the card, answered in the app's chat.
    o.mark();
    await o.press(card, '回复');
    await o.waitFor('请写给群众的答复');
    await o.say('我下午两点到现场看看，您别着急。');
    await o.waitFor('收到了（文字 1 段）');
    const send = await o.card('📨 发送');
    await o.press(send, '📨 发送');
    await o.waitFor('已发给群众');
    await v.waitFor(`【${ref}】第三组专职网格员李冬梅回复您：\n我下午两点到现场看看，您别着急。`);

    await bot.idle();
    // One receipt: the reference's acknowledgement went out once.
    expect(v.messages().filter((m) => m.text.includes('受理编号'))).toHaveLength(1);
    // Every 微信客服 message went out within the window.
    expect(fake.windowRefusals).toEqual([]);
  }, 120_000);
});
