// 主动服务 from both sides on Telegram: a village cadre composes a notice with /broadcast (the words,
// the place, the people, a 我要参加 button), sees the preview with how many will get it, confirms,
// and watches one message count up to the end, then gets the report; villagers get it with its
// buttons; one says /stop and gets no second notice (her own matter's news still comes), then
// /start brings notices back. Above the roster's size a second cadre approves it in chat. A
// villager who blocked the bot is marked and left out. At 06:59 a notice waits for 07:00. From
// the preview the cadre adds an English version, or sends only to the people using English.
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { broadcastEvents, broadcastResponses, broadcasts, deliveries, gridNodes, identities, people } from '../../../src/store/schema.js';
import { newOfficer, newPerson, newTree, newVillager, type PersonRow, type Tree } from '../../support/factories.js';
import { openTestStore, type TestStore } from '../../support/store.js';
import { startBot, type BotUnderTest } from '../../support/telegram/bot.js';
import { fault403, TelegramEmulator, type BotMessage } from '../../support/telegram/emulator.js';
import { TelegramPerson } from '../../support/telegram/person.js';
import { reportedThroughIntake } from '../../support/telegram-flows.js';
import { waitFor } from '../../support/wait.js';

let store: TestStore;
let emulator: TelegramEmulator;
let bot: BotUnderTest;
let tree: Tree;
let nextUser = 880_000;

const tg = (firstName: string) => new TelegramPerson(emulator, { userId: nextUser++, firstName, languageCode: 'zh-hans' });

beforeAll(async () => {
  store = await openTestStore('postgres');
  emulator = await TelegramEmulator.start();
  bot = await startBot(store, emulator);
});

beforeEach(async () => {
  await store.reset();
  tree = await newTree(store.db);
  bot.clock.set('2026-06-03T10:00:00+08:00');
});

afterAll(async () => {
  await bot?.stop();
  await emulator?.close();
  await store?.close();
});

/** The message with this id as it reads now (the emulator applies edits in place). */
const current = (p: TelegramPerson, m: BotMessage) => p.messages().find((x) => x.messageId === m.messageId)?.text ?? '';

/** Composes a notice to 水川村's villagers in chat, up to the preview; returns the preview. */
async function composeToVillage(c: TelegramPerson, words: string, button: string, when?: (c: TelegramPerson) => Promise<void>, file?: (c: TelegramPerson) => Promise<unknown>): Promise<BotMessage> {
  c.mark();
  await c.command('/broadcast');
  await c.waitForText('请把要发的通知写下来');
  await c.say(words);
  await c.waitForText('要不要配一张图片');
  await (file ? file(c) : c.press('跳过'));
  const where = await c.waitForText('发给哪里的人');
  // Her village first, then its unit grids (in code order).
  const places = where.buttons.flat().map((b) => b.label);
  expect(places[0]).toBe('水川村');
  expect(places.slice(1).sort()).toEqual(['第三组', '第四组'].sort());
  await c.press('水川村');
  await c.waitForText('发给哪些人');
  await c.press('村民');
  await c.waitForText('要不要加个按钮');
  await c.press(button);
  await c.waitForText('什么时候发');
  await (when ? when(c) : c.press('⚡ 现在就发'));
  return c.waitForText('请再看一遍');
}

describe('broadcasts on Telegram', () => {
  let cadre: TelegramPerson;
  let v1: TelegramPerson;
  let v2: TelegramPerson;
  let v3: TelegramPerson;
  let villagers: PersonRow[];

  beforeEach(async () => {
    cadre = tg('周文华');
    await newPerson(store.db, { name: '周文华', role: 'cadre', at: tree.village, title: '水川村党支部书记', telegram: String(cadre.userId) });
    v1 = tg('王秀英');
    v2 = tg('罗秀英');
    v3 = tg('陈国华');
    villagers = [
      await newVillager(store.db, tree.unit, '王秀英', { telegram: String(v1.userId) }),
      await newVillager(store.db, tree.otherUnit, '罗秀英', { telegram: String(v2.userId) }),
      await newVillager(store.db, tree.otherUnit, '陈国华', { telegram: String(v3.userId) }),
    ];
    // Not counted: an officer (the cadre chose villagers) and a villager no platform reaches.
    await newOfficer(store.db, tree.unit, '李冬梅', { telegram: String(nextUser++) });
    await newOfficer(store.db, tree.otherUnit, '张国华', { telegram: String(nextUser++) });
    await newVillager(store.db, tree.unit, '石红妹');
  });

  it('composes, previews, confirms and counts up in one message; /stop keeps the next one away, /start brings it back', async () => {
    const preview = await composeToVillage(cadre, '端午节快乐！今晚七点村委会门口放电影，欢迎大家来看。', '🙋 我要参加');
    expect(preview.text).toContain('端午节快乐！今晚七点村委会门口放电影');
    expect(preview.text).toContain('发给：水川村的村民，共 3 人。');
    await cadre.press('✅ 确认发送');
    const progress = await cadre.waitForText('📢 通知开始发送，共 3 人');

    // The villagers get it, in their own words, with its buttons.
    for (const v of [v1, v2, v3]) {
      const got = await v.waitForText('端午节快乐！');
      expect(got.text.startsWith('📢 村里通知')).toBe(true);
      expect(got.buttons.flat().map((b) => b.label)).toEqual(['🙋 我要参加', '🔕 不再接收通知']);
    }
    await v1.press('🙋 我要参加');
    await waitFor(() => emulator.callsOf('answerCallbackQuery').some((c) => String(c.body.text ?? '').includes('您报名参加了')), 'the press answered');

    // One message, edited in place to the end; then the report as a message of its own.
    await waitFor(() => current(cadre, progress).includes('发送完毕：已送到 3 / 3 人'), () => `the progress message finished (reads: ${current(cadre, progress)})`, 30_000);
    const report = await cadre.waitForText('通知发完了', 30_000);
    expect(report.messageId).not.toBe(progress.messageId);
    expect(report.text).toContain('共 3 人，送到 3 人');
    expect(emulator.callsOf('editMessageText', cadre.userId).length).toBeGreaterThan(0);
    const [answered] = await store.db.select().from(broadcastResponses);
    expect(answered).toMatchObject({ personId: villagers[0]!.id, answer: 'attend' });

    // 罗秀英 says /stop: no more notices, but her own matter's news still comes.
    v2.mark();
    await v2.command('/stop');
    await v2.waitForText('以后不再给您发村里的通知了');
    const [stopped] = await store.db.select().from(people).where(eq(people.id, villagers[1]!.id));
    expect(stopped!.broadcastsStoppedAt).not.toBeNull();
    v2.mark();
    await reportedThroughIntake(bot, store, String(v2.userId), '村口路灯坏了好几天了');
    await v2.waitForText('已受理');

    // The next notice reaches the other two only.
    const second = await composeToVillage(cadre, '明天上午九点在村委会开村民大会。', '👌 收到');
    expect(second.text).toContain('共 2 人');
    await cadre.press('✅ 确认发送');
    const progress2 = await cadre.waitForText('📢 通知开始发送，共 2 人');
    await v1.waitForText('明天上午九点');
    await v3.waitForText('明天上午九点');
    await waitFor(() => current(cadre, progress2).includes('发送完毕：已送到 2 / 2 人'), () => `the second finished (reads: ${current(cadre, progress2)})`, 30_000);
    expect(v2.messages().some((m) => m.text.includes('明天上午九点'))).toBe(false);

    // /start again: notices come back (and she is greeted as ever).
    v2.mark();
    await v2.command('/start');
    await v2.waitForText('村里的通知会照常发给您');
    const [back] = await store.db.select().from(people).where(eq(people.id, villagers[1]!.id));
    expect(back!.broadcastsStoppedAt).toBeNull();
  }, 180_000);

  it('an English version added from the preview reaches the villager who reads English; zh-CN and zh-TW readers get the words the cadre wrote', async () => {
    // 罗秀英 reads English, 陈国华 traditional Chinese; 王秀英 simplified, as the cadre writes.
    await store.db.update(people).set({ locale: 'en' }).where(eq(people.id, villagers[1]!.id));
    await store.db.update(people).set({ locale: 'zh-TW' }).where(eq(people.id, villagers[2]!.id));
    const words = '明晚七点村委会门口放电影，欢迎大家来看。';
    const english = 'Film night tomorrow at 7 pm outside the village office. Everyone is welcome.';
    const preview = await composeToVillage(cadre, words, '不加按钮');
    expect(preview.buttons.flat().map((b) => b.label)).toEqual(['✅ 确认发送', '❌ 不发了', '🌐 加一个语言版本', '🗣 只发给用某种语言的人']);
    expect(preview.text).not.toContain('各版本收到的人数');

    await cadre.press('🌐 加一个语言版本');
    const which = await cadre.waitForText('加哪种语言的版本');
    // The languages besides the one she wrote in, and the way back.
    expect(which.buttons.flat().map((b) => b.label)).toEqual(['繁體中文', 'English', '↩️ 回到预览']);
    await cadre.press('English');
    await cadre.waitForText('请写下English版本的通知');
    await cadre.say(english);
    const again = await cadre.waitForText('请再看一遍');
    expect(again.text).toContain(`${words}\n\n🌐 English版本：\n${english}`);
    // Who gets which: the zh-TW reader has no version of her own, so the simplified one.
    expect(again.text).toContain('各版本收到的人数：简体中文 2 人、English 1 人。');
    expect(again.text).toContain('发给：水川村的村民，共 3 人。');
    await cadre.press('✅ 确认发送');
    const progress = await cadre.waitForText('📢 通知开始发送，共 3 人');

    const en = await v2.waitForText(english);
    expect(en.text).toBe(`📢 Notice from the village\n${english}`);
    const cn = await v1.waitForText(words);
    expect(cn.text).toBe(`📢 村里通知\n${words}`);
    // textFor: no zh-TW version, so the default's words as written (simplified), under her heading.
    const tw = await v3.waitForText(words);
    expect(tw.text).toBe(`📢 村裡通知\n${words}`);
    expect([v1, v3].some((v) => v.messages().some((m) => m.text.includes(english)))).toBe(false);
    expect(v2.messages().some((m) => m.text.includes(words))).toBe(false);
    await waitFor(() => current(cadre, progress).includes('发送完毕：已送到 3 / 3 人'), () => `the progress finished (reads: ${current(cadre, progress)})`, 30_000);
    const [row] = await store.db.select().from(broadcasts);
    expect(row).toMatchObject({ texts: { 'zh-CN': words, en: english }, defaultLocale: 'zh-CN', locale: null, audienceSize: 3 });
  }, 120_000);

  it('narrowed from the preview to people using English: the count says 1, and only the English reader gets it', async () => {
    await store.db.update(people).set({ locale: 'en' }).where(eq(people.id, villagers[1]!.id));
    const preview = await composeToVillage(cadre, 'Free health checks at the clinic on Saturday morning.', '不加按钮');
    expect(preview.text).toContain('发给：水川村的村民，共 3 人。');
    await cadre.press('🗣 只发给用某种语言的人');
    const which = await cadre.waitForText('只发给用哪种语言的人');
    expect(which.buttons.flat().map((b) => b.label)).toEqual(['全部，不分语言', '简体中文（2 人）', '繁體中文（0 人）', 'English（1 人）']);
    await cadre.press('English（1 人）');
    const narrowed = await cadre.waitForText('请再看一遍');
    expect(narrowed.text).toContain('发给：水川村的村民里用English的人，共 1 人。');

    // Back to everyone, and to English again: the count follows.
    await cadre.press('🗣 只发给用某种语言的人');
    await cadre.waitForText('只发给用哪种语言的人');
    await cadre.press('全部，不分语言');
    expect((await cadre.waitForText('请再看一遍')).text).toContain('发给：水川村的村民，共 3 人。');
    await cadre.press('🗣 只发给用某种语言的人');
    await cadre.waitForText('只发给用哪种语言的人');
    await cadre.press('English（1 人）');
    await cadre.waitForText('共 1 人。');
    await cadre.press('✅ 确认发送');
    const progress = await cadre.waitForText('📢 通知开始发送，共 1 人');
    await v2.waitForText('Free health checks');
    await waitFor(() => current(cadre, progress).includes('发送完毕：已送到 1 / 1 人'), () => `the progress finished (reads: ${current(cadre, progress)})`, 30_000);
    expect([v1, v3].some((v) => v.messages().some((m) => m.text.includes('Free health checks')))).toBe(false);
    const [row] = await store.db.select().from(broadcasts);
    expect(row).toMatchObject({ locale: 'en', audienceSize: 1 });
    expect(await store.db.select().from(deliveries).where(eq(deliveries.broadcastId, row!.id))).toEqual([expect.objectContaining({ personId: villagers[1]!.id })]);
  }, 120_000);

  it('a photo sent with the words reaches every villager as one photo, the words its caption and the buttons under it', async () => {
    let photo = '';
    const preview = await composeToVillage(cadre, '今晚七点村委会门口放电影《我和我的祖国》，欢迎大家来看。', '🙋 我要参加', undefined, async (c) => {
      photo = await c.sendPhoto();
      await c.waitForText('图片收到了');
    });
    expect(preview.text).toContain('📎 附一张图片');
    await cadre.press('✅ 确认发送');
    const progress = await cadre.waitForText('📢 通知开始发送，共 3 人');
    await waitFor(() => current(cadre, progress).includes('发送完毕：已送到 3 / 3 人'), () => `all three sent (reads: ${current(cadre, progress)})`, 30_000);
    for (const v of [v1, v2, v3]) {
      const got = await v.waitForText('放电影《我和我的祖国》');
      expect(got.text.startsWith('📢 村里通知')).toBe(true);
      expect(got.buttons.flat().map((b) => b.label)).toEqual(['🙋 我要参加', '🔕 不再接收通知']);
      // One message: the photo with the words as its caption, no separate text.
      const sent = emulator.botMessages(v.userId).filter((m) => m.text.includes('放电影'));
      expect(sent.map((m) => m.method)).toEqual(['sendPhoto']);
      expect(sent[0]!.raw.photo).toBe(photo);
    }
    const [row] = await store.db.select().from(broadcasts);
    expect(row!.attachments).toEqual([expect.objectContaining({ kind: 'photo', platform: 'telegram', fileRef: photo })]);
    await v1.press('🙋 我要参加');
    await waitFor(async () => (await store.db.select().from(broadcastResponses)).length === 1, 'the answer under the photo counted');
  }, 120_000);

  it('a yearly 春节 greeting: scheduled for its lunar date, sent on the day as its own broadcast, planned again for next year, cancelled from chat', async () => {
    bot.clock.set('2026-12-06T10:00:00+08:00');
    const queue = bot.runtime.queues!.queue('broadcast');
    const schedulerOf = async (id: string) => (await queue.getJobSchedulers()).find((s) => (s.id ?? s.key) === `yearly@${id}`);
    const preview = await composeToVillage(cadre, '新春快乐！祝全村父老乡亲身体健康、万事如意。', '不加按钮', async (c) => {
      await c.press('🎉 每年过节时发');
      await c.waitForText('哪个节日');
      await c.press('春节（正月初一）');
    });
    expect(preview.text).toContain('每年春节早上 8 点发，第一次是');
    expect(preview.text).toContain('2月6日 08:00');
    await cadre.press('✅ 确认发送');
    await cadre.waitForText('📢 已安排好：每年春节早上 8 点发');
    const [order] = await store.db.select().from(broadcasts);
    expect(order).toMatchObject({ status: 'yearly', holiday: 'spring_festival', sendTime: '08:00', yearlyOfId: null });
    // Its job scheduler fires at 08:00 in Shanghai on 2027-02-06 (正月初一).
    const planned = await waitFor(() => schedulerOf(order!.id), 'the yearly scheduler planned');
    expect(planned.next).toBe(new Date('2027-02-06T08:00:00+08:00').getTime());
    expect(planned.tz).toBe('Asia/Shanghai');
    expect(v1.messages().some((m) => m.text.includes('新春快乐'))).toBe(false);

    // The day comes: the scheduler's job runs (added here as it would fire; the clock is the bot's).
    bot.clock.set('2027-02-06T08:00:00+08:00');
    await queue.add('broadcast', { op: 'yearly', broadcastId: order!.id }, { jobId: `fire-${order!.id}-1` });
    for (const v of [v1, v2, v3]) await v.waitForText('新春快乐！', 30_000);
    const report = await cadre.waitForText('通知发完了', 30_000);
    expect(report.text).toContain('共 3 人，送到 3 人');
    const copy = await waitFor(async () => (await store.db.select().from(broadcasts).where(eq(broadcasts.yearlyOfId, order!.id)))[0], 'this year’s copy');
    expect(copy).toMatchObject({ year: 2027, authorId: order!.authorId, texts: order!.texts });
    await waitFor(async () => (await store.db.select().from(broadcasts).where(eq(broadcasts.id, copy.id)))[0]?.status === 'done', 'this year’s copy done');
    const ledger = await store.db.select().from(broadcastEvents).where(eq(broadcastEvents.broadcastId, copy.id));
    expect(ledger.map((e) => e.action)).toEqual(['composed', 'released', 'finished']);
    // Planned again: next year's 春节 is 2028-01-26, another day of the year.
    await waitFor(async () => (await schedulerOf(order!.id))?.next === new Date('2028-01-26T08:00:00+08:00').getTime(), 'next year’s date planned');
    // A second firing the same day writes no second copy.
    await queue.add('broadcast', { op: 'yearly', broadcastId: order!.id }, { jobId: `fire-${order!.id}-2` });
    const again = await waitFor(async () => (await queue.getJob(`fire-${order!.id}-2`))?.returnvalue, 'the second firing done');
    expect(again).toMatchObject({ outcome: 'already_sent', year: 2027 });
    expect(await store.db.select().from(broadcasts).where(eq(broadcasts.yearlyOfId, order!.id))).toHaveLength(1);

    // The cadre sees it under 我的定时通知 and cancels it.
    cadre.mark();
    await cadre.command('/broadcast');
    await cadre.waitForText('请把要发的通知写下来');
    await cadre.press('📅 我的定时通知');
    const list = await cadre.waitForText('点一条可以取消');
    expect(list.buttons.flat().map((b) => b.label)).toEqual(['每年春节｜水川村｜新春快乐！祝全村父老乡亲身体健康…']);
    await cadre.press('每年春节｜水川村｜新春快乐！祝全村父老乡亲身体健康…');
    await cadre.waitForText('要取消这条定时通知吗');
    await cadre.press('🗑 取消它');
    await cadre.waitForText('这条定时通知取消了');
    const [cancelled] = await store.db.select().from(broadcasts).where(eq(broadcasts.id, order!.id));
    expect(cancelled!.status).toBe('cancelled');
    await waitFor(async () => !(await schedulerOf(order!.id)), 'its scheduler removed');
  }, 150_000);

  it('above the roster’s size waits for a second cadre, who approves it in chat', async () => {
    await store.db.update(gridNodes).set({ broadcastApprovalSize: 2 }).where(eq(gridNodes.id, tree.village.id));
    const second = tg('刘建国');
    await newPerson(store.db, { name: '刘建国', role: 'cadre', at: tree.township, title: '湖泽镇党委副书记', telegram: String(second.userId) });
    const preview = await composeToVillage(cadre, '下周一开始秋季征兵报名，适龄青年请到村委会登记。', '👌 收到');
    expect(preview.text).toContain('人数超过 2，要请另一位干部审核后才发');
    await cadre.press('✅ 确认发送');
    const progress = await cadre.waitForText('已请另一位干部审核');

    // The township's cadre is asked; the villagers get nothing yet.
    const ask = await second.waitForText('周文华想给水川村的 3 人发一条通知');
    expect(ask.text).toContain('秋季征兵报名');
    expect(v1.messages().some((m) => m.text.includes('秋季征兵'))).toBe(false);
    // The author may not approve their own.
    await cadre.pressData(ask.buttons.flat()[0]!.data, progress);
    await waitFor(() => emulator.callsOf('answerCallbackQuery').some((c) => String(c.body.text ?? '').includes('要请另一位干部审核')), 'the author refused');

    await second.press('✅ 同意发送');
    await cadre.waitForText('刘建国同意了您的通知');
    for (const v of [v1, v2, v3]) await v.waitForText('秋季征兵报名');
    await waitFor(() => current(cadre, progress).includes('发送完毕：已送到 3 / 3 人'), () => `the progress finished (reads: ${current(cadre, progress)})`, 30_000);
    const [row] = await store.db.select().from(broadcasts);
    expect(row).toMatchObject({ status: 'done', audienceSize: 3 });
    const ledger = await store.db.select().from(broadcastEvents).where(eq(broadcastEvents.broadcastId, row!.id));
    expect(ledger.map((e) => e.action)).toEqual(['composed', 'approval_asked', 'approved', 'released', 'finished']);
  }, 120_000);

  it('tells the author when a notice needs approval and no other cadre could give it', async () => {
    await store.db.update(gridNodes).set({ broadcastApprovalSize: 2 }).where(eq(gridNodes.id, tree.village.id));
    await composeToVillage(cadre, '下周一开始秋季征兵报名。', '不加按钮');
    await cadre.press('✅ 确认发送');
    await cadre.waitForText('请把范围缩小到 2 人以内再发');
    expect(await store.db.select().from(broadcasts)).toHaveLength(0);
  }, 60_000);

  it('marks a villager who blocked the bot and leaves her out of the next notice', async () => {
    emulator.failNext({ method: 'sendMessage', chatId: String(v3.userId), ...fault403() });
    await composeToVillage(cadre, '村里自来水管道检修，明天停水半天。', '不加按钮');
    await cadre.press('✅ 确认发送');
    const progress = await cadre.waitForText('📢 通知开始发送，共 3 人');
    await waitFor(() => current(cadre, progress).includes('发送完毕：已送到 2 / 3 人'), () => `the progress finished (reads: ${current(cadre, progress)})`, 30_000);
    expect(current(cadre, progress)).toContain('没送到 1 人');
    const [blocked] = await store.db.select().from(identities).where(eq(identities.personId, villagers[2]!.id));
    expect(blocked!.unreachableAt).not.toBeNull();

    const preview = await composeToVillage(cadre, '停水检修已经结束，谢谢大家。', '不加按钮');
    expect(preview.text).toContain('共 2 人');
  }, 120_000);

  it('sends at the time the cadre typed, in the grid’s zone, and not before', async () => {
    const preview = await composeToVillage(cadre, '今天上午十点零一分试一下村里的广播喇叭。', '不加按钮', async (c) => {
      await c.say('明天吧');
      await c.waitForText('没看懂这个时间');
      // A few seconds before 10:01 on the bot's clock (Shanghai, the village's zone).
      bot.clock.set('2026-06-03T10:00:56+08:00');
      await c.say('10:01');
    });
    expect(preview.text).toContain('发送时间：6月3日 10:01。');
    await cadre.press('✅ 确认发送');
    await cadre.waitForText('通知已安排好，6月3日 10:01 发送，共 3 人');
    await v1.waitForText('试一下村里的广播喇叭', 30_000);
    const [row] = await store.db.select().from(broadcasts);
    expect(row!.scheduledAt!.toISOString()).toBe(new Date('2026-06-03T10:01:00+08:00').toISOString());
    expect(row!.releasedAt!.getTime()).toBeGreaterThanOrEqual(row!.scheduledAt!.getTime());
  }, 90_000);

  it('a notice set for later can be cancelled from under its message; then it never goes', async () => {
    bot.clock.set('2026-06-03T10:00:50+08:00');
    await composeToVillage(cadre, '今天上午十点零一分村里停电检修。', '不加按钮', async (c) => c.say('10:01'));
    await cadre.press('✅ 确认发送');
    const scheduled = await cadre.waitForText('通知已安排好，6月3日 10:01 发送');
    expect(scheduled.buttons.flat().map((b) => b.label)).toEqual(['🗑 取消这条定时通知']);
    await cadre.press('🗑 取消这条定时通知');
    await waitFor(() => emulator.callsOf('answerCallbackQuery').some((c) => String(c.body.text ?? '').includes('这条定时通知取消了')), 'the press answered');
    const [row] = await store.db.select().from(broadcasts);
    expect(row!.status).toBe('cancelled');
    const ledger = await store.db.select().from(broadcastEvents).where(eq(broadcastEvents.broadcastId, row!.id));
    expect(ledger.map((e) => e.action)).toEqual(['composed', 'cancelled']);
    // Its time comes and goes: the release finds it cancelled and writes no copy.
    bot.clock.set('2026-06-03T10:01:30+08:00');
    const queue = bot.runtime.queues!.queue('broadcast');
    const release = await waitFor(
      async () => (await queue.getJobs(['completed'])).find((j) => j.data.op === 'release' && 'broadcastId' in j.data && j.data.broadcastId === row!.id),
      'its release job ran',
      30_000,
    );
    expect(release.returnvalue).toMatchObject({ outcome: 'nothing_to_release', copies: 0 });
    expect(await store.db.select().from(deliveries).where(eq(deliveries.broadcastId, row!.id))).toHaveLength(0);
    // Pressed again (a stale button): said so.
    await cadre.pressData(scheduled.buttons.flat()[0]!.data, scheduled);
    await waitFor(() => emulator.callsOf('answerCallbackQuery').some((c) => String(c.body.text ?? '').includes('已经发出或取消了')), 'a second press answered');
  }, 90_000);

  it('holds a notice composed at 06:59 until 07:00 in the villagers’ zone', async () => {
    await composeToVillage(cadre, '今天上午村里组织义诊，请带好医保卡。', '不加按钮');
    // Confirmed a few seconds before the quiet hours end.
    bot.clock.set('2026-06-03T06:59:52+08:00');
    await cadre.press('✅ 确认发送');
    const progress = await cadre.waitForText('📢 通知开始发送，共 3 人');
    const [row] = await store.db.select().from(broadcasts);
    const copies = await store.db.select().from(deliveries).where(eq(deliveries.broadcastId, row!.id));
    expect(copies.map((c) => c.dueAt?.toISOString())).toEqual(Array(3).fill(new Date('2026-06-03T07:00:00+08:00').toISOString()));
    await waitFor(() => current(cadre, progress).includes('等早上再发 3 人'), () => `progress counting the waiting (reads: ${current(cadre, progress)})`);

    await v1.waitForText('今天上午村里组织义诊', 30_000);
    const sent = await waitFor(async () => {
      const [d] = await store.db.select().from(deliveries).where(and(eq(deliveries.broadcastId, row!.id), eq(deliveries.personId, villagers[0]!.id)));
      return d?.sentAt ? d : null;
    }, 'her copy recorded as sent');
    expect(sent.sentAt!.getTime()).toBeGreaterThanOrEqual(new Date('2026-06-03T07:00:00+08:00').getTime());
    await waitFor(() => current(cadre, progress).includes('发送完毕：已送到 3 / 3 人'), () => `the progress finished (reads: ${current(cadre, progress)})`, 30_000);
  }, 120_000);
});
