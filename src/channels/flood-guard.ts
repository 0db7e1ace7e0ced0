// Flood control per person: a burst (an album, a few quick lines) passes; a stream beyond the
// rate is dropped, and the person is told once to slow down. Kept per process, before the queue.

export interface FloodLimits {
  /** Updates that may arrive at once. */
  burst: number;
  /** The steady rate allowed. */
  perMinute: number;
}

export const DEFAULT_FLOOD_LIMITS: FloodLimits = { burst: 20, perMinute: 30 };

export type FloodVerdict = 'pass' | 'warn' | 'drop';

export class FloodGuard {
  private readonly tat = new Map<string, number>();
  private readonly warned = new Set<string>();
  private readonly interval: number;
  private checks = 0;

  constructor(
    private readonly limits: FloodLimits = DEFAULT_FLOOD_LIMITS,
    private readonly now: () => number = Date.now,
  ) {
    this.interval = 60_000 / limits.perMinute;
  }

  check(userId: string): FloodVerdict {
    const now = this.now();
    const tat = this.tat.get(userId) ?? now;
    if (++this.checks % 1000 === 0) for (const [k, v] of this.tat) if (v < now) (this.tat.delete(k), this.warned.delete(k));
    if (tat - now <= (this.limits.burst - 1) * this.interval) {
      this.tat.set(userId, Math.max(tat, now) + this.interval);
      this.warned.delete(userId);
      return 'pass';
    }
    if (this.warned.has(userId)) return 'drop';
    this.warned.add(userId);
    return 'warn';
  }
}
