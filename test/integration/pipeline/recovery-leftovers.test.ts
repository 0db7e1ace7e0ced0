// Recovery that strands nothing, seen from the people it concerns: a township still hears that a
// summoned department missed its report-in when Redis lost the job; an officer's card is drawn
// again when Redis lost its refresh; a villager gets one receipt across a restart, never a
// stale "received, finding who handles it" after routing answered, nor a receipt taken back once
// a sender touched it; handled inbox rows go after their retention.
import { and, eq } from 'drizzle-orm';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { claimDelivery } from '../../../src/store/repositories/delivery-repository.js';
import { intake, WAITING_RECEIPT } from '../../../src/services/intake-service.js';
import { performAction } from '../../../src/services/matter-actions.js';
import { deliveries, inbox, matters, outbox, slackCards } from '../../../src/store/schema.js';
import { newDepartmentWithLiaison } from '../../support/alert-factories.js';
import { newOfficer, newPerson, newTree, newVillager, type Tree } from '../../support/factories.js';
import { RecordingChannel } from '../../support/recording-channel.js';
import type { StartWorkersOptions } from '../../../src/app/runtime.js';
import { openTestRuntime, uniquePrefix, type TestRuntime } from '../../support/runtime.js';
import { openTestStore, TEST_REDIS_URL, type TestStore } from '../../support/store.js';
import { waitIdle } from '../../support/idle.js';
import { waitFor } from '../../support/wait.js';
import { TestClock } from '../../support/clock.js';

const MIN = 60_000;
let seq = 0;

/** A Slack-like channel that also records which matters' cards it was asked to redraw. */
class CardChannel extends RecordingChannel {
  readonly refreshed: string[] = [];
  async refreshMatter(matterId: string): Promise<number> {
    this.refreshed.push(matterId);
    return 1;
  }
}

/** Redis restarted empty, for this deployment's keys only (the server is shared). */
async function wipe(prefix: string): Promise<number> {
  const r = new Redis(TEST_REDIS_URL);
  let n = 0;
  try {
    for (let cursor = '0'; ; ) {
      const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      if (keys.length) n += await r.del(...keys);
      cursor = next;
      if (cursor === '0') break;
    }
  } finally {
    r.disconnect();
  }
  return n;
}

describe('recovery leftovers (queues on Redis)', () => {
  let store: TestStore;
  let runtime: TestRuntime;
  let telegram: RecordingChannel;
  let slack: CardChannel;
  let tree: Tree;
  let prefix: string;
  let clock: TestClock;

  beforeAll(async () => {
    store = await openTestStore('postgres');
  });
  afterAll(async () => {
    await store?.close();
  });
  beforeEach(async () => {
    await store.reset();
    telegram = new RecordingChannel('telegram');
    slack = new CardChannel('slack');
    prefix = uniquePrefix();
    clock = new TestClock('2026-11-27T10:00:00+08:00');
    tree = await newTree(store.db);
  });
  afterEach(async () => {
    await runtime?.close();
  });

  const open = async (start = true, wrap?: StartWorkersOptions['wrap']) => {
    runtime = await openTestRuntime(store, 'redis', { channels: new Map([['telegram', telegram], ['slack', slack]]), prefix, clock });
    if (start) runtime.startWorkers({ concurrency: 4, wrap });
    return runtime;
  };

  const report = async (text: string, category: 'dispute' | 'help' = 'help') => {
    const r = await intake(runtime.ctx, { eventId: `rl:${++seq}`, platform: 'telegram', externalUserId: '1001', kind: 'report', category, text, receivedAt: clock.now().toISOString() });
    if (r.status !== 'created') throw new Error(r.status);
    return r.matter;
  };

  it('alerts the township when a due report-in job was lost with Redis', async () => {
    await open();
    const officer = await newOfficer(store.db, tree.unit, '李冬梅', { telegram: '2002' });
    await newPerson(store.db, { name: '何建军', role: 'grid_leader', at: tree.township, telegram: '3001', title: '湖泽镇网格长' });
    await newVillager(store.db, tree.unit, '罗秀英', { telegram: '1001' });
    await newDepartmentWithLiaison(store.db, { code: 'huze-police', name: '湖泽派出所', at: tree.township, liaison: '吴警官', telegram: '5002', reportInMinutes: 20 });
    const m = await report('宅基地界址纠纷，两家人吵到村口了', 'dispute');
    await waitFor(async () => (await store.db.select().from(matters).where(eq(matters.id, m.id)))[0]?.step === 'dispatch', 'the matter routed');
    await performAction(runtime.ctx, { matter: m.ref, actorId: officer.id, request: { action: 'take' } });
    expect((await performAction(runtime.ctx, { matter: m.ref, actorId: officer.id, request: { action: 'whistle', departments: ['huze-police'], reason: '需要维持秩序' } })).ok).toBe(true);
    await waitFor(() => telegram.to('5002').length, 'the liaison summoned');

    // The report-in job went to Redis (its outbox row relayed) and Redis lost it: nothing fires when it is due.
    await store.db.update(outbox).set({ relayedAt: clock.now() }).where(eq(outbox.queue, 'report_in_due'));
    clock.advance(21 * MIN);
    await waitIdle(runtime);
    expect(telegram.to('3001')).toEqual([]);

    // Redis comes back empty: the township is told all the same, once.
    expect(await wipe(prefix)).toBeGreaterThan(0);
    const alert = await waitFor(() => telegram.to('3001').find((t) => t.includes('报到超时')), 'the township alerted after the wipe', 20_000);
    expect(alert).toContain('湖泽派出所');
    await waitIdle(runtime);
    expect(telegram.to('3001').filter((t) => t.includes('报到超时'))).toHaveLength(1);
  }, 60_000);

  it("redraws an officer's card whose refresh was lost with Redis", async () => {
    await open();
    await newOfficer(store.db, tree.unit, '李冬梅', { telegram: '2002' });
    await newVillager(store.db, tree.unit, '罗秀英', { telegram: '1001' });
    const m = await report('村道塌了一段，车过不去');
    await waitFor(async () => (await store.db.select().from(matters).where(eq(matters.id, m.id)))[0]?.step === 'dispatch', 'the matter routed');
    await waitIdle(runtime);
    // A card drawn before the matter last moved, whose refresh job Redis lost.
    await store.db.insert(slackCards).values({ matterId: m.id, channel: 'D123', ts: '1700000000.000100', template: 'assigned', updatedAt: new Date(Date.now() - 10 * MIN) });
    expect(slack.refreshed).toEqual([]);
    await wipe(prefix);
    await waitFor(() => slack.refreshed.includes(m.id), 'the card redrawn after the wipe', 20_000);
  }, 60_000);

  it('at a restart, sends again a waiting receipt a dead process had claimed (never withdrawn), and the officer follows', async () => {
    await newOfficer(store.db, tree.unit, '李冬梅', { telegram: '2002' });
    await newVillager(store.db, tree.unit, '罗秀英', { telegram: '1001' });
    // A process filed the report and claimed the waiting receipt to send it, then died.
    await open(false);
    const m = await report('家门口的路灯坏了好几天了');
    const [receipt] = await store.db.select().from(deliveries).where(and(eq(deliveries.matterId, m.id), eq(deliveries.template, WAITING_RECEIPT)));
    const long = new Date(clock.now().getTime() - 5 * MIN);
    expect(await claimDelivery(store.db, receipt!.id, 'a-dead-job', long, long)).toBeTruthy();
    await runtime.close();

    // The next start routes the matter and puts back the stale claim. The claimed receipt may have
    // reached the platform, so routing does not take it back: it is sent, and the officer's name follows.
    await open();
    await waitFor(() => telegram.to('2002').length, 'the officer told');
    await waitFor(async () => (await store.db.select().from(deliveries).where(eq(deliveries.id, receipt!.id)))[0]?.status === 'sent', 'the waiting receipt sent');
    await waitIdle(runtime);
    const told = telegram.to('1001');
    expect(told, told.join(' | ')).toHaveLength(2);
    expect(told.filter((t) => t.includes(`受理编号 ${m.ref}`))).toHaveLength(1);
    expect(told[0]).toContain('受理编号');
    expect(told[1]).toContain('李冬梅');
    expect(told[1]).toContain(m.ref);
  }, 60_000);

  it('at a restart just after a report, with routing held until the receipt job ran: one receipt, then the officer', async () => {
    await newOfficer(store.db, tree.unit, '李冬梅', { telegram: '2002' });
    await newVillager(store.db, tree.unit, '罗秀英', { telegram: '1001' });
    await open(false);
    const m = await report('家门口的路灯坏了好几天了');
    await runtime.close();
    // Started again at once: the reconciler puts back the routing and the waiting receipt together,
    // and here the receipt's job is taken first (routing waits until it has run once). Within its
    // wait the receipt is held back and routing replaces it; past its wait it goes and the officer's
    // name follows. Either way the reference reaches the villager once.
    let receiptTried!: () => void;
    const tried = new Promise<void>((resolve) => (receiptTried = resolve));
    await open(true, (name, handler) =>
      (async (data: any, meta: any) => {
        if (name === 'route') await tried;
        try {
          return await (handler as any)(data, meta);
        } finally {
          if (name === 'send') receiptTried();
        }
      }) as typeof handler,
    );
    await waitFor(() => telegram.to('1001').some((t) => t.includes('李冬梅')), 'the villager told who handles it');
    await waitIdle(runtime);
    const told = telegram.to('1001');
    expect(told.filter((t) => t.includes(`受理编号 ${m.ref}`)), told.join(' | ')).toHaveLength(1);
    expect(told[0]).toContain('受理编号');
    const rows = await store.db.select().from(deliveries).where(eq(deliveries.matterId, m.id));
    const waiting = rows.find((d) => d.template === WAITING_RECEIPT)!;
    expect(told, told.join(' | ')).toHaveLength(waiting.status === 'superseded' ? 1 : 2);
  }, 60_000);

  it('deletes handled inbox rows past INBOX_RETENTION_DAYS and keeps the rest', async () => {
    await newVillager(store.db, tree.unit, '罗秀英', { telegram: '1001' });
    await open();
    const say = (n: number, text: string) =>
      runtime.submitChat({ eventId: `telegram:update:${n}`, platform: 'telegram', updateId: String(n), at: clock.now().toISOString(), userId: '1001', chatId: '1001', chatType: 'private', content: { kind: 'text', text } });
    await say(41, '你好');
    await waitFor(async () => (await store.db.select().from(inbox)).every((r) => r.status === 'handled'), 'the message handled');
    const [old] = await store.db.select().from(inbox);
    // One given up (operators look at those) and, a month on, one handled yesterday.
    await store.db.insert(inbox).values({ id: 'telegram:given-up', platform: 'telegram', queue: 'chat', payload: null, status: 'failed', summary: { kind: 'text' }, doneAt: clock.now() });
    clock.advance(31 * 24 * 60 * MIN);
    await say(42, '在吗');
    await waitFor(async () => (await store.db.select().from(inbox)).filter((r) => r.status === 'handled').length === 2, 'the second message handled');
    expect(await runtime.pruneInbox()).toBe(1);
    const left = await store.db.select().from(inbox);
    expect(left.map((r) => r.status).sort()).toEqual(['failed', 'handled']);
    expect(left.map((r) => r.id)).not.toContain(old!.id);
  }, 60_000);
});
