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

export class FloodGuard {
  private readonly interval: number;

  /** `scope` keeps one bot's people apart from another's in shared buckets (e.g. telegram:<bot id>). */
  constructor(
    private readonly limits: FloodLimits = DEFAULT_FLOOD_LIMITS,
    private readonly buckets: RateBuckets = new MemoryRateBuckets(),
    private readonly scope = 'local',
  ) {
    this.interval = 60_000 / limits.perMinute;
  }

  async check(userId: string): Promise<FloodVerdict> {
    const person: Bucket = { key: `flood:${this.scope}:${userId}`, intervalMs: this.interval, burst: this.limits.burst };
    if ('waitMs' in (await this.buckets.reserve(person, 0))) return 'pass';
    const warning: Bucket = { key: `flood-warned:${this.scope}:${userId}`, intervalMs: FLOOD_WARN_EVERY_MS, burst: 1 };
    return 'waitMs' in (await this.buckets.reserve(warning, 0)) ? 'warn' : 'drop';
  }
}
