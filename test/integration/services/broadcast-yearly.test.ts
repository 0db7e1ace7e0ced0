// 节日贺词 on each queue backend (Redis, BullMQ's PostgreSQL backend, and that backend on the
// embedded PGlite): a yearly 中秋 greeting gets a job scheduler at 08:00 on 2027-09-15 in the
// node's zone; when it fires (its job run with the clock on the day) this year's copy is written
// and sent as a broadcast of its own, and the scheduler is planned again for 2028-10-03; a restart
// that lost the queue's schedulers (Redis emptied) plans them back; cancelling removes it.
import { eq } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import type { Platform } from '../../../src/domain/types.js';
import type { Channel, ChatTarget, OutboundMessage } from '../../../src/ports/channel.js';
import { composeBroadcast, senderById } from '../../../src/services/broadcast-service.js';
import { cancelScheduled } from '../../../src/services/yearly-broadcast.js';
import { restoreTimedJobs } from '../../../src/queue/restore-timed-jobs.js';
import { broadcasts } from '../../../src/store/schema.js';
import { newPerson, newTree, newVillager } from '../../support/factories.js';
import { openTestRuntime, type TestRuntime } from '../../support/runtime.js';
import { openTestStore, type TestStore } from '../../support/store.js';
import { TestClock } from '../../support/clock.js';
import { waitFor } from '../../support/wait.js';

class Recorder implements Channel {
  readonly name = 'telegram' as const;
  readonly texts: Array<{ chatId: string; text: string }> = [];
  async deliver(to: ChatTarget, message: OutboundMessage): Promise<{ messageRef?: string }> {
    if (message.kind === 'message') this.texts.push({ chatId: to.chatId, text: message.text });
    return { messageRef: String(this.texts.length) };
  }
}

const GREETING = '中秋节快乐！祝大家阖家团圆。';

describe.each([
  ['redis', 'postgres'],
  ['postgres', 'postgres'],
  ['postgres', 'pglite'],
] as const)('a yearly broadcast (queues on %s, store on %s)', (queueKind, storeKind) => {
  let store: TestStore;
  let runtime: TestRuntime;
  afterEach(async () => {
    await runtime?.close();
    await store?.close();
  });

  it('is scheduled for its lunar date, sent on the day as its own broadcast, planned again for next year, put back after a loss and removed when cancelled', async () => {
    store = await openTestStore(storeKind);
    const tree = await newTree(store.db);
    const cadre = await newPerson(store.db, { name: '周文华', role: 'cadre', at: tree.village, telegram: '500' });
    for (let i = 0; i < 3; i++) await newVillager(store.db, tree.unit, `村民${i}`, { telegram: String(1000 + i) });
    const channel = new Recorder();
    const clock = new TestClock('2026-12-06T10:00:00+08:00');
    runtime = await openTestRuntime(store, queueKind, { channels: new Map<Platform, Channel>([['telegram', channel]]), clock });
    runtime.startWorkers({ concurrency: 2 });
    const queue = runtime.queues!.queue('broadcast');
    const schedulerOf = async (id: string) => (await queue.getJobSchedulers()).find((s) => (s.id ?? s.key) === `yearly@${id}`);

    const author = (await senderById(store.db, cadre.id))!;
    const r = await store.db.transaction((tx) => composeBroadcast(runtime.ctx, tx, author, { nodeId: tree.village.id, texts: { 'zh-CN': GREETING }, defaultLocale: 'zh-CN', holiday: 'mid_autumn' }));
    runtime.ctx.outboxWritten();
    if (!r.ok) throw new Error(r.code);
    expect(r.broadcast).toMatchObject({ status: 'yearly', holiday: 'mid_autumn', scheduledAt: null });
    const id = r.broadcast.id;
    const first = await waitFor(() => schedulerOf(id), 'its scheduler planned');
    expect(first).toMatchObject({ next: new Date('2027-09-15T08:00:00+08:00').getTime(), tz: 'Asia/Shanghai', pattern: '0 8 15 9 *' });
    expect(channel.texts.some((t) => t.text.includes(GREETING))).toBe(false);

    // The day: its job runs.
    clock.set('2027-09-15T08:00:00+08:00');
    await queue.add('broadcast', { op: 'yearly', broadcastId: id }, { jobId: `fire-${id}` });
    await waitFor(() => channel.texts.filter((t) => t.text.includes(GREETING)).length === 3, 'the three villagers got it', 30_000);
    const [copy] = await store.db.select().from(broadcasts).where(eq(broadcasts.yearlyOfId, id));
    expect(copy).toMatchObject({ year: 2027, audienceSize: 3, scheduledAt: new Date('2027-09-15T08:00:00+08:00') });
    await waitFor(async () => (await schedulerOf(id))?.next === new Date('2028-10-03T08:00:00+08:00').getTime(), 'planned again for 2028-10-03 (中秋 2028)');
    expect((await schedulerOf(id))!.pattern).toBe('0 8 3 10 *');

    // The queue loses its schedulers (Redis emptied): the restore plans them back.
    await queue.removeJobScheduler(`yearly@${id}`);
    await restoreTimedJobs(runtime.ctx, runtime.queues!);
    expect((await schedulerOf(id))?.next).toBe(new Date('2028-10-03T08:00:00+08:00').getTime());

    // Cancelled: the scheduler goes; its order stays in the ledger as cancelled.
    await store.db.transaction((tx) => cancelScheduled(runtime.ctx, tx, author, id));
    runtime.ctx.outboxWritten();
    await waitFor(async () => !(await schedulerOf(id)), 'its scheduler removed');
    const [order] = await store.db.select().from(broadcasts).where(eq(broadcasts.id, id));
    expect(order!.status).toBe('cancelled');
  }, 120_000);
});
