// A broadcast's copy under a sending window (issue 18), on Postgres and Redis, with a channel that
// plays the platform's window (2 messages within 48 hours of the villager's last message): past the
// window the copy waits as itself (never merged into the matters' news) for the villager's next
// message, and goes after the answer to it; once the broadcast's 7-day wait is over it is not
// delivered — a message after that does not bring it — and the author's report says why.
import { eq } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { composeBroadcast, senderById } from '../../../src/services/broadcast-service.js';
import { noteSeen } from '../../../src/services/reach-service.js';
import { deliveries } from '../../../src/store/schema.js';
import { daytimeClock, type TestClock } from '../../support/clock.js';
import { newPerson, newTree, newVillager, type Tree } from '../../support/factories.js';
import { waitIdle } from '../../support/idle.js';
import { openTestRuntime, type TestRuntime } from '../../support/runtime.js';
import { openTestStore, type TestStore } from '../../support/store.js';
import { waitFor } from '../../support/wait.js';
import { WindowedChannel } from '../../support/windowed-channel.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const VILLAGER = '1001';
const NOTICE = '今晚七点村委会门口放电影。';

describe('a broadcast under a sending window', () => {
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
    channel = new WindowedChannel({ messages: 2, withinMs: 48 * HOUR }, new Set([VILLAGER]), clock.now);
    runtime = await openTestRuntime(store, 'redis', { channels: new Map([['telegram', channel]]), clock });
    runtime.startWorkers({ concurrency: 3 });
    tree = await newTree(store.db);
  });
  afterEach(async () => {
    await runtime?.close();
  });

  let update = 0;
  const villagerWrites = async (text: string) => {
    update += 1;
    channel.wrote(VILLAGER, clock.now());
    await runtime.submitChat({ eventId: `telegram:update:${update}`, platform: 'telegram', updateId: String(update), at: clock.now().toISOString(), userId: VILLAGER, chatId: VILLAGER, chatType: 'private', content: { kind: 'text', text } });
  };
  const copyStatus = async () => (await store.db.select({ status: deliveries.status }).from(deliveries).where(eq(deliveries.template, 'broadcast')))[0]?.status;

  /** 王秀英 last wrote three days ago; the village's cadre sends a notice to the villagers. */
  async function sentThreeDaysOn() {
    const cadre = await newPerson(store.db, { name: '周文华', role: 'cadre', at: tree.village, title: '水川村党支部书记', telegram: '2001' });
    const villager = await newVillager(store.db, tree.unit, '王秀英', { telegram: VILLAGER });
    await noteSeen(store.db, 'telegram', VILLAGER, clock.now(), { exact: true });
    channel.wrote(VILLAGER, clock.now());
    clock.advance(3 * DAY);
    const sender = (await senderById(store.db, cadre.id))!;
    const r = await store.db.transaction((tx) => composeBroadcast(runtime.ctx, tx, sender, { nodeId: tree.village.id, roles: ['villager'], texts: { 'zh-CN': NOTICE }, defaultLocale: 'zh-CN' }));
    runtime.ctx.outboxWritten();
    expect(r).toMatchObject({ ok: true, recipients: 1 });
    await waitFor(async () => (await copyStatus()) === 'window_waiting', 'the copy waiting for the window');
    await waitIdle(runtime);
    expect(channel.to(VILLAGER)).toEqual([]);
    expect(channel.pastWindow).toEqual([]);
    return { cadre, villager };
  }

  it('sends the copy after the answer when the villager writes within the wait, once, as itself', async () => {
    await sentThreeDaysOn();
    clock.advance(2 * DAY);
    await villagerWrites('你好');
    await waitFor(() => channel.to(VILLAGER).some((t) => t.includes(NOTICE)), 'the notice after the villager wrote');
    await waitIdle(runtime);
    const read = channel.to(VILLAGER);
    expect(read.filter((t) => t.includes(NOTICE))).toHaveLength(1);
    // The answer to what they wrote first; the notice last, as itself (no "新进展" message).
    expect(read.findIndex((t) => t.includes(NOTICE))).toBe(read.length - 1);
    expect(read.length).toBeGreaterThan(1);
    expect(read.some((t) => t.includes('新进展'))).toBe(false);
    expect(await copyStatus()).toBe('sent');
    expect(channel.pastWindow).toEqual([]);
  });

  it('after the 7-day wait it is not delivered, a later message does not bring it, and the report says why', async () => {
    await sentThreeDaysOn();
    clock.advance(7 * DAY + 60_000);
    // Whether this comes before or after the progress job that expires the copy, it does not bring it.
    await villagerWrites('你好');
    await waitFor(async () => (await copyStatus()) === 'window_expired', 'the copy expired');
    const report = await waitFor(() => channel.to('2001').find((t) => t.includes('通知发完了')) ?? null, 'the report to the author');
    await waitIdle(runtime);
    expect(report).toBe('通知发完了：共 1 人，送到 0 人，不愿接收 0 人，没送到 1 人。报名参加 0 人，回复收到 0 人。\n没送到：微信超过48小时未回话（7 天内也没再来消息）1 人');
    expect(channel.to(VILLAGER).some((t) => t.includes(NOTICE))).toBe(false);
    expect(channel.pastWindow).toEqual([]);
  });
});
