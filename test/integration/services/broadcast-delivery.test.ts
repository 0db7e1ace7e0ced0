// A broadcast on the one way out, with real Postgres and Redis (or BullMQ's PostgreSQL backend):
// a matter's notice written while a notice to the whole village is going out is sent before the
// copies still waiting, even to a villager whose own copy waits in the same queue; and a restart
// in the middle, with the queue's jobs lost, ends with every villager having it exactly once.
import { randomUUID } from 'node:crypto';
import { and, desc, eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Platform } from '../../../src/domain/types.js';
import type { Channel, ChatTarget, OutboundMessage } from '../../../src/ports/channel.js';
import { composeBroadcast, releaseBroadcast, senderById, stopBroadcasts } from '../../../src/services/broadcast-service.js';
import { sendJobs } from '../../../src/services/send-jobs.js';
import { createDeliveries } from '../../../src/store/repositories/delivery-repository.js';
import { enqueue } from '../../../src/store/repositories/outbox-repository.js';
import { broadcastEvents, broadcasts, deliveries, people } from '../../../src/store/schema.js';
import { newPerson, newTree, newVillager, type PersonRow, type Tree } from '../../support/factories.js';
import { waitIdle } from '../../support/idle.js';
import { openTestRuntime, QUEUE_KINDS, uniquePrefix, type TestRuntime } from '../../support/runtime.js';
import { openTestStore, type TestStore } from '../../support/store.js';
import { waitFor } from '../../support/wait.js';
import { TestClock } from '../../support/clock.js';

/** A platform that takes a little while per message, noting each in the order it was taken. */
class SlowChannel implements Channel {
  readonly name = 'telegram' as const;
  readonly calls: Array<{ chatId: string; text: string }> = [];
  constructor(private readonly ms = 15) {}
  async deliver(to: ChatTarget, message: OutboundMessage): Promise<{ messageRef?: string }> {
    await new Promise((r) => setTimeout(r, this.ms));
    if (message.kind !== 'message') return {};
    this.calls.push({ chatId: to.chatId, text: message.text });
    return { messageRef: String(this.calls.length) };
  }
}

/** A fixed-offset zone where the real clock reads about noon (Etc/GMT-k is UTC+k). */
function middayZone(): string {
  const k = 12 - new Date().getUTCHours();
  return k === 0 ? 'Etc/GMT' : k > 0 ? `Etc/GMT-${k}` : `Etc/GMT+${-k}`;
}

const NOTICE = '今晚七点在村委会门口放电影，欢迎大家来看。';
const isCopy = (text: string) => text.includes(NOTICE);

describe.each(QUEUE_KINDS)('a broadcast on the way out (queues on %s)', (kind) => {
  let store: TestStore;
  let runtime: TestRuntime;
  let tree: Tree;
  let cadre: PersonRow;
  let villagers: PersonRow[];

  beforeEach(async () => {
    store = await openTestStore('postgres');
    tree = await newTree(store.db);
    cadre = await newPerson(store.db, { name: '周文华', role: 'cadre', at: tree.village, telegram: '500' });
    villagers = [];
    for (let i = 0; i < 40; i++) villagers.push(await newVillager(store.db, i % 2 ? tree.unit : tree.otherUnit, `村民${i}`, { telegram: String(1000 + i) }));
  });
  afterEach(async () => {
    await runtime?.close();
    await store?.close();
  });

  async function compose(): Promise<string> {
    const author = (await senderById(store.db, cadre.id))!;
    const r = await store.db.transaction((tx) => composeBroadcast(runtime.ctx, tx, author, { nodeId: tree.village.id, texts: { 'zh-CN': NOTICE }, defaultLocale: 'zh-CN' }));
    runtime.ctx.outboxWritten();
    if (!r.ok) throw new Error(r.code);
    expect(r).toMatchObject({ recipients: 40, approval: false });
    return r.broadcast.id;
  }

  async function matterNotice(to: PersonRow, ref: string): Promise<void> {
    await store.db.transaction(async (tx) => {
      const rows = [{ id: randomUUID(), personId: to.id, matterId: null, template: 'size_marked', params: { ref, sizeName: '小事' } }];
      await createDeliveries(tx, rows);
      await enqueue(tx, sendJobs(rows));
    });
    runtime.ctx.outboxWritten();
  }

  it('sends a matter’s notice written mid-broadcast before the copies still waiting, even in the same queue', async () => {
    const channel = new SlowChannel(25);
    runtime = await openTestRuntime(store, kind, { channels: new Map<Platform, Channel>([['telegram', channel]]) });
    runtime.startWorkers({ concurrency: 2 });
    const id = await compose();
    await waitFor(() => channel.calls.filter((c) => isCopy(c.text)).length >= 5, 'the first copies sent');
    // The copy last in line is still waiting; a notice about a matter is written to its villager and to the officer.
    const [lastCopy] = await store.db.select().from(deliveries).where(and(eq(deliveries.broadcastId, id), eq(deliveries.status, 'pending'))).orderBy(desc(deliveries.seq)).limit(1);
    const last = villagers.find((v) => v.id === lastCopy!.personId)!;
    const officer = await newPerson(store.db, { name: '李冬梅', role: 'officer_full', at: tree.unit, telegram: '600' });
    const before = channel.calls.length;
    await matterNotice(last, '0000-0017');
    await matterNotice(officer, '0000-0018');
    await waitIdle(runtime, { timeoutMs: 60_000 });

    const order = channel.calls.map((c) => c.text);
    const at17 = order.findIndex((t) => t.includes('0000-0017'));
    const at18 = order.findIndex((t) => t.includes('0000-0018'));
    // Each went out within a few sends of being written (the ones in hand), not after the 30-odd copies left.
    expect(at17 - before).toBeLessThan(9);
    expect(at18 - before).toBeLessThan(9);
    expect(order.slice(at18 + 1).filter(isCopy).length).toBeGreaterThan(15);
    // In her own queue the matter's notice went before her copy, though written after it.
    const hers = channel.calls.filter((c) => c.chatId === String(1000 + villagers.indexOf(last))).map((c) => (isCopy(c.text) ? 'copy' : 'matter'));
    expect(hers).toEqual(['matter', 'copy']);
    // Everyone got it once; the author was not among them.
    expect(channel.calls.filter((c) => isCopy(c.text))).toHaveLength(40);
    expect(channel.calls.filter((c) => c.chatId === '500' && isCopy(c.text))).toHaveLength(0);
    // Its progress job looks every few seconds: the last look finds nothing left and closes it.
    const row = await waitFor(async () => (await store.db.select().from(broadcasts).where(and(eq(broadcasts.id, id), eq(broadcasts.status, 'done'))))[0], 'the broadcast closed', 20_000);
    expect(row).toMatchObject({ status: 'done', counts: expect.objectContaining({ sent: 40, total: 40 }) });
    const ledger = await store.db.select().from(broadcastEvents).where(eq(broadcastEvents.broadcastId, id));
    expect(ledger.map((e) => e.action)).toEqual(['composed', 'released', 'finished']);
  }, 120_000);

  it('checks again just before sending: a /stop since leaves her copy unsent, and 22:00 holds the rest for the morning', async () => {
    const channel = new SlowChannel(60);
    const clock = new TestClock('2026-06-03T21:50:00+08:00');
    runtime = await openTestRuntime(store, kind, { channels: new Map<Platform, Channel>([['telegram', channel]]), clock });
    runtime.startWorkers({ concurrency: 1 });
    const id = await compose();
    // The copy last in line: its villager says /stop while the first ones go out.
    const [lastCopy] = await store.db.select().from(deliveries).where(and(eq(deliveries.broadcastId, id), eq(deliveries.status, 'pending'))).orderBy(desc(deliveries.seq)).limit(1);
    await store.db.transaction((tx) => stopBroadcasts(runtime.ctx, tx, lastCopy!.personId!));
    // 22:00 comes before the 40 copies are out (the clock is moved on once the first are sent, not
    // left to a few real seconds a loaded machine may spend before the first): what is left waits for 07:00.
    await waitFor(() => channel.calls.filter((c) => isCopy(c.text)).length >= 3, 'the first copies out', 30_000);
    clock.set('2026-06-03T22:00:00+08:00');
    const morning = new Date('2026-06-04T07:00:00+08:00');
    // Every copy looked at: sent before 22:00, stopped, or held for the morning.
    await waitFor(
      async () => (await store.db.select().from(deliveries).where(eq(deliveries.broadcastId, id))).every((d) => d.status === 'sent' || d.status === 'stopped' || (d.status === 'pending' && d.dueAt?.getTime() === morning.getTime())),
      'every copy sent, stopped or held',
      60_000,
    );
    const rows = await store.db.select().from(deliveries).where(eq(deliveries.broadcastId, id));
    const sent = rows.filter((r) => r.status === 'sent');
    const held = rows.filter((r) => r.status === 'pending');
    expect(sent.length).toBeGreaterThan(0);
    expect(held.length).toBeGreaterThan(0);
    expect(held.every((r) => r.dueAt?.getTime() === morning.getTime())).toBe(true);
    // Nothing went out after 22:00.
    const ten = new Date('2026-06-03T22:00:00+08:00').getTime();
    expect(sent.every((r) => r.sentAt!.getTime() < ten + 1000)).toBe(true);
    // Hers was not sent, now or in the morning.
    const hers = rows.find((r) => r.personId === lastCopy!.personId)!;
    expect(hers.status).toBe('stopped');
    expect(channel.calls.some((c) => c.chatId === String(1000 + villagers.findIndex((v) => v.id === hers.personId)))).toBe(false);
  }, 120_000);

  it('two processes sending one broadcast together deliver each copy once', async () => {
    const prefix = uniquePrefix();
    const a = new SlowChannel(10);
    const b = new SlowChannel(10);
    runtime = await openTestRuntime(store, kind, { channels: new Map<Platform, Channel>([['telegram', a]]), prefix });
    const other = await openTestRuntime(store, kind, { channels: new Map<Platform, Channel>([['telegram', b]]), prefix });
    try {
      runtime.startWorkers({ concurrency: 3 });
      other.startWorkers({ concurrency: 3 });
      const id = await compose();
      // Released twice (a job run again): no second copy is written.
      expect(await store.db.transaction((tx) => releaseBroadcast(runtime.ctx, tx, id))).toBe(0);
      await waitFor(async () => (await store.db.select().from(broadcasts).where(and(eq(broadcasts.id, id), eq(broadcasts.status, 'done'))))[0], 'the broadcast closed', 60_000);
      const copies = [...a.calls, ...b.calls].filter((c) => isCopy(c.text));
      expect(copies).toHaveLength(40);
      expect(new Set(copies.map((c) => c.chatId)).size).toBe(40);
      // Both took part (not one process doing it all while the other watched).
      expect(a.calls.filter((c) => isCopy(c.text)).length).toBeGreaterThan(0);
      expect(b.calls.filter((c) => isCopy(c.text)).length).toBeGreaterThan(0);
    } finally {
      await other.close();
    }
  }, 120_000);

  it('resumes after a restart whose queue lost its jobs: every villager gets it exactly once', async () => {
    // The reconciler compares the store's own clock with the runtime's: this one runs on the real
    // clock, in a zone where it is midday now (quiet hours never met).
    const zone = middayZone();
    await store.db.update(people).set({ timezone: zone });
    const now = () => new Date();
    const first = new SlowChannel(30);
    runtime = await openTestRuntime(store, kind, { channels: new Map<Platform, Channel>([['telegram', first]]), now });
    runtime.startWorkers({ concurrency: 2 });
    const id = await compose();
    await waitFor(() => first.calls.length >= 8, 'part of the broadcast sent');
    await runtime.close();
    const sentBefore = first.calls.length;
    expect(sentBefore).toBeLessThan(40);

    // The "same" deployment started again on an empty queue (a new prefix; on Postgres the jobs remain).
    const second = new SlowChannel(5);
    runtime = await openTestRuntime(store, kind, { channels: new Map<Platform, Channel>([['telegram', second]]), prefix: uniquePrefix(), now });
    runtime.startWorkers({ concurrency: 4 });
    let seen = '';
    await waitFor(
      async () => {
        const rows = await store.db.select().from(deliveries).where(eq(deliveries.broadcastId, id));
        seen = JSON.stringify(rows.map((d) => [d.status, d.claimedBy, d.attempts, d.error]).filter((d) => d[0] !== 'sent'));
        return rows.every((d) => d.status === 'sent');
      },
      () => `every copy sent (left: ${seen})`,
      60_000,
    );

    const copies = [...first.calls, ...second.calls].filter((c) => isCopy(c.text));
    const perChat = new Map<string, number>();
    for (const c of copies) perChat.set(c.chatId, (perChat.get(c.chatId) ?? 0) + 1);
    expect(perChat.size).toBe(40);
    expect([...perChat.values()].every((n) => n === 1)).toBe(true);
    expect(second.calls.filter((c) => isCopy(c.text)).length).toBe(40 - first.calls.filter((c) => isCopy(c.text)).length);
    // Its progress, lost with the queue, was put back from the store: it ends, counted.
    await waitFor(async () => (await store.db.select().from(broadcasts).where(eq(broadcasts.id, id)))[0]?.status === 'done', 'the broadcast finished', 30_000);
  }, 120_000);
});
