// A message written to a queue whose send job is still at it goes with that job: the relay hands
// the wake to the running job (no job of its own), which reads its queue once more before it ends.
// Each message goes once, in written order.
import { eq, isNull } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import type { Channel, ChatTarget, OutboundMessage } from '../../../src/ports/channel.js';
import { deliveries, outbox } from '../../../src/store/schema.js';
import { waitIdle } from '../../support/idle.js';
import { oneVillagerQueue } from '../../support/one-queue.js';
import { QUEUE_KINDS } from '../../support/runtime.js';
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
  const q = oneVillagerQueue(kind, () => new GatedChannel());

  it('sends what was written while its job was sending with that job, in order, each once', async () => {
    await q.notice('0000-0001');
    await waitFor(() => q.channel.entered, 'the first message inside the platform call');
    await q.notice('0000-0002');
    await q.notice('0000-0003');
    // Relayed: taken by the running job, not queued as jobs of their own.
    await waitFor(async () => (await q.store.db.select().from(outbox).where(isNull(outbox.relayedAt))).length === 0, 'the outbox relayed');
    q.channel.open();
    await waitIdle(q.runtime);
    expect(q.channel.texts.map((t) => /0000-000\d/.exec(t)?.[0])).toEqual(['0000-0001', '0000-0002', '0000-0003']);
    const rows = await q.store.db.select().from(deliveries).where(eq(deliveries.recipient, `person:${q.villager.id}`));
    expect(rows.map((r) => [r.status, r.attempts])).toEqual([
      ['sent', 1],
      ['sent', 1],
      ['sent', 1],
    ]);
    expect(q.sends.runs).toHaveLength(1);
  }, 60_000);
});
