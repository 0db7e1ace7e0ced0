// The poison-update policy from the villager's side: an update that cannot be handled is
// acknowledged to Telegram (200, never a redelivery loop), answered politely once in the person's
// language, kept in the inbox as failed with a summary that holds none of their words, and listed
// for operators.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runOp } from '../../../src/app/ops.js';
import { createFlowEngine, defaultModules } from '../../../src/flows/index.js';
import { linkModule } from '../../../src/flows/link-module.js';
import { admitInbound, chatInboxItem, giveUpInbound } from '../../../src/services/inbox-service.js';
import type { ChatUpdate } from '../../../src/ports/chat-update.js';
import { deliveries, inbox } from '../../../src/store/schema.js';
import { newTree, newVillager } from '../../support/factories.js';
import { openTestStore, type TestStore } from '../../support/store.js';
import { startBot, WEBHOOK_SECRET, type BotUnderTest } from '../../support/telegram/bot.js';
import { SECRET_HEADER, TelegramEmulator } from '../../support/telegram/emulator.js';
import { TelegramPerson } from '../../support/telegram/person.js';
import { waitFor } from '../../support/wait.js';

let store: TestStore;
let emulator: TelegramEmulator;
let bot: BotUnderTest;
let tree: Awaited<ReturnType<typeof newTree>>;

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

const post = (body: unknown) =>
  fetch(bot.webhookUrl, { method: 'POST', headers: { 'content-type': 'application/json', [SECRET_HEADER]: WEBHOOK_SECRET }, body: JSON.stringify(body) });

const textUpdate = (updateId: number, userId: number, text: string) => ({
  update_id: updateId,
  message: { message_id: updateId, date: Math.floor(Date.now() / 1000), chat: { id: userId, type: 'private' }, from: { id: userId, is_bot: false, first_name: '王', language_code: 'zh-hans' }, text },
});

describe('an update the database cannot store as given', () => {
  it('is kept as failed without its words, answered once in the person’s language, and never refused again', async () => {
    const userId = 880_001;
    const update: ChatUpdate = {
      eventId: 'telegram:update:9100',
      platform: 'telegram',
      updateId: '9100',
      at: new Date().toISOString(),
      userId: String(userId),
      chatId: String(userId),
      chatType: 'private',
      languageCode: 'en',
      // A NUL byte: Postgres refuses it in jsonb (the adapters strip it; this is the net below them).
      content: { kind: 'text', text: 'the well\u0000 is dry' },
    };
    const id = 'telegram:1:update:9100';
    const first = await admitInbound(bot.runtime.ctx, [chatInboxItem(update, id)]);
    expect(first).toEqual({ fresh: [], unreadable: [id] });
    const again = await admitInbound(bot.runtime.ctx, [chatInboxItem(update, id)]);
    expect(again).toEqual({ fresh: [], unreadable: [] });

    const [row] = await store.db.select().from(inbox).where(eq(inbox.id, id));
    expect(row!.status).toBe('failed');
    expect(row!.payload).toBeNull();
    expect(row!.summary).toMatchObject({ kind: 'text', attempts: 1 });
    expect(row!.summary!.error).toMatch(/22P05|22021/);
    expect(JSON.stringify(row)).not.toContain('well');

    // The person hears once, in English, that it could not be read.
    const p = new TelegramPerson(emulator, { userId });
    const told = await p.waitForText('could not handle that message');
    expect(told.text).toContain('call your grid officer');
    const outputs = await store.db.select().from(deliveries).where(eq(deliveries.eventId, update.eventId));
    expect(outputs).toHaveLength(1);

    // Operators see it, redacted.
    const report = (await runOp(bot.runtime.ctx, 'inbox', {})) as { counts: Record<string, number>; failed: Array<{ id: string; summary: unknown }> };
    expect(report.counts.failed).toBe(1);
    expect(report.failed.map((f) => f.id)).toEqual([id]);
  });

  it('through the webhook: Telegram gets 200 for it, and 200 again for its redelivery', async () => {
    const userId = 880_002;
    await newVillager(store.db, tree.unit, '罗秀英', { telegram: String(userId) });
    const hostile = textUpdate(9200, userId, 'a\u0000b\uD800c');
    expect((await post(hostile)).status).toBe(200);
    expect((await post(hostile)).status).toBe(200);
    const p = new TelegramPerson(emulator, { userId });
    await waitFor(() => emulator.botMessages(p.chatId).length > 0, 'an answer to the person');
    // One inbox row for the update, whatever became of it, and no failure left pending.
    const rows = await store.db.select().from(inbox).where(eq(inbox.platform, 'telegram'));
    expect(rows.filter((r) => r.id.endsWith(':update:9200'))).toHaveLength(1);
    await waitFor(async () => (await store.db.select().from(inbox).where(eq(inbox.status, 'pending'))).length === 0, 'the update handled');
  });
});

describe('an update that fails the same way again and again', () => {
  it('is given up once: recorded with its kind and error name, the person answered once', async () => {
    const userId = 880_003;
    const update: ChatUpdate = {
      eventId: 'slack:chat:poison-1',
      platform: 'telegram',
      updateId: '9300',
      at: new Date().toISOString(),
      userId: String(userId),
      chatId: String(userId),
      chatType: 'private',
      languageCode: 'zh-hans',
      content: { kind: 'photo', attachment: { kind: 'photo', fileId: 'f1' } as never },
    };
    const id = 'telegram:1:update:9300';
    // Admitted, but its job never ran (held here): then it fails three times the same way.
    await store.db.insert(inbox).values({ id, platform: 'telegram', queue: 'chat', payload: { ...update, inboxId: id } as never });
    const err = Object.assign(new Error('boom: the photo said 村口有人吵架'), { name: 'FlowBrokenError' });
    expect(await giveUpInbound(bot.runtime.ctx, id, err, { kind: 'photo', attempts: 3, answer: update })).toBe(true);
    expect(await giveUpInbound(bot.runtime.ctx, id, err, { kind: 'photo', attempts: 4, answer: update })).toBe(false);
    const [row] = await store.db.select().from(inbox).where(eq(inbox.id, id));
    expect(row!.status).toBe('failed');
    expect(row!.summary).toEqual({ kind: 'photo', error: 'FlowBrokenError', attempts: 3 });
    const p = new TelegramPerson(emulator, { userId });
    await p.waitForText('这条消息我们没能处理');
    expect(await store.db.select().from(deliveries).where(eq(deliveries.eventId, update.eventId))).toHaveLength(1);
  });
});

describe('a turn that fails the same way again and again', () => {
  let broken: BotUnderTest;
  let brokenEmulator: TelegramEmulator;
  // A deployment of its own: on the file's store, the other bot's outbox relay and reconciler
  // (another process of the same deployment, as far as the store can tell) could take the update
  // and answer it with the flows that work, through the other emulator.
  let brokenStore: TestStore;
  let brokenTree: Awaited<ReturnType<typeof newTree>>;
  beforeAll(async () => {
    brokenStore = await openTestStore('postgres');
    brokenTree = await newTree(brokenStore.db);
    brokenEmulator = await TelegramEmulator.start();
    // The flows, broken on purpose for one message: every attempt at it throws the same error.
    const engine = createFlowEngine([...defaultModules(), linkModule]);
    const turn = engine.turn.bind(engine);
    engine.turn = async (input) => {
      if (input.update.content.kind === 'text' && input.update.content.text === '这句话会让流程出错') throw Object.assign(new Error('flow broke on 这句话'), { name: 'FlowBrokenError' });
      return turn(input);
    };
    broken = await startBot(brokenStore, brokenEmulator, { chat: { engine } });
  });
  afterAll(async () => {
    await broken?.stop();
    await brokenEmulator?.close();
    await brokenStore?.close();
  });

  it('is given up on the third attempt: the villager is answered once, the inbox keeps kind and error name', async () => {
    const v = new TelegramPerson(brokenEmulator, { userId: 880_010, firstName: '王秀英', languageCode: 'zh-hans' });
    await newVillager(brokenStore.db, brokenTree.unit, '王秀英', { telegram: String(v.userId) });
    v.mark();
    await v.say('这句话会让流程出错');
    await v.waitForText('抱歉，刚才出了点问题', 30_000);
    const rows = await waitFor(async () => {
      const r = await brokenStore.db.select().from(inbox).where(eq(inbox.status, 'failed'));
      return r.length ? r : null;
    }, 'the inbox row given up');
    expect(rows).toHaveLength(1);
    expect(rows[0]!.summary).toEqual({ kind: 'text', error: 'FlowBrokenError', attempts: 3 });
    // None of the villager's words are kept with it.
    expect(rows[0]!.payload).toBeNull();
    expect(JSON.stringify(rows[0])).not.toContain('这句话');
    // The person can go on: the next message is handled as usual.
    await v.say('反映问题');
    await v.press('📢 投诉意见');
    expect(brokenEmulator.botMessages(v.chatId).filter((m) => m.text.includes('抱歉，刚才出了点问题'))).toHaveLength(1);
  }, 60_000);
});
