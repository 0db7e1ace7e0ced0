// The budgets a platform gives a bot (messages a second per chat, per channel, overall), kept
// where every process sending with the same token sees them: Redis when the queues are on Redis
// (src/queue/redis-rate-buckets.ts), this process otherwise (the embedded default runs one
// process). Each budget is a GCRA bucket: "when is the next message allowed".

export interface Bucket {
  /** Names the budget: the same key in two processes is the same budget. */
  key: string;
  /** One message per `intervalMs` on average… */
  intervalMs: number;
  /** …and up to `burst` at once. */
  burst: number;
}

export type Slot = { waitMs: number } | { refusedMs: number };

export interface RateBuckets {
  /**
   * Reserves the next slot of the bucket and says how long to wait for it. When the wait would
   * exceed `maxWaitMs` (default: no bound), nothing is reserved and the wait comes back refused.
   */
  reserve(bucket: Bucket, maxWaitMs?: number): Promise<Slot>;
  /** The platform said wait: nothing passes this bucket for `ms`. */
  hold(bucket: Bucket, ms: number): Promise<void>;
  close?(): Promise<void>;
}

/** One GCRA step: the slot after `tat` (the bucket's theoretical arrival time), at `now`. */
export function gcra(tat: number | undefined, now: number, b: Pick<Bucket, 'intervalMs' | 'burst'>, maxWaitMs = Infinity): { at: number; tat: number } | { refusedMs: number } {
  const current = tat ?? now;
  const at = Math.max(now, current - (b.burst - 1) * b.intervalMs);
  if (at - now > maxWaitMs) return { refusedMs: Math.round(at - now) };
  return { at, tat: Math.max(current, at) + b.intervalMs };
}

/** The buckets of this process only: right when one process sends for the token. */
export class MemoryRateBuckets implements RateBuckets {
  private readonly tat = new Map<string, number>();
  private calls = 0;

  constructor(private readonly now: () => number = Date.now) {}

  async reserve(bucket: Bucket, maxWaitMs = Infinity): Promise<Slot> {
    const now = this.now();
    const step = gcra(this.tat.get(bucket.key), now, bucket, maxWaitMs);
    if ('refusedMs' in step) return step;
    this.tat.set(bucket.key, step.tat);
    // Buckets that are full again are forgotten, so the map does not grow for ever.
    if (++this.calls % 1000 === 0) for (const [k, v] of this.tat) if (v < now) this.tat.delete(k);
    return { waitMs: Math.ceil(step.at - now) };
  }

  async hold(bucket: Bucket, ms: number): Promise<void> {
    const held = this.now() + ms + (bucket.burst - 1) * bucket.intervalMs;
    this.tat.set(bucket.key, Math.max(this.tat.get(bucket.key) ?? 0, held));
  }
}
