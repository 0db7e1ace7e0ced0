// Who goes first under Telegram's limits (issue 19 §2), from the people's side: the emulator
// answers 429 past the overall rate or a chat's, and a backlog of broadcast copies and other
// notices is already going out when a villager presses 提交. Their receipt and the officer's notice
// of the new matter go out ahead of the backlog still waiting (order of arrival at the emulator),
// and nothing breaks a limit. The rate is set low (2 a second) so the backlog lasts long enough to
// be overtaken on a shared machine; the ordering does not depend on the rate.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendJobs } from '../../../src/services/send-jobs.js';
import { createDeliveries, type NewDelivery } from '../../../src/store/repositories/delivery-repository.js';
import { enqueue } from '../../../src/store/repositories/outbox-repository.js';
import { newOfficer, newTree, newVillager } from '../../support/factories.js';
import { openTestStore, type TestStore } from '../../support/store.js';
import { startBot, type BotUnderTest } from '../../support/telegram/bot.js';
import { TelegramEmulator } from '../../support/telegram/emulator.js';
import { TelegramPerson } from '../../support/telegram/person.js';
import { refIn } from '../../support/telegram-flows.js';
import { waitFor } from '../../support/wait.js';

const RATE = 2;
/** People the backlog goes to, each a broadcast copy and a 催办 notice. */
const BACKLOG_PEOPLE = 20;
const BULK = '停水通知';
const NOTICE = '【催办】';

let store: TestStore;
let emulator: TelegramEmulator;
let bot: BotUnderTest;

beforeAll(async () => {
  store = await openTestStore('postgres');
  emulator = await TelegramEmulator.start();
  emulator.enforceLimits({ globalPerSecond: RATE, globalBurst: 2 });
  // Telegram's own per-chat limits (1 a second, a burst of 3), and the overall rate the emulator keeps.
  bot = await startBot(store, emulator, { telegram: { limits: { globalPerSecond: RATE, chatPerSecond: 1, chatBurst: 3 } } });
}, 60_000);

afterAll(async () => {
  await bot?.stop();
  await emulator?.close();
  await store?.close();
});

/** The text of every message the emulator took, in the order it took them. */
const taken = () => emulator.callsOf('sendMessage').filter((c) => c.status === 200).map((c) => ({ chatId: String(c.body.chat_id), text: String(c.body.text ?? '') }));

describe('under Telegram’s limits, with a backlog of bulk and notices going out', () => {
  it("a villager's receipt and the officer's first notice go out before the waiting backlog, and no limit is broken", async () => {
    const tree = await newTree(store.db);
    const officer = new TelegramPerson(emulator, { userId: 880_900, firstName: '李冬梅', languageCode: 'zh-hans' });
    await newOfficer(store.db, tree.unit, '李冬梅', { telegram: String(officer.userId) });
    const v = new TelegramPerson(emulator, { userId: 880_001, firstName: '王秀英', languageCode: 'zh-hans' });
    await newVillager(store.db, tree.unit, '王秀英', { telegram: String(v.userId) });
    const others = await Promise.all(Array.from({ length: BACKLOG_PEOPLE }, (_, i) => newVillager(store.db, tree.unit, `村民${i + 1}`, { telegram: String(881_000 + i) })));

    // The villager gets as far as 提交.
    await v.say('反映问题');
    await v.press('⚠️ 安全隐患', 30_000);
    await v.press('没有，但要尽快处理', 30_000);
    await v.waitForText('请说一说是什么事', 30_000);
    await v.say('村口的电线杆歪了，孩子上学要从那里走。');
    await v.press('✅ 说完了', 30_000);
    await v.waitForText('事情发生在哪里', 30_000);
    await v.say('跳过');
    await v.waitForText('请您核对一下', 30_000);

    // Meanwhile a broadcast's copies and other notices were written for twenty others, and start to go out.
    const rows: NewDelivery[] = others.flatMap((p, i) => [
      { id: randomUUID(), personId: p.id, matterId: null, template: 'urged', params: { name: '镇里', ref: `0000-${String(100 + i)}`, summary: '路灯' } },
      { id: randomUUID(), personId: p.id, matterId: null, template: 'broadcast', params: { texts: { 'zh-CN': `${BULK}：明天上午停水。` }, defaultLocale: 'zh-CN' } },
    ]);
    await createDeliveries(store.db, rows);
    await enqueue(store.db, sendJobs(rows));
    bot.runtime.ctx.outboxWritten();
    const backlog = (m: { text: string }) => m.text.includes(BULK) || m.text.includes(NOTICE);
    await waitFor(() => taken().some(backlog), 'the backlog to start going out', 30_000);

    await v.press('📨 提交', 30_000);
    const receipt = await v.waitForText('受理编号', 60_000);
    const ref = refIn(receipt.text);
    await officer.waitForText(ref, 60_000);
    await waitFor(() => taken().filter(backlog).length === rows.length, () => `the whole backlog to go out (${taken().filter(backlog).length} of ${rows.length})`, 120_000);
    await bot.idle();

    const order = taken();
    const at = (pred: (m: { chatId: string; text: string }) => boolean) => order.findIndex(pred);
    const receiptAt = at((m) => m.chatId === String(v.userId) && m.text.includes('受理编号'));
    const noticeAt = at((m) => m.chatId === String(officer.userId) && m.text.includes(ref));
    const backlogAfter = (i: number) => order.slice(i + 1).filter(backlog).length;
    // Sent in arrival order, both would have gone after all 40; they overtook the backlog still waiting.
    expect(backlogAfter(receiptAt)).toBeGreaterThanOrEqual(rows.length / 2);
    expect(backlogAfter(noticeAt)).toBeGreaterThanOrEqual(rows.length / 2);
    expect(emulator.breaches).toEqual([]);
  }, 240_000);
});
