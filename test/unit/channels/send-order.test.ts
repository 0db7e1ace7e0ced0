import { describe, expect, it } from 'vitest';
import { FIRST_BEHIND_ANSWERS_MS, SendOrder, SlotRefusedError } from '../../../src/channels/send-order.js';
import { SendScheduler } from '../../../src/channels/telegram/send-scheduler.js';
import type { SendClass } from '../../../src/domain/send-class.js';

/** A budget whose slots come when the test says: `take` waits until `give` is called. */
function budget() {
  const pending: Array<() => void> = [];
  let taken = 0;
  let wake: (() => void) | null = null;
  return {
    take: () =>
      new Promise<number>((r) => {
        taken++;
        pending.push(() => r(0));
        wake?.();
      }),
    /** Waits until the pump has asked for a slot, then gives it. */
    async give() {
      while (!pending.length) await new Promise<void>((r) => (wake = r));
      pending.shift()!();
      // Let the grant run.
      await new Promise((r) => setImmediate(r));
    },
    get taken() {
      return taken;
    },
  };
}

describe('SendOrder', () => {
  it('gives each slot to the most urgent waiting send: answer, then receipt or first notice, then notices, then bulk; arrival within a class', async () => {
    const b = budget();
    const order = new SendOrder(b.take);
    const out: string[] = [];
    const wait = (cls: SendClass, name: string) => order.acquire(cls).then(() => out.push(name));
    const all = [wait('bulk', 'bulk1'), wait('bulk', 'bulk2'), wait('notice', 'notice1'), wait('bulk', 'bulk3'), wait('first', 'receipt'), wait('notice', 'notice2'), wait('answer', 'question'), wait('first', 'assigned')];
    for (let i = 0; i < 8; i++) await b.give();
    await Promise.all(all);
    expect(out).toEqual(['question', 'receipt', 'assigned', 'notice1', 'notice2', 'bulk1', 'bulk2', 'bulk3']);
  });

  it('a receipt that comes while bulk waits takes the next slot', async () => {
    const b = budget();
    const order = new SendOrder(b.take);
    const out: string[] = [];
    const bulk = Array.from({ length: 5 }, (_, i) => order.acquire('bulk').then(() => out.push(`bulk${i}`)));
    await b.give();
    await b.give();
    const receipt = order.acquire('first').then(() => out.push('receipt'));
    const notice = order.acquire('notice').then(() => out.push('notice'));
    for (let i = 0; i < 5; i++) await b.give();
    await Promise.all([...bulk, receipt, notice]);
    expect(out).toEqual(['bulk0', 'bulk1', 'receipt', 'notice', 'bulk2', 'bulk3', 'bulk4']);
  });

  it('takes one slot per send and none for nobody', async () => {
    const b = budget();
    const order = new SendOrder(b.take);
    const sends = Array.from({ length: 4 }, () => order.acquire('notice'));
    for (let i = 0; i < 4; i++) await b.give();
    await Promise.all(sends);
    expect(b.taken).toBe(4);
    expect(order.queued).toEqual({ answer: 0, first: 0, notice: 0, bulk: 0 });
  });

  it('a send that waits past its bound gives up its place, and the slot goes to the next', async () => {
    const b = budget();
    const order = new SendOrder(b.take);
    const late = order.acquire('bulk', 5);
    await expect(late).rejects.toBeInstanceOf(SlotRefusedError);
    // The slot asked for the late one goes to the send waiting when it comes.
    const next = order.acquire('notice');
    await b.give();
    await next;
    expect(b.taken).toBe(1);
    expect(order.queued).toEqual({ answer: 0, first: 0, notice: 0, bulk: 0 });
  });

  it('with a backlog, grants at the budget’s rate, never faster (in-process GCRA, virtual clock)', async () => {
    let now = 0;
    const s = new SendScheduler({ globalPerSecond: 30 }, () => now);
    const slots: number[] = [];
    // The pump asks the bucket for each slot as the previous one is granted: 60 asks give 60 slots 1/30 s apart.
    for (let i = 0; i < 60; i++) {
      const wait = s.reserveGlobal();
      now += wait;
      slots.push(now);
    }
    const gaps = slots.slice(1).map((t, i) => t - slots[i]!);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(33);
    expect(slots.at(-1)! - slots[0]!).toBeLessThanOrEqual(59 * 34);
  });
});

describe('SendOrder under a flood of answers', () => {
  it('a receipt waits behind answers at most its while, then goes in arrival order with them; notices never pass it', async () => {
    let now = 0;
    const b = budget();
    const order = new SendOrder(b.take, () => now);
    const out: string[] = [];
    const wait = (cls: SendClass, name: string) => order.acquire(cls).then(() => out.push(name));
    const all = [wait('answer', 'a1'), wait('notice', 'n1'), wait('first', 'receipt'), wait('answer', 'a2')];
    await b.give(); // a1: the receipt has not waited its while yet
    await b.give(); // a2
    all.push(wait('answer', 'a3'));
    now += FIRST_BEHIND_ANSWERS_MS;
    all.push(wait('answer', 'a4'));
    for (let i = 0; i < 4; i++) await b.give();
    await Promise.all(all);
    expect(out).toEqual(['a1', 'a2', 'receipt', 'a3', 'a4', 'n1']);
  });
});
