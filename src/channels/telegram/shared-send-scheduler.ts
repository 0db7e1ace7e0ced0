// Telegram's limits kept in shared buckets (Redis), so N processes sending with one token stay
// within them together: the same slots as SendScheduler, taken from one budget per token.
import type { Bucket, RateBuckets } from '../../ports/rate-buckets.js';
import { isGroupChat, TELEGRAM_LIMITS, type RateLimits, type Slot } from './send-scheduler.js';

/** What the adapter asks of a scheduler: SendScheduler (this process) and SharedSendScheduler both answer. */
export interface SendLimiter {
  reserve(chatId: string, group: boolean, maxWaitMs?: number): Slot | Promise<Slot>;
  reserveGlobal(): number | Promise<number>;
  pause(chatId: string, ms: number): void | Promise<void>;
}

export class SharedSendScheduler implements SendLimiter {
  private readonly limits: RateLimits;

  /** `botId`: the token's bot id (the part before the colon), never the secret part. */
  constructor(
    private readonly buckets: RateBuckets,
    private readonly botId: string,
    limits: Partial<RateLimits> = {},
  ) {
    this.limits = { ...TELEGRAM_LIMITS, ...limits };
  }

  private chatBucket(chatId: string, group: boolean): Bucket {
    const l = this.limits;
    return group
      ? { key: `tg:${this.botId}:g:${chatId}`, intervalMs: 60_000 / l.groupPerMinute, burst: l.groupBurst }
      : { key: `tg:${this.botId}:c:${chatId}`, intervalMs: 1000 / l.chatPerSecond, burst: l.chatBurst };
  }

  reserve(chatId: string, group: boolean, maxWaitMs = Infinity): Promise<Slot> {
    return this.buckets.reserve(this.chatBucket(chatId, group), maxWaitMs);
  }

  async reserveGlobal(): Promise<number> {
    const perSecond = this.limits.globalPerSecond;
    const slot = await this.buckets.reserve({ key: `tg:${this.botId}:*`, intervalMs: 1000 / perSecond, burst: Math.max(1, this.limits.globalBurst ?? 1) });
    return 'waitMs' in slot ? slot.waitMs : slot.refusedMs;
  }

  pause(chatId: string, ms: number): Promise<void> {
    return this.buckets.hold(this.chatBucket(chatId, isGroupChat(chatId)), ms);
  }
}

/** The bot id in a token (`123456:ABC…` → `123456`): public, and the same for every process. */
export function botIdOf(token: string): string {
  return token.split(':')[0] ?? token;
}
