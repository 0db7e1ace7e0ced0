// The front door under stress: duplicates, forged and malformed requests, Telegram saying 429 or
// 403, things the bot does not understand, files too big, texts too long, groups.
import { sendJobs } from '../../../src/services/send-jobs.js';
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDeliveries, findDelivery } from '../../../src/store/repositories/delivery-repository.js';
import { enqueue } from '../../../src/store/repositories/outbox-repository.js';
import { deliveries, identities, processedEvents } from '../../../src/store/schema.js';
import { newTree, newVillager } from '../../support/factories.js';
import { openTestStore, type TestStore } from '../../support/store.js';
import { startBot, WEBHOOK_SECRET, type BotUnderTest } from '../../support/telegram/bot.js';
import { fault403, fault429, SECRET_HEADER, TelegramEmulator } from '../../support/telegram/emulator.js';
import { TelegramPerson } from '../../support/telegram/person.js';
import { recordJobRuns, runsOfHeldJob } from '../../support/job-runs.js';
import { waitFor } from '../../support/wait.js';

let store: TestStore;
let emulator: TelegramEmulator;
let bot: BotUnderTest;
let nextUser = 710_000;
let nextUpdate = 9_000_000;
// What the send jobs decided (done, or handed back with Telegram's retry_after).
const sends = recordJobRuns(['send']);
const person = (opts: { firstName?: string; languageCode?: string; group?: { id: number; title: string } } = {}) =>
  new TelegramPerson(emulator, { userId: nextUser++, firstName: opts.firstName ?? '王秀英', languageCode: opts.languageCode ?? 'zh-hans', group: opts.group });

async function post(body: string, headers: Record<string, string> = { [SECRET_HEADER]: WEBHOOK_SECRET }): Promise<Response> {
  return fetch(bot.webhookUrl, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
}

function startUpdate(updateId: number, p: TelegramPerson, text = '/start') {
  return {
    update_id: updateId,
    message: {
      message_id: updateId,
      date: Math.floor(bot.clock.now().getTime() / 1000),
      chat: p.chat(),
      from: p.from(),
      text,
      ...(text.startsWith('/') ? { entities: [{ type: 'bot_command', offset: 0, length: text.split(' ')[0]!.length }] } : {}),
    },
  };
}

/** A villager already registered, with a Telegram identity, and a notification for them. */
async function notifyVillager(p: TelegramPerson, text = 'dispute') {
  const tree = await newTree(store.db);
  const villager = await newVillager(store.db, tree.unit, '王秀英', { telegram: String(p.userId) });
  const id = randomUUID();
  await createDeliveries(store.db, [{ id, personId: villager.id, matterId: null, template: 'receipt', params: { ref: '0000-0018', category: text } }]);
  await enqueue(store.db, sendJobs([{ personId: villager.id }]));
  bot.runtime.ctx.outboxWritten();
  return { deliveryId: id, villager };
}

beforeAll(async () => {
  store = await openTestStore('postgres');
  emulator = await TelegramEmulator.start();
  bot = await startBot(store, emulator, { wrap: sends.wrap });
});

afterAll(async () => {
  await bot?.stop();
  await emulator?.close();
  await store?.close();
});

describe('the webhook', () => {
  it('refuses a request without the secret, or with a wrong one, with 401', async () => {
    const body = JSON.stringify(startUpdate(nextUpdate++, person()));
    expect((await post(body, {})).status).toBe(401);
    expect((await post(body, { [SECRET_HEADER]: 'not-the-secret' })).status).toBe(401);
    expect((await post(body, { [SECRET_HEADER]: `${WEBHOOK_SECRET}x` })).status).toBe(401);
  });

  it('answers a malformed body with 400 and keeps working', async () => {
    expect((await post('{"update_id": 1, "message": ')).status).toBe(400);
    expect((await post('[]')).status).toBe(400);
    expect((await post('{}')).status).toBe(400);
    expect((await post('{"update_id": "12"}')).status).toBe(400);
    expect((await post('null')).status).toBe(400);
    // A well-formed update of a kind nobody expects, and one with a broken message, are taken and ignored.
    expect((await post(JSON.stringify({ update_id: nextUpdate++, poll_answer: { poll_id: '1' } }))).status).toBe(200);
    expect((await post(JSON.stringify({ update_id: nextUpdate++, message: { text: 5 } }))).status).toBe(200);
    const v = person().mark();
    await v.command('/start');
    await v.waitForText('欢迎来到网格服务');
  });

  it('handles the same update once, whether it comes twice at once or again later', async () => {
    const v = person().mark();
    const id = nextUpdate++;
    const body = JSON.stringify(startUpdate(id, v));
    const statuses = await Promise.all([post(body), post(body), post(body)]);
    expect(statuses.map((r) => r.status)).toEqual([200, 200, 200]);
    await v.waitForText('欢迎来到网格服务');
    expect((await post(body)).status).toBe(200);
    await bot.idle();
    expect(v.messages().filter((m) => m.text.includes('欢迎来到网格服务'))).toHaveLength(1);
    const rows = await store.db.select().from(processedEvents).where(eq(processedEvents.id, `telegram:update:${id}`));
    expect(rows).toHaveLength(1);
    expect(await store.db.select().from(deliveries).where(eq(deliveries.eventId, `telegram:update:${id}`))).toHaveLength(1);
  });
});

describe('Telegram refusing', () => {
  it('a 429 on a conversation reply: waits retry_after, then sends it once', async () => {
    const v = person().mark();
    emulator.failNext({ method: 'sendMessage', chatId: String(v.chatId), ...fault429(1) });
    await v.command('/start');
    await v.waitForText('欢迎来到网格服务');
    const calls = emulator.callsOf('sendMessage', v.chatId);
    expect(calls.map((c) => c.status)).toEqual([429, 200]);
    await bot.idle();
    // The job handed Telegram's retry_after (1 s) back to the queue and ran again as the same attempt.
    expect(runsOfHeldJob(sends.runs, 'send')).toEqual([
      [1, 'retry_after:1000'],
      [1, 'done'],
    ]);
    expect(v.messages()).toHaveLength(1);
  });

  it('a 429 on a notification: the send job waits retry_after, then sends it once', async () => {
    const v = person().mark();
    emulator.failNext({ method: 'sendMessage', chatId: String(v.chatId), ...fault429(1) });
    const { deliveryId } = await notifyVillager(v);
    await v.waitForText('0000-0018');
    const calls = emulator.callsOf('sendMessage', v.chatId);
    expect(calls.map((c) => c.status)).toEqual([429, 200]);
    await waitFor(async () => (await findDelivery(store.db, deliveryId))?.status === 'sent', 'the delivery marked sent');
    await bot.idle();
    expect(runsOfHeldJob(sends.runs, 'send')).toEqual([
      [1, 'retry_after:1000'],
      [1, 'done'],
    ]);
    expect(v.messages()).toHaveLength(1);
  });

  it('a 403 (the person blocked the bot) marks the identity unreachable, without retrying', async () => {
    const v = person();
    emulator.failNext({ method: 'sendMessage', chatId: String(v.chatId), ...fault403() });
    const { deliveryId, villager } = await notifyVillager(v);
    await waitFor(async () => (await findDelivery(store.db, deliveryId))?.status === 'unreachable', 'the delivery marked unreachable');
    const [identity] = await store.db.select().from(identities).where(eq(identities.personId, villager.id));
    expect(identity!.unreachableAt).toBeInstanceOf(Date);
    expect(emulator.callsOf('sendMessage', v.chatId)).toHaveLength(1);

    // Writing to the bot again (or unblocking it) makes them reachable again.
    expect((await post(JSON.stringify({ update_id: nextUpdate++, my_chat_member: { chat: v.chat(), from: v.from(), date: 0, old_chat_member: { status: 'kicked', user: v.from() }, new_chat_member: { status: 'member', user: v.from() } } }))).status).toBe(200);
    await waitFor(async () => (await store.db.select().from(identities).where(eq(identities.personId, villager.id)))[0]!.unreachableAt === null, 'reachable again');
    expect((await post(JSON.stringify({ update_id: nextUpdate++, my_chat_member: { chat: v.chat(), from: v.from(), date: 0, old_chat_member: { status: 'member', user: v.from() }, new_chat_member: { status: 'kicked', user: v.from() } } }))).status).toBe(200);
    await waitFor(async () => (await store.db.select().from(identities).where(eq(identities.personId, villager.id)))[0]!.unreachableAt !== null, 'blocked again');
  });
});

describe('what the bot does not expect', () => {
  it('answers a sticker kindly in a private chat', async () => {
    const v = person().mark();
    await v.sendSticker();
    const [reply] = await v.next();
    expect(reply!.text).toBe('这个我还看不懂 🙂 请用文字、语音或照片告诉我，或者点下面的菜单。');
  });

  it('refuses a file over 20 MB with a clear message', async () => {
    const v = person().mark();
    await v.sendDocument(25 * 1024 * 1024);
    const [reply] = await v.next();
    expect(reply!.text).toContain('我只能收 20MB 以内的文件');
  });

  it('refuses a stale or forged button, and takes edits and voice outside a flow quietly or kindly', async () => {
    const v = person().mark();
    await v.command('/start');
    const [welcome] = await v.next();
    await v.pressData('f:zzzzz:en', welcome);
    await waitFor(() => emulator.callsOf('answerCallbackQuery').some((c) => String(c.body.text ?? '').includes('按钮已经过期')), 'a stale-button notice');
    await v.pressData('zz:take:0000-0018', welcome);
    await v.pressData('f:' + welcome!.buttons[0]![0]!.data.split(':')[1] + ':fr', welcome);
    // Each press is a turn of its own, one after another: waited for, not slept on.
    await waitFor(() => emulator.callsOf('answerCallbackQuery').filter((c) => String(c.body.text ?? '').includes('按钮已经过期')).length >= 3, 'three stale-button notices');
    // Nothing advanced: the language is still to be chosen, and pressing the real button works.
    await v.press('English');
    await v.waitForText('Choose your villagers');
    v.mark();
    await v.edit(123, 'edited text');
    await v.sendVoice();
    const [hint] = await v.next();
    expect(hint!.text).toBe("That isn't what this step needs; please follow the prompt.");
  });

  it('in a group answers commands and buttons only', async () => {
    const cadre = person({ group: { id: -100_123_456, title: '水川村网格工作群' } }).mark();
    await cadre.say('大家好');
    await cadre.sendSticker();
    await cadre.command('/start');
    const [reply] = await cadre.next();
    expect(reply!.text).toContain('这里是网格工作群');
    await bot.idle();
    expect(cadre.messages()).toHaveLength(1);
  });
});

describe('texts over Telegram’s limit', () => {
  it('are split where a reader pauses, with the buttons on the last part', async () => {
    const v = person().mark();
    const paragraph = (i: number) => `第${i}段：${'村里的路灯坏了好几盏，晚上出门不方便。'.repeat(12)}`;
    const text = Array.from({ length: 40 }, (_, i) => paragraph(i + 1)).join('\n\n');
    expect(text.length).toBeGreaterThan(8192);
    await bot.runtime.adapter('telegram')!.channel.deliver(
      { userId: String(v.userId), chatId: String(v.chatId), locale: 'zh-CN' },
      { kind: 'message', text, buttons: [[{ label: '受理', data: 'm:take:0000-0018' }]], about: { template: 'receipt' } },
    );
    const parts = await v.next(3);
    expect(parts.every((p) => p.text.length <= 4096)).toBe(true);
    expect(parts.map((p) => p.text).join('\n\n')).toBe(text);
    expect(parts.slice(0, -1).every((p) => p.buttons.length === 0)).toBe(true);
    expect(parts[parts.length - 1]!.buttons.flat().map((b) => b.label)).toEqual(['受理']);
    for (const p of parts.slice(1)) expect(p.text).toMatch(/^第\d+段/);
  });
});
