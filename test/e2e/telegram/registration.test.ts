// A villager meets the bot: /start from a poster's deep link, or by menus through the grid tree;
// staff from the roster are greeted by name and post; /lang and /help; and a registration half
// done survives a restart of the whole runtime.
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { identities, people, roles } from '../../../src/store/schema.js';
import { newNode, newOfficer, newTree } from '../../support/factories.js';
import { openTestStore, type TestStore } from '../../support/store.js';
import { startBot, type BotUnderTest } from '../../support/telegram/bot.js';
import { TelegramEmulator } from '../../support/telegram/emulator.js';
import { TelegramPerson } from '../../support/telegram/person.js';
import { waitFor } from '../../support/wait.js';

let store: TestStore;
let emulator: TelegramEmulator;
let bot: BotUnderTest;
let nextUser = 610_000;
const person = (opts: { firstName?: string; languageCode?: string } = {}) =>
  new TelegramPerson(emulator, { userId: nextUser++, firstName: opts.firstName ?? '王秀英', languageCode: opts.languageCode ?? 'zh-hans' });

async function registrationOf(userId: number) {
  const [row] = await store.db
    .select({ person: people, role: roles.role, unitId: roles.gridNodeId, chatId: identities.chatId })
    .from(identities)
    .innerJoin(people, eq(people.id, identities.personId))
    .innerJoin(roles, eq(roles.personId, people.id))
    .where(and(eq(identities.platform, 'telegram'), eq(identities.externalId, String(userId))));
  return row;
}

beforeAll(async () => {
  store = await openTestStore('postgres');
  emulator = await TelegramEmulator.start();
  bot = await startBot(store, emulator);
});

beforeEach(async () => {
  await store.reset();
});

afterAll(async () => {
  await bot?.stop();
  await emulator?.close();
  await store?.close();
});

describe('registering through Telegram', () => {
  it('registers a villager from a join-code deep link, with the phone from the contact button', async () => {
    const tree = await newTree(store.db);
    await newOfficer(store.db, tree.unit, '李冬梅');
    const v = person().mark();

    await v.command(`/start ${tree.unit.joinCode}`);
    const [welcome] = await v.next();
    expect(welcome!.text).toContain('欢迎来到网格服务');
    expect(welcome!.buttons.flat().map((b) => b.label)).toEqual(['简体中文', '繁體中文', 'English']);

    await v.press('简体中文');
    const confirm = await v.waitForText('您要登记到');
    expect(confirm.text).toContain('湖泽镇水川村第三组');
    await v.press('对，就是这里');

    await v.waitForText('怎么称呼您');
    await v.press('就叫我“王秀英”');
    const ask = await v.waitForText('留个手机号');
    expect(ask.keyboard?.[0]?.[0]).toMatchObject({ request: 'contact' });
    expect(ask.keyboard?.flat().map((b) => b.label)).toContain('跳过');

    await v.shareContact('+86 138 1234 5678');
    const done = await v.waitForText('登记好了');
    expect(done.text).toContain('王秀英');
    expect(done.text).toContain('第三组专职网格员李冬梅');
    expect(done.text).toContain('138****5678');
    expect(done.keyboard?.flat().map((b) => b.label)).toEqual(['反映问题', '咨询', '我的事项', '帮助']);

    const row = await registrationOf(v.userId);
    expect(row).toMatchObject({ role: 'villager', unitId: tree.unit.id, chatId: String(v.userId) });
    expect(row!.person).toMatchObject({ name: '王秀英', locale: 'zh-CN', phone: '+8613812345678' });
    // The pressed language button was marked as chosen and lost its buttons.
    const first = v.messages().find((m) => m.messageId === welcome!.messageId)!;
    expect(first.text).toContain('✅ 简体中文');
  });

  it('registers by menus: township → village → group, with a way back, and no phone', async () => {
    const tree = await newTree(store.db);
    const xiafang = await newNode(store.db, { name: '下坊村', level: 'village', parent: tree.township });
    await newNode(store.db, { name: '第一组', level: 'unit', parent: xiafang });
    const other = await newNode(store.db, { name: '分宜镇', level: 'township', parent: tree.county });
    const fangli = await newNode(store.db, { name: '防里村', level: 'village', parent: other });
    await newNode(store.db, { name: '第一组', level: 'unit', parent: fangli });
    const v = person({ firstName: 'Li Hua', languageCode: 'zh-hant' }).mark();

    await v.say('你好');
    const [welcome] = await v.next();
    expect(welcome!.text).toContain('歡迎來到網格服務');
    await v.press('繁體中文');
    // One county: its level is passed through; the townships come first.
    // The roster's names, in simplified characters, reach a zh-TW reader in traditional ones.
    const townships = await v.waitForText('鄉鎮');
    expect(townships.buttons.flat().map((b) => b.label).sort()).toEqual(['分宜鎮', '湖澤鎮']);
    await v.press('湖澤鎮');
    const villages = await v.waitForText('村（社區）');
    expect(villages.buttons.flat().map((b) => b.label).sort()).toEqual(['‹ 返回上一級', '下坊村', '水川村'].sort());
    await v.press('‹ 返回上一級');
    await v.waitForText('鄉鎮');
    await v.press('湖澤鎮');
    await v.waitForText('村（社區）');
    await v.press('水川村');
    const groups = await v.waitForText('村民小組');
    expect(groups.buttons.flat().map((b) => b.label).sort()).toEqual(['‹ 返回上一級', '第三組', '第四組'].sort());
    await v.press('第四組');
    await v.waitForText('湖澤鎮水川村第四組');
    await v.press('對，就是這裡');
    await v.waitForText('怎麼稱呼您');
    await v.say('李华');
    await v.waitForText('手機號碼');
    await v.say('略過');
    const done = await v.waitForText('登記好了');
    // Nobody looks after 第四组 yet: the village will arrange someone.
    expect(done.text).toContain('村裡會儘快安排網格員');
    expect(done.keyboard?.flat().map((b) => b.label)).toEqual(['反映問題', '諮詢', '我的事項', '說明']);
    const row = await registrationOf(v.userId);
    expect(row).toMatchObject({ role: 'villager', unitId: tree.otherUnit.id });
    expect(row!.person).toMatchObject({ name: '李华', locale: 'zh-TW', phone: null });
  });

  it('takes a join code typed at the menu, refuses a wrong one kindly, and refuses someone else’s number', async () => {
    const tree = await newTree(store.db);
    const v = person({ languageCode: 'en' }).mark();
    await v.command('/start NOPE99');
    const [welcome] = await v.next();
    expect(welcome!.text).toContain('welcome to the grid service');
    await v.press('English');
    await v.waitForText('could not find the join code "NOPE99"');
    await v.say(tree.unit.joinCode!.toLowerCase());
    await v.waitForText('You are registering at');
    await v.press("Yes, that's it");
    await v.waitForText('What should we call you');
    await v.say('Wang Xiuying');
    await v.waitForText('Leave a phone number');
    await v.shareContact('+8613900000000', false);
    await v.waitForText('Please send your own number');
    await v.shareContact('+8613900000001');
    await v.waitForText("You're registered, Wang Xiuying");
    expect((await registrationOf(v.userId))!.person).toMatchObject({ locale: 'en', phone: '+8613900000001' });
  });

  it('greets staff from the roster by name and post (亮身份), and a registered villager by name', async () => {
    const tree = await newTree(store.db);
    const officer = new TelegramPerson(emulator, { userId: nextUser++, firstName: 'Dongmei', languageCode: 'zh-hans' });
    await newOfficer(store.db, tree.unit, '李冬梅', { telegram: String(officer.userId) });
    officer.mark();
    await officer.command('/start');
    const [hello] = await officer.next();
    expect(hello!.text).toBe('李冬梅，您好！您是第三组专职网格员。群众反映的事项会第一时间推送到这里，请及时受理。');
    expect(await registrationOf(officer.userId)).toMatchObject({ role: 'officer_full' });

    const v = person().mark();
    await v.command(`/start ${tree.unit.joinCode}`);
    await v.next();
    await v.press('简体中文');
    await v.press('对，就是这里');
    await v.waitForText('怎么称呼您');
    await v.say('王秀英');
    await v.waitForText('留个手机号');
    await v.say('跳过');
    await v.waitForText('登记好了');
    await v.command('/start');
    const back = await v.waitForText('欢迎回来');
    expect(back.text).toContain('王秀英，欢迎回来！您登记在湖泽镇水川村第三组。');
    expect(back.keyboard?.flat().map((b) => b.label)).toContain('反映问题');
  });

  it('/help in the middle of registering answers and asks the same step again; /lang switches the language', async () => {
    const tree = await newTree(store.db);
    const v = person().mark();
    await v.command(`/start ${tree.unit.joinCode}`);
    await v.next();
    await v.press('简体中文');
    await v.waitForText('您要登记到');
    await v.command('/help');
    await v.waitForText('先发送 /start 登记');
    const again = await v.waitForText('您要登记到');
    await v.pressData(again.buttons[0]![0]!.data, again);
    await v.waitForText('怎么称呼您');
    await v.say('王秀英');
    await v.waitForText('留个手机号');
    await v.say('跳过');
    await v.waitForText('登记好了');

    await v.command('/lang');
    await v.waitForText('请选择语言');
    await v.press('English');
    const changed = await v.waitForText("I'll write to you in English");
    expect(changed.keyboard?.flat().map((b) => b.label)).toEqual(['Report a problem', 'Ask', 'My matters', 'Help']);
    expect((await registrationOf(v.userId))!.person.locale).toBe('en');
    await v.say('Help');
    await v.waitForText('I can help you');
  });

  it('keeps a registration half done across a restart of the runtime', async () => {
    const tree = await newTree(store.db);
    const v = person().mark();
    await v.command(`/start ${tree.unit.joinCode}`);
    await v.next();
    await v.press('简体中文');
    const confirm = await v.waitForText('您要登记到');

    await bot.stop();
    bot = await startBot(store, emulator, { prefix: bot.prefix, port: bot.port });

    // The button sent before the restart still works: the step and its token are in the store.
    await v.pressData(confirm.buttons[0]![0]!.data, confirm);
    await v.waitForText('怎么称呼您');
    await v.press('就叫我“王秀英”');
    await v.waitForText('留个手机号');
    await v.say('跳过');
    await v.waitForText('登记好了');
    await waitFor(async () => (await registrationOf(v.userId))?.unitId === tree.unit.id, 'the registration stored');
  });
});
