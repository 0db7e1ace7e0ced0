// Helpers for the conversation tests: what a person was sent at any time (notifications arrive in
// no fixed order), answering a message with Telegram's reply-to, the id a message gets.
import { eq } from 'drizzle-orm';
import { intake } from '../../src/services/intake-service.js';
import { matters } from '../../src/store/schema.js';
import type { BotUnderTest } from './telegram/bot.js';
import type { TestStore } from './store.js';
import type { BotMessage, TelegramEmulator } from './telegram/emulator.js';
import type { TelegramPerson } from './telegram/person.js';
import { waitFor } from './wait.js';

const test = (pattern: string | RegExp, text: string) => (typeof pattern === 'string' ? text.includes(pattern) : pattern.test(text));

/** The newest bot message to the person matching `pattern`, whenever it came. */
export async function saw(p: TelegramPerson, pattern: string | RegExp, timeoutMs = 15_000): Promise<BotMessage> {
  return waitFor(
    () => [...p.messages()].reverse().find((m) => test(pattern, m.text)) ?? null,
    `a message to ${p.userId} matching ${pattern} (saw: ${p.messages().map((m) => m.text.slice(0, 60)).join(' | ')})`,
    timeoutMs,
  );
}

/** How many bot messages to the person match. */
export const count = (p: TelegramPerson, pattern: string | RegExp): number => p.messages().filter((m) => test(pattern, m.text)).length;

/** The message id the emulator gives the person's next message. */
export const nextUserMessageId = (emulator: TelegramEmulator): number => (emulator.server as unknown as { messageId: number }).messageId;

/** A text answering one of the bot's messages (Telegram's reply-to). */
export async function replyTo(emulator: TelegramEmulator, p: TelegramPerson, messageId: number, text: string): Promise<number> {
  return emulator.deliverRaw({
    message: {
      message_id: emulator.nextMessageId(),
      date: Math.floor(Date.now() / 1000),
      chat: p.chat(),
      from: p.from(),
      text,
      reply_to_message: { message_id: messageId, date: Math.floor(Date.now() / 1000), chat: p.chat(), text: '' },
    },
  });
}

export const refIn = (text: string): string => {
  const m = /(\d{4}-\d{4})/.exec(text);
  if (!m) throw new Error(`no reference in: ${text}`);
  return m[1]!;
};

export async function matterByRef(store: TestStore, ref: string) {
  const [row] = await store.db.select().from(matters).where(eq(matters.ref, ref));
  return row;
}

export async function waitForMatter(store: TestStore, ref: string, check: (m: typeof matters.$inferSelect) => boolean, what: string) {
  return waitFor(async () => {
    const m = await matterByRef(store, ref);
    return m && check(m) ? m : null;
  }, what);
}

/** A villager joins a unit grid by its poster code in simplified Chinese, keeps the name Telegram gave, and skips the phone. */
export async function registerVillager(v: TelegramPerson, joinCode: string, name: string): Promise<void> {
  await v.command(`/start ${joinCode}`);
  await v.press('简体中文');
  await v.press('对，就是这里');
  await v.press(`就叫我“${name}”`);
  await v.waitForText('留个手机号');
  await v.say('跳过');
  await v.waitForText('登记好了');
}

/** Starts a report from the main menu: its category, then its words (the flow then waits for more or 说完了). */
export async function beginReport(v: TelegramPerson, category: string, words: string): Promise<void> {
  await v.say('反映问题');
  await v.press(category);
  await v.waitForText('请说一说是什么事');
  await v.say(words);
  await v.waitForText('收到了（文字 1 段）');
}

let reportSeq = 0;

/** A report straight through intake, as if the villager had sent it; waits until the running bot routed it. */
export async function reportedThroughIntake(bot: BotUnderTest, store: TestStore, villagerTg: string, text: string, category: 'dispute' | 'help' | 'hazard' = 'help') {
  const r = await intake(bot.runtime.ctx, { eventId: `test:${++reportSeq}:${Date.now()}`, platform: 'telegram', externalUserId: villagerTg, kind: 'report', category, text, receivedAt: bot.clock.now().toISOString() });
  if (r.status !== 'created') throw new Error(r.status);
  bot.runtime.ctx.outboxWritten();
  return waitForMatter(store, r.matter.ref, (m) => m.step === 'dispatch', 'routing');
}

/**
 * A cadre sends a notice from chat the plain way: the words, no photo, `place` (checked to be the
 * first place offered when `firstPlace`), its villagers, no button, now; the preview must count
 * `count` people. Returns the progress message ("📢 通知开始发送…").
 */
export async function sendNoticeFromChat(cadre: TelegramPerson, o: { words: string; place: string; count: number; firstPlace?: boolean }): Promise<BotMessage> {
  const wait = 30_000;
  cadre.mark();
  await cadre.command('/broadcast');
  await cadre.waitForText('请把要发的通知写下来', 2 * wait);
  await cadre.say(o.words);
  await cadre.waitForText('要不要配一张图片', wait);
  await cadre.press('跳过', wait);
  const where = await cadre.waitForText('发给哪里的人', wait);
  if (o.firstPlace && where.buttons.flat()[0]?.label !== o.place) throw new Error(`the first place offered is ${where.buttons.flat()[0]?.label}, not ${o.place}`);
  await cadre.press(o.place, wait);
  await cadre.waitForText('发给哪些人', wait);
  await cadre.press('村民', wait);
  await cadre.waitForText('要不要加个按钮', wait);
  await cadre.press('不加按钮', wait);
  await cadre.waitForText('什么时候发', wait);
  await cadre.press('⚡ 现在就发', wait);
  const preview = await cadre.waitForText('请再看一遍', wait);
  if (!preview.text.includes(`共 ${o.count} 人`)) throw new Error(`the preview does not count ${o.count} people: ${preview.text}`);
  await cadre.press('✅ 确认发送', wait);
  return cadre.waitForText(`📢 通知开始发送，共 ${o.count} 人`, wait);
}
