// Keeps the bot under Telegram's limits: about one message a second in a chat (short bursts
// allowed), 20 a minute in a group, about 30 a second in all. Each limit is a GCRA bucket
// ("when is the next message allowed"), held in this process: one process serves a county, the
// check costs no round trip, and it counts every message actually sent (a job may send several).
// With the queues on Redis, SharedSendScheduler keeps the same slots there instead, so several
// processes on one token share one budget; a 429 is honoured either way (pause + retry_after).

export interface RateLimits {
  /** Messages a second to one private chat, and the burst allowed above it. */
  chatPerSecond: number;
  chatBurst: number;
  /** Messages a minute to one group, and its burst. */
  groupPerMinute: number;
  groupBurst: number;
  /** Messages a second over all chats. */
  globalPerSecond: number;
  /**
   * Messages sent at once over all chats before the rate applies (default 1: spaced evenly, so no
   * second ever holds more than the rate — Telegram's "about 30 a second" is not a budget to burst).
   */
  globalBurst?: number;
}

export const TELEGRAM_LIMITS: RateLimits = { chatPerSecond: 1, chatBurst: 3, groupPerMinute: 20, groupBurst: 3, globalPerSecond: 30 };

interface Bucket {
  key: string;
  interval: number;
  burst: number;
}

export type Slot = { waitMs: number } | { refusedMs: number };

export class SendScheduler {
  private readonly tat = new Map<string, number>();
  private readonly pausedUntil = new Map<string, number>();
  private readonly limits: RateLimits;
  private reservations = 0;

  constructor(
    limits: Partial<RateLimits> = {},
    private readonly now: () => number = Date.now,
  ) {
    this.limits = { ...TELEGRAM_LIMITS, ...limits };
  }

  /**
   * Reserves the next slot for a message to `chatId` and says how long to wait for it. When the
   * wait would exceed `maxWaitMs`, nothing is reserved and the wait is returned as refused.
   * Once that wait is over, take a slot of the overall budget too (`reserveGlobal`).
   */
  reserve(chatId: string, group: boolean, maxWaitMs = Infinity): Slot {
    const now = this.now();
    const l = this.limits;
    const b: Bucket = group ? { key: `g:${chatId}`, interval: 60_000 / l.groupPerMinute, burst: l.groupBurst } : { key: `c:${chatId}`, interval: 1000 / l.chatPerSecond, burst: l.chatBurst };
    const at = Math.max(now, this.pausedUntil.get(chatId) ?? 0, (this.tat.get(b.key) ?? now) - (b.burst - 1) * b.interval);
    if (at - now > maxWaitMs) return { refusedMs: Math.round(at - now) };
    this.tat.set(b.key, Math.max(this.tat.get(b.key) ?? at, at) + b.interval);
    if (++this.reservations % 1000 === 0) this.prune(now);
    return { waitMs: Math.round(at - now) };
  }

  /**
   * A slot of the overall budget, taken at the moment of sending (not ahead, so that a message
   * held back for its chat does not hold back the others); returns how long to wait for it.
   */
  reserveGlobal(): number {
    const now = this.now();
    const interval = 1000 / this.limits.globalPerSecond;
    const burst = Math.max(1, this.limits.globalBurst ?? 1);
    const tat = this.tat.get('*') ?? now;
    const at = Math.max(now, tat - (burst - 1) * interval);
    this.tat.set('*', Math.max(tat, at) + interval);
    return Math.round(at - now);
  }

  /** Telegram said 429 for this chat: nothing more goes to it until `ms` have passed. */
  pause(chatId: string, ms: number): void {
    this.pausedUntil.set(chatId, Math.max(this.pausedUntil.get(chatId) ?? 0, this.now() + ms));
  }

  /** Forgets chats whose buckets are full again, so the maps do not grow for ever. */
  private prune(now: number): void {
    for (const [k, v] of this.tat) if (v < now) this.tat.delete(k);
    for (const [k, v] of this.pausedUntil) if (v < now) this.pausedUntil.delete(k);
  }
}

/** Telegram's group and channel ids are negative; private chats are the user's (positive) id. */
export function isGroupChat(chatId: string): boolean {
  return chatId.startsWith('-');
}
