// Who goes first within a platform's overall allowance (issue 19 §2). Sends waiting for a slot of
// the token's budget queue here by class (domain/send-class.ts), then in arrival. Each send that
// comes takes a slot of the budget at once (so the budget's slots are taken ahead, as fast as it
// gives them, and a late timer loses none), but a slot is handed, when it comes, to the most
// urgent send waiting then, not to the one that took it: a receipt that arrives while bulk holds
// the next twenty slots goes out at the next one. One slot per waiting send: while anyone waits,
// every slot is used, and none is taken for nobody (but for a send that gave up its place). The budget itself (this process's, or shared in Redis by every
// process on the token) keeps the total within the limit: this only orders this process's sends.
// One bound on the order: a receipt or first notice waits behind conversations' answers at most
// FIRST_BEHIND_ANSWERS_MS, then takes its turn among them by arrival (with a thousand villagers
// talking at once it would otherwise wait until every conversation was done). Notices and bulk
// never pass a receipt, a first notice or an answer.
import { SEND_CLASSES, sendRank, type SendClass } from '../domain/send-class.js';

/** Takes the next slot of the budget and says how long until it comes (ms). */
export type TakeSlot = () => number | Promise<number>;

/** How long a receipt or first notice waits behind answers before it goes in arrival order with them. */
export const FIRST_BEHIND_ANSWERS_MS = 2000;

interface Waiter {
  since: number;
  grant: () => void;
  refuse: (err: unknown) => void;
}

/** Waited longer than it may for a slot: nothing was taken for it, the caller may hand its work back. */
export class SlotRefusedError extends Error {
  override readonly name = 'SlotRefusedError';
  constructor(readonly waitedMs: number) {
    super(`no slot of the overall budget within ${waitedMs} ms`);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class SendOrder {
  private readonly waiting: Waiter[][] = SEND_CLASSES.map(() => []);
  /** Slots taken from the budget and not yet handed to anyone. */
  private reserved = 0;

  constructor(
    private readonly take: TakeSlot,
    private readonly now: () => number = Date.now,
  ) {}

  /** Sends waiting now, per class. */
  get queued(): Record<SendClass, number> {
    return Object.fromEntries(SEND_CLASSES.map((c, i) => [c, this.waiting[i]!.length])) as Record<SendClass, number>;
  }

  /**
   * Resolves when this send's slot has come. Past `maxWaitMs` in the queue it gives up its place
   * and rejects with SlotRefusedError (a lower class may wait long while more urgent sends keep
   * coming; its job hands the message back rather than holding its claim).
   */
  acquire(cls: SendClass | undefined, maxWaitMs = Infinity): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const queue = this.waiting[sendRank(cls)]!;
      let timer: NodeJS.Timeout | undefined;
      const waiter: Waiter = {
        since: this.now(),
        grant: () => {
          if (timer) clearTimeout(timer);
          resolve();
        },
        refuse: (err) => {
          if (timer) clearTimeout(timer);
          reject(err);
        },
      };
      if (Number.isFinite(maxWaitMs)) {
        timer = setTimeout(() => {
          const i = queue.indexOf(waiter);
          if (i < 0) return;
          queue.splice(i, 1);
          reject(new SlotRefusedError(maxWaitMs));
        }, maxWaitMs);
      }
      queue.push(waiter);
      if (this.reserved < this.count) {
        this.reserved++;
        void this.slot();
      }
    });
  }

  private next(): Waiter | undefined {
    const [answers, firsts] = this.waiting as [Waiter[], Waiter[]];
    const first = firsts[0];
    // A receipt that has waited its while behind answers goes when it is its turn by arrival.
    if (first && answers.length && this.now() - first.since >= FIRST_BEHIND_ANSWERS_MS && first.since <= answers[0]!.since) return firsts.shift();
    for (const q of this.waiting) if (q.length) return q.shift();
    return undefined;
  }

  private get count(): number {
    return this.waiting.reduce((n, q) => n + q.length, 0);
  }

  /** Takes one slot of the budget and, when it comes, hands it to the most urgent send waiting then. */
  private async slot(): Promise<void> {
    let wait: number;
    try {
      wait = await this.take();
    } catch (err) {
      // Where the budget is kept is away: the most urgent send fails (its job retries).
      this.reserved--;
      this.next()?.refuse(err);
      return;
    }
    if (wait > 0) await sleep(wait);
    this.reserved--;
    this.next()?.grant();
  }
}
