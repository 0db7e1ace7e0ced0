// The sending window, on Postgres and Redis: a channel that may write to a villager only 2 times
// within 48 hours of their last message. What goes past it is held (never sent: the channel plays
// the platform and counts for itself), and when the villager writes, it reaches them as one
// message, once, after the answer to what they wrote.
import { eq } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createAppServer } from '../../../src/app/http.js';
import { SESSION_COOKIE } from '../../../src/desk/session.js';
import { issueDeskLink } from '../../../src/services/desk-sign-in.js';
import { intake } from '../../../src/services/intake-service.js';
import { performAction } from '../../../src/services/matter-actions.js';
import { noteSeen } from '../../../src/services/reach-service.js';
import { MERGED_TEMPLATE, releaseHeld } from '../../../src/services/send-window.js';
import { createChatOutputs } from '../../../src/store/repositories/delivery-repository.js';
import { enqueue } from '../../../src/store/repositories/outbox-repository.js';
import { outboxJob } from '../../../src/ports/jobs.js';
import { deliveries } from '../../../src/store/schema.js';
import type { InboundEvent } from '../../../src/ports/inbound-event.js';
import { daytimeClock, type TestClock } from '../../support/clock.js';
import { newOfficer, newPerson, newTree, newVillager, type Tree } from '../../support/factories.js';
import { reportedMatter } from '../../support/matter-factories.js';
import { waitIdle } from '../../support/idle.js';
import { openTestRuntime, testLogger, type TestRuntime } from '../../support/runtime.js';
import { openTestStore, type TestStore } from '../../support/store.js';
import { waitFor } from '../../support/wait.js';
import { WindowedChannel } from '../../support/windowed-channel.js';

const HOUR = 3_600_000;
const WINDOW = { messages: 2, withinMs: 48 * HOUR };
const VILLAGER = '1001';

describe('the sending window (Postgres, Redis)', () => {
  let store: TestStore;
  let runtime: TestRuntime;
  let clock: TestClock;
  let channel: WindowedChannel;
  let tree: Tree;

  beforeAll(async () => {
    store = await openTestStore('postgres');
  });
  afterAll(async () => {
    await store?.close();
  });
  beforeEach(async () => {
    await store.reset();
    clock = daytimeClock();
    channel = new WindowedChannel(WINDOW, new Set([VILLAGER]), clock.now);
    runtime = await openTestRuntime(store, 'redis', { channels: new Map([['telegram', channel]]), clock });
    runtime.startWorkers({ concurrency: 3 });
    tree = await newTree(store.db);
  });
  afterEach(async () => {
    await runtime?.close();
  });

  /** What waits or went in the person's queue (notifications, and the answers in their chat), by template. */
  const rowsOf = async (personId: string) => store.db.select().from(deliveries).where(eq(deliveries.recipient, `person:${personId}`));
  const statusesOf = async (personId: string, template: string) => (await rowsOf(personId)).filter((r) => r.template === template).map((r) => r.status).sort();

  let update = 0;
  /** The villager writes in their private chat, through admission and the chat queue. */
  const villagerWrites = async (text: string) => {
    update += 1;
    channel.wrote(VILLAGER, clock.now());
    await runtime.submitChat({ eventId: `telegram:update:${update}`, platform: 'telegram', updateId: String(update), at: clock.now().toISOString(), userId: VILLAGER, chatId: VILLAGER, chatType: 'private', content: { kind: 'text', text } });
  };

  /** The overview a cadre reads on the web desk: signed in from a desk link, as from chat. */
  async function deskOverview(personId: string, nodeCode: string): Promise<string> {
    const http = createAppServer({ runtime, logger: testLogger, adminToken: 'test-admin-token', desk: { baseUrl: 'http://127.0.0.1', cookieSecret: 'test-desk-cookie-secret-0123456789abcdef' } });
    try {
      const link = await issueDeskLink(runtime.ctx, personId);
      if (!link.ok) throw new Error('no desk link');
      const confirm = await http.inject({ url: `/desk/in/${link.token}` });
      const csrf = /name="_csrf" value="([^"]+)"/.exec(confirm.body)![1]!;
      const cookie = confirm.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
      const signed = await http.inject({ method: 'POST', url: `/desk/in/${link.token}`, headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, payload: `_csrf=${encodeURIComponent(csrf)}` });
      const session = signed.cookies.find((c) => c.name === SESSION_COOKIE)!;
      const page = await http.inject({ url: `/desk/n/${encodeURIComponent(nodeCode)}`, headers: { cookie: `${session.name}=${session.value}` } });
      expect(page.statusCode).toBe(200);
      return page.body;
    } finally {
      await http.close();
    }
  }

  async function matterWithOfficer() {
    const officer = await newOfficer(store.db, tree.unit, '李冬梅', { telegram: '2001' });
    const villager = await newVillager(store.db, tree.unit, '王秀英', { telegram: VILLAGER });
    const matter = await reportedMatter(store.db, { grid: tree.unit, reporter: villager, category: 'help', at: clock.now(), firstAssignee: officer });
    const reply = async (text: string) => {
      const r = await performAction(runtime.ctx, { matter: matter.id, actorId: officer.id, request: { action: 'reply', text } });
      expect(r.ok).toBe(true);
      runtime.ctx.outboxWritten();
    };
    return { officer, villager, matter, reply };
  }

  it('sends 2 of 3, holds the rest and whatever comes after 48 hours, and merges it once when the villager writes', async () => {
    const { villager, matter, reply } = await matterWithOfficer();
    // The villager wrote (their last message, as their turn records it).
    channel.wrote(VILLAGER, clock.now());
    await noteSeen(store.db, 'telegram', VILLAGER, clock.now(), { exact: true });

    await reply('明天上午来修路灯');
    await reply('材料已经买好了');
    await reply('师傅下午到');
    await waitFor(async () => (await statusesOf(villager.id, 'reply')).join() === 'sent,sent,window_held', 'two replies sent and one held');
    await waitIdle(runtime);
    expect(channel.to(VILLAGER)).toHaveLength(2);
    expect(channel.to(VILLAGER).join('\n')).toContain('明天上午来修路灯');
    expect(channel.to(VILLAGER).join('\n')).not.toContain('师傅下午到');

    // Past 48 hours the window is closed, whatever its count: a new reply is held too.
    clock.advance(48 * HOUR + 60_000);
    await reply('路灯修好了，您看看亮不亮');
    await waitFor(async () => (await statusesOf(villager.id, 'reply')).filter((s) => s === 'window_held').length === 2, 'the fourth reply held');
    await waitIdle(runtime);
    expect(channel.to(VILLAGER)).toHaveLength(2);
    // The platform's own count: nothing was even tried past the window.
    expect(channel.pastWindow).toEqual([]);

    // The village's cadre sees on the desk what waits for the villager, and /metrics counts it.
    const cadre = await newPerson(store.db, { name: '陈国华', role: 'cadre', at: tree.village, title: '水川村村委会主任' });
    const overview = await deskOverview(cadre.id, tree.village.code);
    expect(overview).toMatch(/等村民回话再发（条）<\/span><span class="value">2<\/span><span class="note">等 1 位村民发消息/);
    expect(await runtime.metrics.render()).toMatch(/gridline_deliveries_held\{reason="window"\} 2/);

    // The villager writes: the answer to what they wrote, then one message with the news.
    await villagerWrites('你好');
    const merged = await waitFor(() => channel.to(VILLAGER).find((t) => t.includes('2 条新进展')), () => `the merged news (saw: ${channel.to(VILLAGER).join(' | ')})`);
    expect(merged).toContain(matter.ref);
    expect(merged).toContain('路灯修好了');
    await waitIdle(runtime);
    const told = channel.to(VILLAGER);
    expect(told).toHaveLength(4);
    expect(told[3]).toBe(merged);
    expect(await statusesOf(villager.id, 'reply')).toEqual(['merged', 'merged', 'sent', 'sent']);
    expect(await statusesOf(villager.id, MERGED_TEMPLATE)).toEqual(['sent']);
    expect(await deskOverview(cadre.id, tree.village.code)).toMatch(/等村民回话再发（条）<\/span><span class="value">0</);

    // Releasing again, even twice at once, finds nothing more to send.
    const again = await Promise.all([0, 1].map(() => store.db.transaction((tx) => releaseHeld(tx, villager.id, null))));
    expect(again).toEqual([0, 0]);
    await villagerWrites('谢谢');
    await waitIdle(runtime);
    expect(channel.to(VILLAGER).filter((t) => t.includes('新进展'))).toHaveLength(1);
    expect(channel.pastWindow).toEqual([]);
  }, 90_000);

  it('merges each held message once when two releases run at once', async () => {
    const { villager, reply } = await matterWithOfficer();
    channel.wrote(VILLAGER, clock.now());
    await noteSeen(store.db, 'telegram', VILLAGER, clock.now(), { exact: true });
    for (const text of ['一', '二', '三', '四', '五']) await reply(`答复${text}`);
    await waitFor(async () => (await statusesOf(villager.id, 'reply')).filter((s) => s === 'window_held').length === 3, 'three replies held');

    clock.advance(60_000);
    channel.wrote(VILLAGER, clock.now());
    await noteSeen(store.db, 'telegram', VILLAGER, clock.now(), { exact: true });
    const taken = await Promise.all([0, 1, 2].map(() => store.db.transaction((tx) => releaseHeld(tx, villager.id, null))));
    runtime.ctx.outboxWritten();
    expect(taken.reduce((a, b) => a + b, 0)).toBe(3);
    expect(taken.filter((n) => n > 0)).toHaveLength(1);
    await waitFor(() => channel.to(VILLAGER).some((t) => t.includes('3 条新进展')), 'the merged news');
    await waitIdle(runtime);
    expect(channel.to(VILLAGER).filter((t) => t.includes('新进展'))).toHaveLength(1);
    expect(await statusesOf(villager.id, MERGED_TEMPLATE)).toEqual(['sent']);
    expect(channel.pastWindow).toEqual([]);
  }, 90_000);

  it('holds a conversation answer past the window, and drops it when the villager writes again: the new turn answers', async () => {
    const { villager, reply } = await matterWithOfficer();
    channel.wrote(VILLAGER, clock.now());
    await noteSeen(store.db, 'telegram', VILLAGER, clock.now(), { exact: true });
    await reply('答复一');
    await reply('答复二');
    await waitFor(async () => (await statusesOf(villager.id, 'reply')).join() === 'sent,sent', 'the window used up');
    // An answer of the conversation's, late (its turn's send waited): past the window now.
    await store.db.transaction(async (tx) => {
      await createChatOutputs(tx, [{ id: crypto.randomUUID(), platform: 'telegram', chatId: VILLAGER, userId: VILLAGER, eventId: 'telegram:update:late', personId: villager.id, output: { kind: 'message', text: '迟到的回答' } }]);
      await enqueue(tx, [outboxJob('send', { recipient: `person:${villager.id}` })]);
    });
    runtime.ctx.outboxWritten();
    await waitFor(async () => (await statusesOf(villager.id, 'chat')).join() === 'window_held', 'the late answer held');

    await villagerWrites('你好');
    await waitFor(async () => (await statusesOf(villager.id, 'chat')).includes('superseded'), 'the late answer dropped');
    await waitIdle(runtime);
    expect(channel.to(VILLAGER)).toHaveLength(3);
    expect(channel.to(VILLAGER).join('\n')).not.toContain('迟到的回答');
    expect(await statusesOf(villager.id, MERGED_TEMPLATE)).toEqual([]);
    expect(channel.pastWindow).toEqual([]);
  }, 90_000);

  it('spends none of the window on an edit where the channel does not send edits anew (微信客服 draws nothing)', async () => {
    const { villager, reply } = await matterWithOfficer();
    channel.wrote(VILLAGER, clock.now());
    await noteSeen(store.db, 'telegram', VILLAGER, clock.now(), { exact: true });
    // The turn's menu redrawn after a press: an edit, sent (as far as the send service knows).
    await store.db.transaction(async (tx) => {
      await createChatOutputs(tx, [{ id: crypto.randomUUID(), platform: 'telegram', chatId: VILLAGER, userId: VILLAGER, eventId: 'telegram:update:redraw', personId: villager.id, output: { kind: 'edit', messageRef: '1', clearButtons: true } }]);
      await enqueue(tx, [outboxJob('send', { recipient: `person:${villager.id}` })]);
    });
    runtime.ctx.outboxWritten();
    await waitFor(async () => (await statusesOf(villager.id, 'chat')).join() === 'sent', 'the edit sent');
    // Both of the window's messages are still there for the officer's replies.
    await reply('答复一');
    await reply('答复二');
    await waitFor(async () => (await statusesOf(villager.id, 'reply')).join() === 'sent,sent', 'both replies sent');
    await waitIdle(runtime);
    expect(channel.to(VILLAGER)).toHaveLength(2);
    expect(channel.pastWindow).toEqual([]);
  }, 60_000);

  it("tells a villager under a window, in the receipt, how news will reach them; not one who is not", async () => {
    await newOfficer(store.db, tree.unit, '李冬梅', { telegram: '2001' });
    await newVillager(store.db, tree.unit, '王秀英', { telegram: VILLAGER });
    await newVillager(store.db, tree.unit, '罗秀英', { telegram: '1002' });
    for (const who of [VILLAGER, '1002']) {
      channel.wrote(who, clock.now());
      await noteSeen(store.db, 'telegram', who, clock.now(), { exact: true });
    }
    const report = (userId: string): InboundEvent => ({ eventId: `telegram:report:${userId}`, platform: 'telegram', externalUserId: userId, kind: 'report', category: 'help', text: '村口的路灯坏了三天了', receivedAt: clock.now().toISOString() });
    for (const who of [VILLAGER, '1002']) expect((await intake(runtime.ctx, report(who))).status).toBe('created');
    const receipt = (userId: string) => waitFor(() => channel.to(userId).find((t) => t.includes('受理编号')), `the receipt to ${userId}`);
    expect(await receipt(VILLAGER)).toContain('48小时内，我们最多能主动给您发2条消息');
    expect(await receipt('1002')).not.toContain('48小时');
  }, 60_000);
});
