// 四个一, under every interleaving of the waiting receipt's send and routing: the villager gets
// exactly one message carrying the reference number (受理编号), and learns who handles the matter.
// Each step is driven by the test in a fixed order (the send is held inside the platform call, or
// made to fail, or its sender "dies"); the clock stands still unless the test moves it.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ChatTarget, OutboundMessage } from '../../../src/ports/channel.js';
import type { ServiceContext } from '../../../src/ports/context.js';
import { intake, RECEIPT_WAIT_MS, WAITING_RECEIPT } from '../../../src/services/intake-service.js';
import { routeMatter } from '../../../src/services/routing-service.js';
import { sendQueued, type SendAttempt } from '../../../src/services/send-service.js';
import { SEND_LEASE_MS } from '../../../src/services/send-lease.js';
import { claimDelivery, supersedeWaiting } from '../../../src/store/repositories/delivery-repository.js';
import { deliveries } from '../../../src/store/schema.js';
import { newOfficer, newTree, newVillager, type Tree } from '../../support/factories.js';
import { RecordingChannel } from '../../support/recording-channel.js';
import { testLogger } from '../../support/runtime.js';
import { openTestStore, STORE_KINDS, type TestStore } from '../../support/store.js';

/** A Telegram stand-in whose next send can be held inside the platform call, then let through or failed. */
class GatedChannel extends RecordingChannel {
  private gate: { entered: () => void; outcome: Promise<'ok' | Error> } | null = null;
  private open: ((o: 'ok' | Error) => void) | null = null;

  /** The next send stops inside the platform call; resolves once it is there. */
  holdNext(): Promise<void> {
    let entered!: () => void;
    const inside = new Promise<void>((r) => (entered = r));
    this.gate = { entered, outcome: new Promise((r) => (this.open = r)) };
    return inside;
  }

  /** Lets the held send finish: accepted by the platform ('ok'), or failed with `err` (not accepted). */
  finish(outcome: 'ok' | Error): void {
    this.open!(outcome);
  }

  override async deliver(to: ChatTarget, message: OutboundMessage): Promise<{ messageRef?: string }> {
    const gate = this.gate;
    if (gate) {
      this.gate = null;
      gate.entered();
      const outcome = await gate.outcome;
      if (outcome !== 'ok') throw outcome;
    }
    return super.deliver(to, message);
  }
}

describe.each(STORE_KINDS)('one receipt whatever the interleaving (%s)', (kind) => {
  let store: TestStore;
  let ctx: ServiceContext;
  let tree: Tree;
  let telegram: GatedChannel;
  let t0: number;
  let now: number;
  let n = 0;
  let villagerId: string;

  beforeAll(async () => {
    store = await openTestStore(kind);
  });
  afterAll(async () => {
    await store?.close();
  });
  beforeEach(async () => {
    await store.reset();
    t0 = new Date('2026-11-27T10:00:00+08:00').getTime();
    now = t0;
    ctx = { db: store.db, now: () => new Date(now), logger: testLogger, outboxWritten: () => {}, sendLeaseMs: SEND_LEASE_MS };
    telegram = new GatedChannel('telegram');
    tree = await newTree(store.db);
  });

  const opts = () => ({ channels: new Map([['telegram' as const, telegram]]), fallback: new RecordingChannel('telegram'), timezone: 'Asia/Shanghai' });

  async function reported(onDuty = true) {
    if (onDuty) await newOfficer(store.db, tree.unit, '李冬梅', { telegram: '2002' });
    villagerId = (await newVillager(store.db, tree.unit, '罗秀英', { telegram: '1001' })).id;
    const r = await intake(ctx, { eventId: `wr:${++n}`, platform: 'telegram', externalUserId: '1001', kind: 'report', category: 'help', text: '家门口的路灯坏了好几天了', receivedAt: new Date(now).toISOString() });
    if (r.status !== 'created') throw new Error(r.status);
    return r.matter;
  }

  /** One run of the villager's send job (as the queue would start it; `claimer` is the job's id). */
  const send = (claimer: string, attempt: Partial<SendAttempt> = {}) => sendQueued(ctx, opts(), `person:${villagerId}`, { claimer, final: false, ...attempt });
  const route = (matterId: string) => routeMatter(ctx, matterId);
  /** Starts a send job and returns once its send is held inside the platform call (the run, still going, is returned). */
  async function inFlight(claimer: string): Promise<{ run: Promise<unknown> }> {
    const inside = telegram.holdNext();
    const run = send(claimer);
    run.catch(() => {});
    await Promise.race([inside, run.then(() => Promise.reject(new Error('the send never reached the platform')))]);
    return { run };
  }
  /** The waiting receipt's wait is over: its delayed job fires. */
  const waitOver = () => (now = t0 + RECEIPT_WAIT_MS + 500);
  const told = () => telegram.to('1001');

  /** The one rule: exactly one message carries the reference; the officer's name reaches the villager, after it or in it. */
  function expectOneReceipt(ref: string, who = '李冬梅') {
    const texts = told();
    const receipts = texts.filter((t) => t.includes(`受理编号 ${ref}`));
    expect(receipts, texts.join(' | ')).toHaveLength(1);
    const named = texts.findIndex((t) => t.includes(who));
    expect(named, texts.join(' | ')).toBeGreaterThanOrEqual(texts.indexOf(receipts[0]!));
    expect(texts.every((t) => t.includes(ref)), texts.join(' | ')).toBe(true);
  }

  const receiptRow = async (matterId: string) => (await store.db.select().from(deliveries).where(eq(deliveries.matterId, matterId))).find((d) => d.template === WAITING_RECEIPT)!;

  it('routing while the receipt is still pending: one receipt naming the officer', async () => {
    const m = await reported();
    await route(m.id);
    waitOver();
    await send('job-receipt');
    expect(told()).toHaveLength(1);
    expectOneReceipt(m.ref);
    expect((await receiptRow(m.id)).status).toBe('superseded');
  });

  it('the receipt sent, then routing: the officer named in a notice that follows', async () => {
    const m = await reported();
    waitOver();
    await send('job-receipt');
    await route(m.id);
    await send('job-routed');
    expect(told()).toHaveLength(2);
    expect(told()[1]).toContain('已交由');
    expectOneReceipt(m.ref);
  });

  it('the receipt in flight, then routing, then the platform accepts it', async () => {
    const m = await reported();
    waitOver();
    const { run: sending } = await inFlight('job-receipt');
    // Routing finds the receipt claimed: it cannot take it back, so the officer's name follows.
    await route(m.id);
    telegram.finish('ok');
    await sending;
    // The follow-up queued behind the receipt went out in the same run.
    expect(told()).toHaveLength(2);
    expectOneReceipt(m.ref);
    expect((await receiptRow(m.id)).status).toBe('sent');
  });

  it('the receipt in flight, then routing, then the send fails: the receipt is sent again, not withdrawn', async () => {
    const m = await reported();
    waitOver();
    const { run: sending } = await inFlight('job-receipt');
    await route(m.id);
    // Redis died under the send (the soak's case): the attempt fails and the row is given back.
    telegram.finish(Object.assign(new Error('Connection is closed.'), { code: 'ECONNRESET' }));
    await expect(sending).rejects.toThrow('Connection is closed.');
    expect(told()).toEqual([]);
    now += 2_000;
    // The job's retry (the same job id), or the reconciler's job after a wiped Redis.
    await send('job-receipt');
    expect(told()).toHaveLength(2);
    expectOneReceipt(m.ref);
  });

  it('the receipt in flight, then routing, then its sender dies and the lease runs out', async () => {
    const m = await reported();
    waitOver();
    const dying = (await inFlight('job-dead')).run.catch((e: Error) => e);
    await route(m.id);
    now += SEND_LEASE_MS + 1_000;
    // The reconciler's job takes the stale claim: the receipt goes, then the follow-up.
    await send('job-reconciler');
    expect(told()).toHaveLength(2);
    expectOneReceipt(m.ref);
    // The dead sender's call comes back failed long after: it gives back nothing it no longer holds.
    telegram.finish(new Error('socket hang up'));
    expect(await dying).toBeInstanceOf(Error);
    expect((await receiptRow(m.id)).status).toBe('sent');
    await send('job-later');
    expect(told()).toHaveLength(2);
  });

  it('the send fails before routing: the receipt is sent again, and routing only adds the officer', async () => {
    const m = await reported();
    waitOver();
    const { run: sending } = await inFlight('job-receipt');
    telegram.finish(new Error('ETIMEDOUT'));
    await expect(sending).rejects.toThrow();
    // Given back after a failed attempt (which may have reached the platform): routing leaves it.
    await route(m.id);
    await send('job-receipt');
    expect(told()).toHaveLength(2);
    expectOneReceipt(m.ref);
  });

  it('routing and a sender reach the row in either order: exactly one of them has it', async () => {
    const a = await reported();
    // Routing first: the sender's claim finds nothing to send.
    expect(await supersedeWaiting(store.db, a.id, WAITING_RECEIPT)).toBe(true);
    const rowA = await receiptRow(a.id);
    expect(await claimDelivery(store.db, rowA.id, 'job', new Date(now), new Date(now - SEND_LEASE_MS))).toBeUndefined();
    // The claim first: routing takes nothing back, even once the claim is stale.
    const b = await intake(ctx, { eventId: `wr:${++n}`, platform: 'telegram', externalUserId: '1001', kind: 'report', category: 'help', text: '水渠堵了', receivedAt: new Date(now).toISOString() });
    if (b.status !== 'created') throw new Error(b.status);
    const rowB = await receiptRow(b.matter.id);
    expect(await claimDelivery(store.db, rowB.id, 'job', new Date(now), new Date(now - SEND_LEASE_MS))).toBeTruthy();
    now += SEND_LEASE_MS * 10;
    expect(await supersedeWaiting(store.db, b.matter.id, WAITING_RECEIPT)).toBe(false);
  });

  it('nobody on duty, receipt in flight: the receipt, then who at the village answers for it', async () => {
    const m = await reported(false);
    waitOver();
    const { run: sending } = await inFlight('job-receipt');
    await route(m.id);
    telegram.finish(new Error('ECONNRESET'));
    await expect(sending).rejects.toThrow();
    await send('job-receipt');
    const texts = told();
    expect(texts.filter((t) => t.includes(`受理编号 ${m.ref}`))).toHaveLength(1);
    expect(texts[1]).toContain('村里');
  });
});
