// A broadcast under WeChat Customer Service's sending window (issue 18): a village cadre's notice
// goes at once to the villager who wrote within 48 hours; the one who last wrote three days ago
// gets nothing — nothing is sent past the window, and the notice is not merged into the matters'
// "新进展" message — until she writes, then she gets it once, after the answer to what she wrote;
// the one who never writes again is counted, after the broadcast's 7-day wait, as not delivered
// and why, in the report the cadre who composed it in the WeCom app reads there.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { deliveries } from '../../../src/store/schema.js';
import { TestClock } from '../../support/clock.js';
import { newPerson, newTree, newVillager, type Tree } from '../../support/factories.js';
import { openTestStore, type TestStore } from '../../support/store.js';

import { FakeWecom } from '../../support/wecom/fake-wecom.js';
import { waitFor } from '../../support/wait.js';
import { AppMember, KfVillager, linkWecom, startWecomBot, type WecomBot } from '../../support/wecom/wecom-bot.js';

let store: TestStore;
let fake: FakeWecom;
let bot: WecomBot;
let tree: Tree;
const clock = new TestClock();
const DAY = 24 * 3600_000;
const NOTICE = '周六上午九点村委会门口免费体检，请带上身份证。';

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

const copies = async () => (await store.db.select({ personId: deliveries.personId, status: deliveries.status }).from(deliveries).where(eq(deliveries.template, 'broadcast'))).sort((a, b) => a.personId!.localeCompare(b.personId!));

it('sends inside the window, waits for the next message outside it, and reports who never wrote', async () => {
  const cadre = await newPerson(store.db, { name: '周文华', role: 'cadre', at: tree.village, title: '水川村党支部书记' });
  await linkWecom(store.db, cadre.id, { userId: 'ZhouWenHua' });
  const people = [
    { row: await newVillager(store.db, tree.unit, '王秀英'), id: 'wmBcInside01' },
    { row: await newVillager(store.db, tree.unit, '罗秀英'), id: 'wmBcOutside02' },
    { row: await newVillager(store.db, tree.otherUnit, '陈国华'), id: 'wmBcSilent03' },
  ];
  for (const p of people) await linkWecom(store.db, p.row.id, { externalUserId: p.id });
  const [inside, outside, silent] = people.map((p) => new KfVillager(fake, p.id));
  const author = new AppMember(fake, bot, 'ZhouWenHua');

  // All three wrote three days ago; only 王秀英 wrote again since.
  for (const v of [inside!, outside!, silent!]) {
    v.mark();
    await v.say('你好');
    await v.waitFor('');
  }
  await bot.idle();
  clock.advance(3 * DAY);
  for (const p of people) fake.windowAges(p.id, 3 * DAY);
  inside!.mark();
  await inside!.say('你好，我想问问低保的事');
  await inside!.waitFor('');
  await bot.idle();

  // The cadre's notice to 水川村's villagers.
  const [outsideRead, silentRead] = [outside!.messages().length, silent!.messages().length];
  // The cadre composes it in the WeCom app: the words, the place, the people, no button, now.
  author.mark();
  await author.say('/broadcast');
  await author.waitFor('请把要发的通知写下来');
  await author.say(NOTICE);
  await author.press(await author.card('跳过'), '跳过');
  await author.press(await author.card('水川村'), '水川村');
  await author.press(await author.card('村民'), '村民');
  await author.press(await author.card('不加按钮'), '不加按钮');
  await author.press(await author.card('⚡ 现在就发'), '⚡ 现在就发');
  const preview = await author.card('✅ 确认发送');
  expect(preview.text).toContain('发给：水川村的村民，共 3 人。');
  await author.press(preview, '✅ 确认发送');
  await author.waitFor('通知开始发送，共 3 人');

  // Inside the window: at once. Outside it: waiting, not sent, not failed, not merged with news.
  await inside!.waitFor(NOTICE);
  await waitFor(async () => (await copies()).filter((c) => c.status === 'window_waiting').length === 2, 'two copies waiting for their windows');
  await bot.idle();
  expect(outside!.messages().length).toBe(outsideRead);
  expect(silent!.messages().length).toBe(silentRead);
  expect(fake.windowRefusals).toEqual([]);
  expect(await store.db.select().from(deliveries).where(eq(deliveries.status, 'window_held'))).toEqual([]);

  // 罗秀英 writes: the answer first, then the notice, once, as itself.
  outside!.mark();
  await outside!.say('你好');
  await outside!.waitFor(NOTICE);
  await bot.idle();
  const after = outside!.messages().slice(outsideRead);
  expect(after.filter((m) => m.text.includes(NOTICE))).toHaveLength(1);
  expect(after.findIndex((m) => m.text.includes(NOTICE))).toBe(after.length - 1);
  expect(after.some((m) => m.text.includes('新进展'))).toBe(false);

  // 陈国华 never writes: after the 7-day wait the copy is not delivered, and the report says why.
  author.mark();
  clock.advance(7 * DAY);
  const report = await author.waitFor('通知发完了', 30_000);
  expect(report.text).toContain('共 3 人，送到 2 人');
  expect(report.text).toContain('没送到：微信超过48小时未回话（7 天内也没再来消息）1 人');
  expect(silent!.messages().length).toBe(silentRead);
  const byPerson = new Map((await copies()).map((c) => [c.personId, c.status]));
  expect(people.map((p) => byPerson.get(p.row.id))).toEqual(['sent', 'sent', 'window_expired']);
  expect(fake.windowRefusals).toEqual([]);
}, 180_000);
