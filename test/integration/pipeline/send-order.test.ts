// One way out: a villager's notifications and the answers in their conversation wait in one queue
// and leave in the order they were written, through the one send job, even when the platform
// refuses the first with a 429 and the later ones' jobs run while it waits.
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import type { Platform } from '../../../src/domain/types.js';
import { t } from '../../../src/i18n/index.js';
import { RetryAfterError, type Channel, type ChatTarget, type OutboundMessage } from '../../../src/ports/channel.js';
import { outboxJob } from '../../../src/ports/jobs.js';
import { answerUnreadable } from '../../../src/services/chat-service.js';
import { createChatOutputs } from '../../../src/store/repositories/delivery-repository.js';
import { enqueue } from '../../../src/store/repositories/outbox-repository.js';
import { deliveries } from '../../../src/store/schema.js';
import { waitIdle } from '../../support/idle.js';
import { oneVillagerQueue } from '../../support/one-queue.js';
import { openTestRuntime, QUEUE_KINDS } from '../../support/runtime.js';
import { waitFor } from '../../support/wait.js';

/** A Telegram stand-in at the port: notes every call in order; refuses the first with a 429. */
class RefusingChannel implements Channel {
  readonly name = 'telegram' as const;
  readonly calls: Array<{ chatId: string; text: string; status: 200 | 429 }> = [];
  constructor(
    private refusals = 1,
    private readonly waitMs = 700,
  ) {}
  async deliver(to: ChatTarget, message: OutboundMessage): Promise<{ messageRef?: string }> {
    const text = message.kind === 'message' ? message.text : message.kind;
    if (this.refusals > 0) {
      this.refusals--;
      this.calls.push({ chatId: to.chatId, text, status: 429 });
      throw new RetryAfterError(this.waitMs, 'telegram');
    }
    this.calls.push({ chatId: to.chatId, text, status: 200 });
    return { messageRef: String(this.calls.length) };
  }
}

describe.each(QUEUE_KINDS)('one recipient, one queue (queues on %s)', (kind) => {
  const q = oneVillagerQueue(kind, () => new RefusingChannel());

  /** What the bot says in the villager's private chat, as the conversation writes it. */
  async function answer(text: string): Promise<void> {
    await q.store.db.transaction(async (tx) => {
      const queues = await createChatOutputs(tx, [
        { id: randomUUID(), platform: 'telegram', chatId: '1001', userId: '1001', eventId: `telegram:update:${text}`, personId: q.villager.id, output: { kind: 'message', text } },
      ]);
      await enqueue(tx, queues.map((recipient) => outboxJob('send', { recipient })));
    });
    q.runtime.ctx.outboxWritten();
  }

  it('sends notifications and conversation answers in written order, the first held by a 429 and not overtaken', async () => {
    await q.notice('0000-0001');
    // The first is refused and waits its Retry-After; what is written meanwhile queues behind it.
    await waitFor(() => q.channel.calls.length === 1, 'the first message refused');
    await answer('第一句回答');
    // The conversation's own writer (an update it could not read): it lands in the same queue.
    await q.store.db.transaction((tx) =>
      answerUnreadable(tx, { platform: 'telegram', eventId: 'telegram:update:unreadable', userId: '1001', chatId: '1001', chatType: 'private', content: { kind: 'text', text: '' } }),
    );
    q.runtime.ctx.outboxWritten();
    await q.notice('0000-0002');
    await answer('第二句回答');
    await waitIdle(q.runtime);

    expect(q.channel.calls.map((c) => [c.status, c.text.includes('0000-0001') ? 'n1' : c.text.includes('0000-0002') ? 'n2' : c.text])).toEqual([
      [429, 'n1'],
      [200, 'n1'],
      [200, '第一句回答'],
      [200, t('zh-CN', 'flows:common.unreadable')],
      [200, 'n2'],
      [200, '第二句回答'],
    ]);
    expect(q.channel.calls.every((c) => c.chatId === '1001')).toBe(true);
    const rows = await q.store.db.select().from(deliveries).where(eq(deliveries.recipient, `person:${q.villager.id}`));
    expect(rows).toHaveLength(5);
    expect(rows.every((r) => r.status === 'sent')).toBe(true);
    // Only the first job met the 429. The later rows did not wait for its retry to have a job: rows
    // written while it was still sending were handed to it and, when the 429 came, given back as a
    // job of their own (send-wakes.ts); rows written after it had their own jobs. Those ran while the
    // first waited and left the queue to it, so there were at least three runs: the 429, one such
    // job, and the first job's send after its wait. (One job per row written, five or more runs,
    // was the rule before a draining job took the rows written meanwhile.)
    expect(q.sends.runs.filter((r) => r.outcome.startsWith('retry_after'))).toHaveLength(1);
    expect(q.sends.runs.length).toBeGreaterThanOrEqual(3);
  }, 60_000);

  it('keeps queues apart: one chat waiting out a 429 does not hold another', async () => {
    // A long wait, so the other chat's message plainly goes while this one waits.
    const long = new RefusingChannel(1, 5000);
    await q.runtime.close();
    q.runtime = await openTestRuntime(q.store, kind, { channels: new Map<Platform, Channel>([['telegram', long]]) });
    q.runtime.startWorkers({ concurrency: 10 });
    q.channel = long;
    await q.notice('0000-0003');
    await waitFor(() => q.channel.calls.length === 1, 'the first message refused');
    // Another chat's message goes at once, while the villager's waits.
    await q.store.db.transaction(async (tx) => {
      const queues = await createChatOutputs(tx, [{ id: randomUUID(), platform: 'telegram', chatId: '-100777', userId: '2002', eventId: 'telegram:update:group', personId: null, output: { kind: 'message', text: '群里的回答' } }]);
      await enqueue(tx, queues.map((recipient) => outboxJob('send', { recipient })));
    });
    q.runtime.ctx.outboxWritten();
    await waitFor(() => q.channel.calls.length === 2, 'the other chat served');
    expect((await q.store.db.select().from(deliveries).where(eq(deliveries.recipient, `person:${q.villager.id}`)))[0]!.status).toBe('pending');
    await waitIdle(q.runtime, { horizonMs: 8000 });
    expect(q.channel.calls.map((c) => [c.status, c.chatId])).toEqual([
      [429, '1001'],
      [200, '-100777'],
      [200, '1001'],
    ]);
  }, 60_000);
});
