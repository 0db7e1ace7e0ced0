// The sending window as a WeChat villager lives it (issue 16 "done when"): the officer settles the
// matter three days after the villager last wrote, when 微信客服 no longer lets the county write to
// them. The settlement waits — nothing is sent past the window, the stand-in refuses nothing — and
// arrives with the summary, merged into one message, as soon as the villager writes again.
// The service's clock and the stand-in's window move on three days together; the callbacks
// themselves are signed with the wall clock, as WeCom's are.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { deliveries } from '../../../src/store/schema.js';
import { eq } from 'drizzle-orm';
import { TestClock } from '../../support/clock.js';
import { newOfficer, newTree, newVillager, type Tree } from '../../support/factories.js';
import { openTestStore, type TestStore } from '../../support/store.js';
import { refIn } from '../../support/telegram-flows.js';
import { FakeWecom } from '../../support/wecom/fake-wecom.js';
import { waitFor } from '../../support/wait.js';
import { AppMember, KfVillager, linkWecom, startWecomBot, type Seen, type WecomBot } from '../../support/wecom/wecom-bot.js';

let store: TestStore;
let fake: FakeWecom;
let bot: WecomBot;
let tree: Tree;
const clock = new TestClock();
const DAY = 24 * 3600_000;

beforeAll(async () => {
  store = await openTestStore('postgres');
  fake = await FakeWecom.start();
  bot = await startWecomBot(store, fake, { clock });
  await store.reset();
  tree = await newTree(store.db);
});

afterAll(async () => {
  await bot?.stop();
  await fake?.stop();
  await store?.close();
});

it('a settlement three days on waits for the villager to write, then comes with the summary; nothing goes past the window', async () => {
  const officer = await newOfficer(store.db, tree.unit, '李冬梅');
  await linkWecom(store.db, officer.id, { userId: 'LiDongMeiW' });
  const villager = await newVillager(store.db, tree.unit, '王秀英');
  await linkWecom(store.db, villager.id, { externalUserId: 'wmWindowWang01' });
  const o = new AppMember(fake, bot, 'LiDongMeiW');
  const v = new KfVillager(fake, 'wmWindowWang01');

  const receipt = await v.report('⚠️ 安全隐患', '村口的电线杆歪了，孩子上学要从那里走。');
  const ref = refIn(receipt.text);
  // The receipt tells a WeChat villager how news will reach them.
  expect(receipt.text).toContain('下次发消息时一并告诉您');

  const card = await o.card('接单');
  await o.press(card, '接单');
  await v.waitFor(`${ref} 已由第三组专职网格员李冬梅接手办理`);
  // The taken card, as its redraw shows it: now with 办结.
  const redraw = await waitFor(() => fake.cardUpdates.find((u) => u.body.template_card?.task_id === card.card!.taskId && (u.body.template_card.button_list ?? []).some((b: { text: string }) => b.text === '办结')), 'the card redrawn with 办结');
  const taken: Seen = { ...card, buttons: redraw.body.template_card.button_list.map((b: { text: string; key: string }) => ({ label: b.text, data: b.key })) };
  await bot.idle();

  // Three days on: the villager last wrote more than 48 hours ago.
  clock.advance(3 * DAY);
  fake.windowAges('wmWindowWang01', 3 * DAY);
  const readBefore = v.messages().length;
  o.mark();
  await o.press(taken, '办结');
  await o.waitFor('请写下事项');
  await o.say('电线杆已经扶正加固，供电所来看过了。');
  await o.waitFor('已办结');
  await bot.idle();
  // Held, not sent and not failed: the villager read nothing more, the stand-in refused nothing.
  expect(v.messages()).toHaveLength(readBefore);
  expect(fake.windowRefusals).toEqual([]);
  const held = await store.db.select({ status: deliveries.status }).from(deliveries).where(eq(deliveries.status, 'window_held'));
  expect(held.length).toBeGreaterThan(0);

  // The villager writes again: their window opens, and the news follows the answer, in one message.
  v.mark();
  await v.say('电线杆的事怎么样了？');
  const news = await v.waitFor('电线杆已经扶正加固');
  // The one piece of news that waited is the settlement itself, with its summary and the rating.
  expect(news.text).toContain(`${ref} 已办结`);
  expect(news.buttons.map((b) => b.label)).toEqual(['满意', '基本满意', '不满意']);
  await bot.idle();
  const after = v.messages().slice(readBefore);
  expect(after.filter((m) => m.text.includes(`${ref} 已办结`))).toHaveLength(1);
  // What was held went out once, as that one message: nothing is held any more.
  expect(await store.db.select({ status: deliveries.status }).from(deliveries).where(eq(deliveries.status, 'window_held'))).toEqual([]);
  expect(fake.windowRefusals).toEqual([]);
}, 180_000);
