// The hostile-strings table through Telegram, as villagers would send it: in webhook and polling
// mode, with the queues on Redis and on BullMQ's PostgreSQL backend. Each string gives a polite
// answer or a clean matter; never the apology, never a non-200 to Telegram, never words in the logs.
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { matters, messages } from '../../../src/store/schema.js';
import { newOfficer, newTree, newVillager } from '../../support/factories.js';
import { badLogLines, HOSTILE_STRINGS, type HostileString } from '../../support/hostile-strings.js';
import { captureLogs, type CapturedLogs } from '../../support/log-capture.js';
import { QUEUE_KINDS, type QueueKind } from '../../support/runtime.js';
import { openTestStore, type TestStore } from '../../support/store.js';

import { startBot, type BotUnderTest } from '../../support/telegram/bot.js';
import { TelegramEmulator } from '../../support/telegram/emulator.js';
import { TelegramPerson } from '../../support/telegram/person.js';
import { waitFor } from '../../support/wait.js';

const APOLOGY = '抱歉，刚才出了点问题';
/** Eleven villagers at once on two shared cores (a polling bot on the emulator spins): generous waits. */
const WAIT = 45_000;
const BLANK = '没有能看到的文字';

let store: TestStore;
let nextUser = 930_000;

beforeAll(async () => {
  store = await openTestStore('postgres');
});
afterAll(async () => {
  await store?.close();
});

const ALL_MODES: Array<{ mode: 'webhook' | 'polling'; queue: QueueKind }> = [
  { mode: 'webhook', queue: 'redis' },
  { mode: 'webhook', queue: 'postgres' },
  { mode: 'polling', queue: 'redis' },
  { mode: 'polling', queue: 'postgres' },
];
// GRIDLINE_TEST_QUEUES=redis (as elsewhere) keeps to one backend.
const MODES = ALL_MODES.filter((m) => QUEUE_KINDS.includes(m.queue));

describe.each(MODES)('hostile text through Telegram ($mode, queues on $queue)', ({ mode, queue }) => {
  let emulator: TelegramEmulator;
  let bot: BotUnderTest;
  let logs: CapturedLogs;

  beforeAll(async () => {
    await store.reset();
    emulator = await TelegramEmulator.start();
    // Each emulator counts update ids from 1; Telegram never reuses one, and queue job ids on the
    // shared PostgreSQL backend are made from them: every mode starts from its own range.
    (emulator.server as unknown as { updateId: number }).updateId = 1_000_000 * (ALL_MODES.findIndex((m) => m.mode === mode && m.queue === queue) + 1);
    logs = captureLogs();
    bot = await startBot(store, emulator, { queue, logger: logs.logger, ...(mode === 'polling' ? { telegram: { webhookUrl: undefined } } : {}) });
  });
  afterAll(async () => {
    await bot?.stop();
    await emulator?.close();
  });

  /** A registered villager files a report whose words are `c.raw`; returns what came of it. */
  async function send(c: HostileString, tree: Awaited<ReturnType<typeof newTree>>): Promise<void> {
    const userId = nextUser++;
    const row = await newVillager(store.db, tree.unit, '王秀英', { telegram: String(userId) });
    const v = new TelegramPerson(emulator, { userId, firstName: '秀英', languageCode: 'zh-hans' }).mark();
    await v.say('反映问题');
    await v.press('⚠️ 安全隐患', WAIT);
    await v.waitForText('现在有没有人身危险', WAIT);
    await v.press('没有，但要尽快处理', WAIT);
    await v.waitForText('请说一说是什么事', WAIT);
    await v.say(c.raw);
    const o = c.outcome;
    if (o.kind === 'blank') {
      await v.waitForText(BLANK, WAIT);
      // The step is asked again: the villager can go on.
      await v.waitForText('请说一说是什么事', WAIT);
    } else if (o.kind === 'too_long') {
      await v.waitForText('请控制在 4000 个字以内', WAIT);
    } else {
      await v.waitForText('收到了', WAIT);
      await v.press('✅ 说完了', WAIT);
      await v.waitForText('事情发生在哪里', WAIT);
      await v.say('跳过');
      await v.waitForText('请您核对一下', WAIT);
      await v.press('📨 提交', WAIT);
      await v.waitForText('受理编号', WAIT);
      const [m] = await waitFor(async () => {
        const l = await store.db.select().from(matters).where(eq(matters.reporterId, row.id));
        return l.length ? l : null;
      }, `the matter of "${c.name}"`, WAIT);
      expect(m!.summary, c.name).toBe(o.text);
      const words = await store.db.select().from(messages).where(and(eq(messages.matterId, m!.id), eq(messages.direction, 'in')));
      expect(words.map((w) => w.text), c.name).toEqual([o.text]);
    }
    if (o.kind !== 'matter') expect(await store.db.select().from(matters).where(eq(matters.reporterId, row.id)), c.name).toHaveLength(0);
    expect(v.messages().filter((m) => m.text.includes(APOLOGY)), c.name).toEqual([]);
  }

  it('gives each string a clean matter or a polite answer', { timeout: 180_000 }, async () => {
    const tree = await newTree(store.db);
    await newOfficer(store.db, tree.unit, '李冬梅', { telegram: String(nextUser++) });
    await Promise.all(HOSTILE_STRINGS.map((c) => send(c, tree)));

    // Outside any flow: nothing visible, and far too long, are answered too.
    const idle = new TelegramPerson(emulator, { userId: nextUser, firstName: '秀英', languageCode: 'zh-hans' }).mark();
    await newVillager(store.db, tree.unit, '王秀英', { telegram: String(nextUser++) });
    await idle.say('\u200B\u200D');
    await idle.waitForText(BLANK, WAIT);
    await idle.say(`${'村'.repeat(34_000)} probe-long`);
    await idle.waitForText('请控制在 4000 个字以内', WAIT);

    // A stranger whose name is made of control and bidi characters is greeted like anyone.
    const stranger = new TelegramPerson(emulator, { userId: nextUser++, firstName: '\u202E王\u0000秀英\uD800', languageCode: 'zh-hans' }).mark();
    await stranger.command('/start');
    await stranger.waitForText('欢迎来到网格服务', WAIT);

    if (mode === 'webhook') {
      expect(emulator.webhookDeliveries.length).toBeGreaterThan(HOSTILE_STRINGS.length * 4);
      expect(emulator.webhookDeliveries.filter((d) => d.status !== 200)).toEqual([]);
    }
    // Nothing failed on the way and no one's words were logged.
    expect(logs.lines.length).toBeGreaterThan(0);
    expect(badLogLines(logs.lines).map((l) => l.slice(0, 400))).toEqual([]);
  });
});
