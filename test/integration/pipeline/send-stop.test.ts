// A service stopped while a villager's queue still holds a backlog stops after the message in
// hand, not after the whole queue at the platform's pace: the rest waits in the queue untouched
// (no attempt used, nothing left claimed) and goes out once, in order, from whichever process
// runs next.
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import type { Platform } from '../../../src/domain/types.js';
import type { Channel, ChatTarget, OutboundMessage } from '../../../src/ports/channel.js';
import { deliveries } from '../../../src/store/schema.js';
import { oneVillagerQueue } from '../../support/one-queue.js';
import { openTestRuntime, QUEUE_KINDS } from '../../support/runtime.js';
import { waitFor } from '../../support/wait.js';

/** Telegram at the port: the first message is held until `release()`; every call is noted in order. */
class HoldingChannel implements Channel {
  readonly name = 'telegram' as const;
  readonly calls: string[] = [];
  private gate: Promise<void> | null;
  release!: () => void;
  constructor(hold = true) {
    this.gate = hold ? new Promise<void>((r) => (this.release = r)) : null;
  }
  async deliver(_to: ChatTarget, message: OutboundMessage): Promise<{ messageRef?: string }> {
    this.calls.push(message.kind === 'message' ? message.text : message.kind);
    const gate = this.gate;
    this.gate = null;
    if (gate) await gate;
    return { messageRef: String(this.calls.length) };
  }
}

const REFS = ['0000-0001', '0000-0002', '0000-0003', '0000-0004', '0000-0005'];

describe.each(QUEUE_KINDS)('a stop with a backlog in a queue (queues on %s)', (kind) => {
  const q = oneVillagerQueue(kind, () => new HoldingChannel());

  it('finishes the message in hand, leaves the rest untouched, and the next process sends them once, in order', async () => {
    for (const ref of REFS) await q.notice(ref);
    await waitFor(() => q.channel.calls.length === 1, 'the first message in flight');

    // The operator stops the service while the first message is at the platform.
    const stopped = q.runtime.drain();
    q.channel.release();
    await stopped;

    // One message went; the stop did not wait for the other four.
    expect(q.channel.calls).toHaveLength(1);
    expect(q.channel.calls[0]).toContain(REFS[0]);
    const rows = await q.store.db.select().from(deliveries).where(eq(deliveries.recipient, `person:${q.villager.id}`));
    expect(rows.filter((r) => r.status === 'sent')).toHaveLength(1);
    // The rest wait as they were written: none claimed, no attempt used.
    const waiting = rows.filter((r) => r.status !== 'sent');
    expect(waiting.map((r) => [r.status, r.claimedBy, r.attempts])).toEqual(Array.from({ length: 4 }, () => ['pending', null, 0]));

    // The next process takes the queue up.
    const next = new HoldingChannel(false);
    const runtime = await openTestRuntime(q.store, kind, { channels: new Map<Platform, Channel>([['telegram', next]]) });
    try {
      runtime.startWorkers({ concurrency: 4 });
      await waitFor(async () => (await q.store.db.select().from(deliveries).where(eq(deliveries.status, 'sent'))).length === 5, 'all five sent');
      expect(next.calls.map((text) => REFS.find((ref) => text.includes(ref)))).toEqual(REFS.slice(1));
    } finally {
      await runtime.close();
    }
  });
});
