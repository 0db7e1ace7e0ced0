// A message written to a queue whose send job is still at it goes with that job: the relay hands
// the wake to the running job (no job of its own), which reads its queue once more before it ends.
// Each message goes once, in written order.
import { randomUUID } from 'node:crypto';
import { eq, isNull } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Platform } from '../../../src/domain/types.js';
import type { Channel, ChatTarget, OutboundMessage } from '../../../src/ports/channel.js';
import { sendJobs } from '../../../src/services/send-jobs.js';
import { createDeliveries } from '../../../src/store/repositories/delivery-repository.js';
import { enqueue } from '../../../src/store/repositories/outbox-repository.js';
import { deliveries, outbox } from '../../../src/store/schema.js';
import { newTree, newVillager, type PersonRow } from '../../support/factories.js';
import { waitIdle } from '../../support/idle.js';
import { recordJobRuns } from '../../support/job-runs.js';
import { openTestRuntime, QUEUE_KINDS, type TestRuntime } from '../../support/runtime.js';
import { openTestStore, type TestStore } from '../../support/store.js';
import { waitFor } from '../../support/wait.js';

/** A Telegram stand-in whose first send stops inside the platform call until the test lets it go. */
class GatedChannel implements Channel {
  readonly name = 'telegram' as const;
  readonly texts: string[] = [];
  entered = false;
  private release!: () => void;
  private readonly gate = new Promise<void>((r) => (this.release = r));
  open(): void {
    this.release();
  }
  async deliver(_to: ChatTarget, message: OutboundMessage): Promise<{ messageRef?: string }> {
    if (!this.entered) {
      this.entered = true;
      await this.gate;
    }
    this.texts.push(message.kind === 'message' ? message.text : message.kind);
    return { messageRef: String(this.texts.length) };
  }
}

describe.each(QUEUE_KINDS)('a send job takes the wakes of its queue (queues on %s)', (kind) => {
  let store: TestStore;
  let runtime: TestRuntime;
  let channel: GatedChannel;
  let villager: PersonRow;
  const sends = recordJobRuns(['send']);

  beforeEach(async () => {
    store = await openTestStore('postgres');
    const tree = await newTree(store.db);
    villager = await newVillager(store.db, tree.unit, '王秀英', { telegram: '1001' });
    channel = new GatedChannel();
    runtime = await openTestRuntime(store, kind, { channels: new Map<Platform, Channel>([['telegram', channel]]) });
    sends.runs.length = 0;
    runtime.startWorkers({ concurrency: 10, wrap: sends.wrap });
  });
  afterEach(async () => {
    await runtime?.close();
    await store?.close();
  });

  async function notice(ref: string): Promise<void> {
    await store.db.transaction(async (tx) => {
      const rows = [{ id: randomUUID(), personId: villager.id, matterId: null, template: 'size_marked', params: { ref, sizeName: '小事' } }];
      await createDeliveries(tx, rows);
      await enqueue(tx, sendJobs(rows));
    });
    runtime.ctx.outboxWritten();
  }

  it('sends what was written while its job was sending with that job, in order, each once', async () => {
    await notice('0000-0001');
    await waitFor(() => channel.entered, 'the first message inside the platform call');
    await notice('0000-0002');
    await notice('0000-0003');
    // Relayed: taken by the running job, not queued as jobs of their own.
    await waitFor(async () => (await store.db.select().from(outbox).where(isNull(outbox.relayedAt))).length === 0, 'the outbox relayed');
    channel.open();
    await waitIdle(runtime);
    expect(channel.texts.map((t) => /0000-000\d/.exec(t)?.[0])).toEqual(['0000-0001', '0000-0002', '0000-0003']);
    const rows = await store.db.select().from(deliveries).where(eq(deliveries.recipient, `person:${villager.id}`));
    expect(rows.map((r) => [r.status, r.attempts])).toEqual([
      ['sent', 1],
      ['sent', 1],
      ['sent', 1],
    ]);
    expect(sends.runs).toHaveLength(1);
  }, 60_000);
});
