// Flood control per person: a burst (an album, a few quick lines) passes; a stream beyond the
// rate is dropped, and the person is told at most once a minute to slow down. The budgets are
// kept where every process of the deployment sees them (Redis, or the database; this process
// when none is given), so N processes on one bot apply one limit per person.
import { MemoryRateBuckets, type Bucket, type RateBuckets } from '../ports/rate-buckets.js';

export interface FloodLimits {
  /** Updates that may arrive at once. */
  burst: number;
  /** The steady rate allowed. */
  perMinute: number;
}

export const DEFAULT_FLOOD_LIMITS: FloodLimits = { burst: 20, perMinute: 30 };

/** A person being dropped hears "slow down" at most this often. */
export const FLOOD_WARN_EVERY_MS = 60_000;

export type FloodVerdict = 'pass' | 'warn' | 'drop';

/** How long a delivery's verdict is remembered for its redeliveries, and how many are kept. */
const VERDICT_MEMORY_MS = 15 * 60_000;
const VERDICT_MEMORY_SIZE = 10_000;

export class FloodGuard {
  private readonly interval: number;
  /** Verdicts by delivery: a platform delivering the same update again (we could not queue it) gets the same verdict and spends nothing. */
  private readonly verdicts = new Map<string, { verdict: FloodVerdict; at: number }>();

  /** `scope` keeps one bot's people apart from another's in shared buckets (e.g. telegram:<bot id>). */
  constructor(
    private readonly limits: FloodLimits = DEFAULT_FLOOD_LIMITS,
    private readonly buckets: RateBuckets = new MemoryRateBuckets(),
    private readonly scope = 'local',
  ) {
    this.interval = 60_000 / limits.perMinute;
  }

  /**
   * `deliveryId` names the update (Telegram's update_id): its redeliveries, while the database was
   * away, count once, so a person whose one message was refused twenty times is not then dropped.
   */
  async check(userId: string, deliveryId?: string, now = Date.now()): Promise<FloodVerdict> {
    if (deliveryId === undefined) return this.decide(userId);
    const known = this.verdicts.get(deliveryId);
    if (known && now - known.at < VERDICT_MEMORY_MS) return known.verdict;
    const verdict = await this.decide(userId);
    this.verdicts.delete(deliveryId);
    this.verdicts.set(deliveryId, { verdict, at: now });
    // Oldest first in a Map: forget beyond the size kept.
    for (const key of this.verdicts.keys()) {
      if (this.verdicts.size <= VERDICT_MEMORY_SIZE) break;
      this.verdicts.delete(key);
    }
    return verdict;
  }

  private async decide(userId: string): Promise<FloodVerdict> {
    const person: Bucket = { key: `flood:${this.scope}:${userId}`, intervalMs: this.interval, burst: this.limits.burst };
    if ('waitMs' in (await this.buckets.reserve(person, 0))) return 'pass';
    const warning: Bucket = { key: `flood-warned:${this.scope}:${userId}`, intervalMs: FLOOD_WARN_EVERY_MS, burst: 1 };
    return 'waitMs' in (await this.buckets.reserve(warning, 0)) ? 'warn' : 'drop';
  }
}
