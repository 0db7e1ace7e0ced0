// A person's updates are handled in the order they sent them, even when two of theirs are picked
// up at once and the later one reaches their conversation first: a villager typing two lines in a
// row while describing gets a report that reads as they wrote it. The race is made certain here:
// the first line's job is held back until the second line's job has had its go.
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatUpdate } from '../../../src/ports/chat-update.js';
import type { StartWorkersOptions } from '../../../src/app/runtime.js';
import type { JobMeta, JobOutcome } from '../../../src/ports/jobs.js';
import { matters, messages } from '../../../src/store/schema.js';
import { newOfficer, newTree, newVillager } from '../../support/factories.js';
import { openTestStore, type TestStore } from '../../support/store.js';
import { startBot, type BotUnderTest } from '../../support/telegram/bot.js';
import { TelegramEmulator } from '../../support/telegram/emulator.js';
import { TelegramPerson } from '../../support/telegram/person.js';
import { waitFor } from '../../support/wait.js';

const FIRST = '村口的电线杆歪了，';
const SECOND = '随时可能倒下来。';

let store: TestStore;
let emulator: TelegramEmulator;
let bot: BotUnderTest;

/** Settles once the second line's job has run once, whatever came of it. */
let secondRan!: () => void;
const secondHasRun = new Promise<void>((r) => (secondRan = r));
/** What each run of the two lines' jobs came to, in order. */
const runs: string[] = [];

const textOf = (u: ChatUpdate) => (u.content.kind === 'text' ? u.content.text : null);

const wrap: StartWorkersOptions['wrap'] = (name, handler) => {
  if (name !== 'chat') return handler;
  const chat = handler as unknown as (u: ChatUpdate, meta: JobMeta) => Promise<JobOutcome>;
  return (async (update: ChatUpdate, meta: JobMeta) => {
    const text = textOf(update);
    // The first line waits until the second has had its go: the second reaches the conversation first.
    if (text === FIRST) await secondHasRun;
    try {
      const out = await chat(update, meta);
      if (text === FIRST || text === SECOND) runs.push(`${text === FIRST ? 'first' : 'second'}:${out.outcome}`);
      return out;
    } catch (err) {
      if (text === FIRST || text === SECOND) runs.push(`${text === FIRST ? 'first' : 'second'}:${(err as Error).name}`);
      throw err;
    } finally {
      if (text === SECOND) secondRan();
    }
  }) as unknown as typeof handler;
};

beforeAll(async () => {
  store = await openTestStore('postgres');
  emulator = await TelegramEmulator.start();
  bot = await startBot(store, emulator, { wrap });
});

afterAll(async () => {
  await bot?.stop();
  await emulator?.close();
  await store?.close();
});

describe("a person's updates", () => {
  it('are handled in the order sent: the later line waits for the earlier one, and the report reads as written', async () => {
    const tree = await newTree(store.db);
    const o = new TelegramPerson(emulator, { userId: 840_001, firstName: '李冬梅', languageCode: 'zh-hans' });
    await newOfficer(store.db, tree.unit, '李冬梅', { telegram: String(o.userId) });
    const v = new TelegramPerson(emulator, { userId: 840_002, firstName: '王秀英', languageCode: 'zh-hans' });
    const villager = await newVillager(store.db, tree.unit, '王秀英', { telegram: String(v.userId) });
    v.mark();

    await v.say('反映问题');
    await v.press('⚠️ 安全隐患');
    await v.press('没有，但要尽快处理');
    await v.waitForText('请说一说是什么事');
    // Two lines in a row, as a person types them.
    await v.say(FIRST);
    await v.say(SECOND);
    await waitFor(async () => (runs.filter((r) => r.endsWith(':handled')).length === 2 ? true : null), 'both lines handled');
    // The second line reached the conversation first, found the first still waiting and stood back.
    expect(runs[0]).toBe('second:TurnWaits');
    expect(runs.filter((r) => r.endsWith(':handled'))).toEqual(['first:handled', 'second:handled']);

    await v.press('✅ 说完了');
    await v.waitForText('事情发生在哪里');
    await v.say('跳过');
    const check = await v.waitForText('请您核对一下');
    expect(check.text.indexOf(FIRST)).toBeGreaterThanOrEqual(0);
    expect(check.text.indexOf(FIRST)).toBeLessThan(check.text.indexOf(SECOND));
    await v.press('📨 提交');
    await v.waitForText('已受理，受理编号');

    const [matter] = await waitFor(async () => {
      const l = await store.db.select().from(matters).where(eq(matters.reporterId, villager.id));
      return l.length ? l : null;
    }, 'the matter');
    const [words] = await store.db.select().from(messages).where(and(eq(messages.matterId, matter!.id), eq(messages.direction, 'in')));
    expect(words!.text!.indexOf(FIRST)).toBeLessThan(words!.text!.indexOf(SECOND));
  });
});
