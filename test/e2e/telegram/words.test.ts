// Words as people read them, through the Telegram stand-in: a staff member's timeline says what
// happened in words (no event codes) and names each department; a zh-TW villager and a zh-TW
// officer see the roster's names (written in simplified characters) in traditional ones, and their
// chat's command menu in zh-TW (Telegram's language_code cannot tell zh-TW from zh-CN).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EVENT_KINDS } from '../../../src/domain/lifecycle.js';
import { t } from '../../../src/i18n/index.js';
import { newOfficer, newPerson, newTree, type Tree } from '../../support/factories.js';
import { addEvents, newDepartment } from '../../support/matter-factories.js';
import { openTestStore, type TestStore } from '../../support/store.js';
import { startBot, type BotUnderTest } from '../../support/telegram/bot.js';
import { TelegramEmulator } from '../../support/telegram/emulator.js';
import { TelegramPerson } from '../../support/telegram/person.js';
import { reportedThroughIntake, saw } from '../../support/telegram-flows.js';
import { waitFor } from '../../support/wait.js';

let store: TestStore;
let emulator: TelegramEmulator;
let bot: BotUnderTest;
let tree: Tree;
let nextUser = 870_000;

const person = (firstName: string, languageCode: string) => new TelegramPerson(emulator, { userId: nextUser++, firstName, languageCode });
const MENU = ['start', 'report', 'ask', 'mine', 'patrol', 'leave', 'back', 'stats', 'broadcast', 'stop', 'help', 'lang', 'tz', 'reach', 'cancel'];
// A code word where words belong (deadline_missed, report_in_overdue); /status and the like are commands.
const RAW_CODE = /(?<![\w/])[a-z]+(?:_[a-z]+)+(?!\w)/;

/** The menus set for one private chat, oldest first. */
const chatMenus = (chatId: number) => emulator.commands.filter((b) => scopeOf(b)?.type === 'chat' && Number(scopeOf(b)?.chat_id) === chatId);
const scopeOf = (body: Record<string, any>): { type?: string; chat_id?: number | string } | undefined => (typeof body.scope === 'string' ? JSON.parse(body.scope) : body.scope);
const commandsOf = (body: Record<string, any>): Array<{ command: string; description: string }> => (typeof body.commands === 'string' ? JSON.parse(body.commands) : body.commands);

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

describe('a staff timeline in words', () => {
  it('tells every kind of event in words and names the department that reported in', async () => {
    const o = person('李冬梅', 'zh-hans');
    const officer = await newOfficer(store.db, tree.unit, '李冬梅', { telegram: String(o.userId) });
    const v = person('王秀英', 'zh-hans');
    await newPerson(store.db, { name: '王秀英', role: 'villager', at: tree.unit, telegram: String(v.userId) });
    const police = await newDepartment(store.db, { code: 'hz-police', name: '湖泽派出所', at: tree.township });
    const liaison = await newPerson(store.db, { name: '周明', role: 'liaison', at: tree.township, title: '湖泽派出所联络员' });
    const matter = await reportedThroughIntake(bot, store, String(v.userId), '村口的电线杆歪了，怕倒下来砸到人。', 'hazard');
    const dueAt = new Date(matter.createdAt.getTime() + 3 * 3_600_000).toISOString();
    await addEvents(store.db, matter, [
      { action: 'take', after: 2, by: officer },
      { action: 'pause', after: 3, by: officer },
      { action: 'resume', after: 20, data: { pausedMinutes: 17 } },
      { action: 'whistle', after: 21, by: officer, data: { departmentIds: [police.id] } },
      { action: 'report_in_overdue', after: 52, data: { departmentId: police.id } },
      { action: 'report_in', after: 55, by: liaison, data: { departmentId: police.id } },
      { action: 'sign_off', after: 90, by: liaison, data: { departmentId: police.id } },
      { action: 'rate_department', after: 91, by: officer, data: { departmentId: police.id, rating: 4 } },
      { action: 'deadline_missed', after: 180, data: { limit: 'settle', dueAt } },
      { action: 'escalate', after: 180, levelFrom: 'unit', levelTo: 'village' },
    ]);

    o.mark();
    await o.command(`/status ${matter.ref}`);
    const detail = await o.waitForText('—— 办理经过 ——');
    const timeline = detail.text.slice(detail.text.indexOf('—— 办理经过 ——'));
    expect(timeline).toContain('您向群众了解情况，办理时限暂停计算');
    expect(timeline).toContain('恢复计算办理时限（暂停了 17 分钟）');
    expect(timeline).toContain('湖泽派出所超过报到时限，还没有报到');
    expect(timeline).toContain('湖泽派出所（周明）报到');
    expect(timeline).toContain('湖泽派出所（周明）办完了本部门的事');
    expect(timeline).toContain('您为湖泽派出所的协同处置评 4 分');
    expect(timeline).toMatch(/超过办结时限（\d+月\d+日 \d{2}:\d{2}）/);
    expect(timeline).toContain('超过时限，升到村里督办');
    expect(timeline).not.toMatch(RAW_CODE);
    expect(timeline).not.toContain('系统：');
    // Each kind the log can hold has its own line in every language.
    expect(EVENT_KINDS.length).toBeGreaterThan(25);
  });
});

describe('a zh-TW reader on Telegram', () => {
  it('a villager registers through grid names shown in traditional characters, and gets the zh-TW command menu', async () => {
    await newOfficer(store.db, tree.unit, '李冬梅');
    const v = person('王秀英', 'zh-TW').mark();
    await v.command('/start');
    await v.waitForText('歡迎');
    await v.press('繁體中文');
    // The roster says 第三组 (one township and one village: those levels are passed over); a zh-TW reader picks 第三組.
    const units = await v.waitForText('請選擇您所在的村民小組');
    expect(units.buttons.flat().map((b) => b.label)).toEqual(expect.arrayContaining(['第三組', '第四組']));
    expect(JSON.stringify(v.messages().map((m) => [m.text, m.buttons]))).not.toMatch(/湖泽镇|第三组/);
    await v.press('第三組');
    const confirm = await v.waitForText('您要登記到');
    expect(confirm.text).toContain('湖澤鎮水川村第三組');
    await v.press('對，就是這裡');
    await v.press('就叫我「王秀英」');
    await v.waitForText('留個手機號碼');
    await v.say('略過');
    const done = await v.waitForText('登記好了');
    expect(done.text).toContain('第三組專職網格員李冬梅');
    expect(done.text).not.toMatch(/第三组|专职/);

    // Telegram's two-letter language_code makes zh-TW "zh", as zh-CN: the chat gets its own menu.
    const menus = await waitFor(() => (chatMenus(v.userId).length ? chatMenus(v.userId) : null), 'a command menu for the zh-TW chat');
    const menu = commandsOf(menus[menus.length - 1]!);
    expect(menu.map((c) => c.command)).toEqual(MENU);
    expect(menu.map((c) => c.description)).toEqual(MENU.map((c) => t('zh-TW', `telegram:commands.${c}`)));
    expect(menu.find((c) => c.command === 'report')!.description).toBe('反映問題');
  });

  it('a villager who changes to simplified Chinese gets the default menu back', async () => {
    await newOfficer(store.db, tree.unit, '李冬梅');
    const v = person('王秀英', 'zh-TW').mark();
    await newPerson(store.db, { name: '王秀英', role: 'villager', at: tree.unit, telegram: String(v.userId), locale: 'zh-TW' });
    await v.command('/help');
    await v.waitForText('反映問題');
    await waitFor(() => (chatMenus(v.userId).length ? true : null), 'the zh-TW menu');
    const deleted = () => emulator.callsOf('deleteMyCommands').filter((c) => Number(scopeOf(c.body)?.chat_id) === v.userId);
    expect(deleted()).toHaveLength(0);
    v.mark();
    await v.command('/lang');
    await v.press('简体中文');
    await v.waitForText('以后就用简体中文和您说');
    // The chat's own menu is taken away: the bot-wide zh-CN list serves them again.
    await waitFor(() => (deleted().length === 1 ? true : null), 'the chat menu taken away');
    expect(deleted()[0]!.status).toBe(200);
    expect(chatMenus(v.userId)).toHaveLength(1);
  });

  it('an officer reading in zh-TW sees the grid and the villager’s place in traditional characters, and the zh-TW menu', async () => {
    const o = person('李冬梅', 'zh-TW');
    await newPerson(store.db, { name: '李冬梅', role: 'officer_full', at: tree.unit, title: '第三组专职网格员', telegram: String(o.userId), locale: 'zh-TW' });
    const v = person('王秀英', 'zh-hans');
    await newPerson(store.db, { name: '王秀英', role: 'villager', at: tree.unit, telegram: String(v.userId) });
    o.mark();
    const matter = await reportedThroughIntake(bot, store, String(v.userId), '邻居家的树枝伸到我家屋顶上了。', 'help');
    const card = await saw(o, `【新事項】${matter.ref}`);
    expect(card.text).toMatch(/網格：.*第三組/);
    expect(card.text).not.toContain('第三组');
    // The villager's own words stay as they were written.
    expect(card.text).toContain('邻居家的树枝伸到我家屋顶上了');
    const menus = await waitFor(() => (chatMenus(o.userId).length ? chatMenus(o.userId) : null), 'a command menu for the officer’s zh-TW chat');
    expect(commandsOf(menus[0]!).find((c) => c.command === 'mine')!.description).toBe(t('zh-TW', 'telegram:commands.mine'));
  });
});
