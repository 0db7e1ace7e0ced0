// A broadcast composed in chat and sent by more than one process, or by a process that stops in
// the middle, with the Telegram stand-in holding the bot to its limits (a message beyond the
// overall rate or ~1 a second in a chat is answered 429 and recorded as a breach):
// - two service processes on one token and one queue send one notice together: neither breaks a
//   limit (they share the token's budget through Redis), each villager gets it exactly once, and
//   the author's report counts them all;
// - the service stopped in the middle of a notice and started again resumes it: every villager
//   gets it exactly once, and the author's report is right.
import { eq } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { JobName } from '../../../src/ports/jobs.js';
import { broadcasts, deliveries } from '../../../src/store/schema.js';
import { newOfficer, newPerson, newTree, newVillager, type PersonRow, type Tree } from '../../support/factories.js';
import { openTestStore, type TestStore } from '../../support/store.js';
import { startBot, type BotOptions, type BotUnderTest } from '../../support/telegram/bot.js';
import { TelegramEmulator, type BotMessage } from '../../support/telegram/emulator.js';
import { TelegramPerson } from '../../support/telegram/person.js';
import { sendNoticeFromChat } from '../../support/telegram-flows.js';
import { uniquePrefix } from '../../support/runtime.js';
import { waitFor } from '../../support/wait.js';

/** Messages a second over all chats, for the bot and the stand-in alike: low, so the limit is what holds the sending back. */
const RATE = 8;
const VILLAGERS = 40;
const NOTICE = '村里自来水管道检修，明天上午停水半天，请提前接好水。';

let store: TestStore;
let emulator: TelegramEmulator;
let tree: Tree;
let nextUser = 884_000;
const bots: BotUnderTest[] = [];

/** The service as deployed: Telegram's per-chat limit (1 a second, a burst of 3) and the overall RATE, kept in Redis for every process on the token. */
const botOptions = (o: BotOptions = {}): BotOptions => ({ telegram: { limits: { globalPerSecond: RATE, chatPerSecond: 1, chatBurst: 3 } }, ...o });

async function start(o: BotOptions = {}): Promise<BotUnderTest> {
  const bot = await startBot(store, emulator, botOptions(o));
  bots.push(bot);
  return bot;
}

beforeAll(async () => {
  store = await openTestStore('postgres');
  emulator = await TelegramEmulator.start();
  emulator.enforceLimits({ globalPerSecond: RATE, globalBurst: 2 });
});

afterAll(async () => {
  await emulator?.close();
  await store?.close();
});

let cadre: TelegramPerson;
let villagers: Array<{ person: PersonRow; tg: TelegramPerson }>;
let breachesBefore = 0;
let callsBefore = 0;

beforeEach(async () => {
  await store.reset();
  tree = await newTree(store.db);
  cadre = new TelegramPerson(emulator, { userId: nextUser++, firstName: '周文华', languageCode: 'zh-hans' });
  await newPerson(store.db, { name: '周文华', role: 'cadre', at: tree.village, title: '水川村党支部书记', telegram: String(cadre.userId) });
  villagers = [];
  for (let i = 0; i < VILLAGERS; i++) {
    const tg = new TelegramPerson(emulator, { userId: nextUser++, firstName: `村民${i}`, languageCode: 'zh-hans' });
    villagers.push({ person: await newVillager(store.db, i % 2 ? tree.unit : tree.otherUnit, `村民${i}`, { telegram: String(tg.userId) }), tg });
  }
  // Not among the villagers the notice is for.
  await newOfficer(store.db, tree.unit, '李冬梅', { telegram: String(nextUser++) });
  breachesBefore = emulator.breaches.length;
  callsBefore = emulator.calls.length;
});

afterEach(async () => {
  while (bots.length) await bots.pop()!.stop();
});

/** The notice's copies the stand-in took in this test, by villager chat (the cadre's preview quotes it too). */
function copiesByChat(): Map<string, number> {
  const ours = new Set(villagers.map((v) => String(v.tg.userId)));
  const byChat = new Map<string, number>();
  for (const c of copyCalls()) if (ours.has(String(c.body.chat_id))) byChat.set(String(c.body.chat_id), (byChat.get(String(c.body.chat_id)) ?? 0) + 1);
  return byChat;
}

/** The messages carrying the notice the stand-in took in this test. */
const copyCalls = () => emulator.calls.slice(callsBefore).filter((c) => c.method === 'sendMessage' && c.status === 200 && String(c.body.text ?? '').includes(NOTICE) && String(c.body.chat_id) !== String(cadre.userId));

/** The cadre composes the notice in chat (no photo), to 水川村's villagers, now, and confirms; returns her progress message. */
function sendFromChat(): Promise<BotMessage> {
  return sendNoticeFromChat(cadre, { words: NOTICE, place: '水川村', count: VILLAGERS });
}

/** Counts the copies each process's send jobs sent (a job's outcome counts what it sent). */
function countSent(into: { sent: number }): BotOptions['wrap'] {
  return <N extends JobName>(name: N, handler: any) =>
    (async (data: any, meta: any) => {
      const out = await handler(data, meta);
      if (name === 'send' && data.lane === 'broadcast') into.sent += Number(out.sent ?? 0);
      return out;
    }) as never;
}

/** Every villager had the notice once, no more, and the stand-in refused nothing. */
function expectEachOnceWithinLimits(): void {
  const byChat = copiesByChat();
  expect(byChat.size).toBe(VILLAGERS);
  for (const v of villagers) expect(byChat.get(String(v.tg.userId)), `copies to ${v.person.name}`).toBe(1);
  expect(emulator.breaches.slice(breachesBefore), 'messages over Telegram’s limits').toEqual([]);
}

describe('a broadcast sent by more than one process, within Telegram’s limits', () => {
  it('two processes on one token send one notice together: no limit broken, each villager gets it once, the report counts them all', async () => {
    const prefix = uniquePrefix();
    const a = { sent: 0 };
    const b = { sent: 0 };
    const first = await start({ prefix, wrap: countSent(a) });
    // The second process of the deployment: the same queues and token, its own port (Telegram's webhook now points here).
    await start({ prefix, clock: first.clock, wrap: countSent(b) });

    await sendFromChat();
    const report = await cadre.waitForText('通知发完了', 120_000);
    expect(report.text).toContain(`共 ${VILLAGERS} 人，送到 ${VILLAGERS} 人`);
    expectEachOnceWithinLimits();
    // Both sent part of it (not one process doing it all while the other watched)…
    expect(a.sent, `sent by each: ${a.sent} and ${b.sent}`).toBeGreaterThan(0);
    expect(b.sent, `sent by each: ${a.sent} and ${b.sent}`).toBeGreaterThan(0);
    expect(a.sent + b.sent).toBe(VILLAGERS);
    // …and the overall limit is what held them back (else no breach would prove nothing): some second carried RATE messages.
    const at = copyCalls().map((c) => c.at);
    let peak = 0;
    for (let lo = 0, hi = 0; hi < at.length; hi++) {
      while (at[hi]! - at[lo]! >= 1000) lo++;
      peak = Math.max(peak, hi - lo + 1);
    }
    expect(peak).toBeGreaterThanOrEqual(RATE - 1);
  }, 180_000);

  it('the service stopped in the middle of a notice and started again resumes it: each villager gets it once, and the report is right', async () => {
    const prefix = uniquePrefix();
    const before = await start({ prefix });
    const progress = await sendFromChat();
    await waitFor(() => copiesByChat().size >= 8, 'part of the notice sent', 60_000);
    // Stopped (the workers finish the sends they hold), with part of it still to send.
    await before.stop();
    bots.splice(bots.indexOf(before), 1);
    const [row] = await store.db.select().from(broadcasts);
    const left = (await store.db.select().from(deliveries).where(eq(deliveries.broadcastId, row!.id))).filter((d) => d.status !== 'sent');
    expect(left.length, 'copies still to send when it stopped').toBeGreaterThan(0);
    expect(copiesByChat().size).toBe(VILLAGERS - left.length);

    // Started again: the same deployment (its queues, its port, its clock).
    await start({ prefix, port: before.port, clock: before.clock });
    const report = await cadre.waitForText('通知发完了', 120_000);
    expect(report.text).toContain(`共 ${VILLAGERS} 人，送到 ${VILLAGERS} 人，不愿接收 0 人，没送到 0 人`);
    expectEachOnceWithinLimits();
    // Her one progress message, edited in place to the end.
    await waitFor(
      () => cadre.messages().find((m) => m.messageId === progress.messageId)?.text.includes(`发送完毕：已送到 ${VILLAGERS} / ${VILLAGERS} 人`) ?? false,
      () => `the progress message finished (reads: ${cadre.messages().find((m) => m.messageId === progress.messageId)?.text})`,
      30_000,
    );
    const [done] = await store.db.select().from(broadcasts).where(eq(broadcasts.id, row!.id));
    expect(done).toMatchObject({ status: 'done' });
    expect(done!.counts).toMatchObject({ total: VILLAGERS, sent: VILLAGERS, failed: 0, stopped: 0 });
  }, 180_000);
});
