// Rate budgets in the database, for deployments whose queues are not on Redis: every process on
// the database draws on one budget. One upsert per reservation, on the database's clock (processes
// whose clocks differ still agree), the row lock making read-and-take atomic.
import { sql } from 'drizzle-orm';
import type { Bucket, RateBuckets, Slot } from '../ports/rate-buckets.js';
import type { Db } from './db.js';
import { queryRows } from './raw.js';

const NOW_MS = sql`(extract(epoch from clock_timestamp()) * 1000)::float8`;

export class DbRateBuckets implements RateBuckets {
  private calls = 0;

  constructor(private readonly db: Db) {}

  async reserve(bucket: Bucket, maxWaitMs = Infinity): Promise<Slot> {
    const interval = Math.max(0.001, bucket.intervalMs);
    const spread = (Math.max(1, Math.round(bucket.burst)) - 1) * interval;
    const max = Number.isFinite(maxWaitMs) ? Math.max(0, maxWaitMs) : Number.MAX_VALUE;
    // A new key is a full bucket: its slot is now. Otherwise the GCRA step, taken only within the bound.
    const rows = await queryRows<{ wait: number }>(
      this.db,
      sql`insert into gridline.rate_buckets as b (key, tat, wait_ms)
          select ${bucket.key}, c.now + ${interval}, 0 from (select ${NOW_MS} as now) c
          on conflict (key) do update set
            tat = greatest(b.tat, greatest(excluded.tat - ${interval}, b.tat - ${spread})) + ${interval},
            wait_ms = greatest(0, b.tat - ${spread} - (excluded.tat - ${interval}))
          where greatest(0, b.tat - ${spread} - (excluded.tat - ${interval})) <= ${max}
          returning wait_ms as wait`,
    );
    if (++this.calls % 1000 === 0) await this.forgetFull();
    if (rows[0]) return { waitMs: Math.ceil(Number(rows[0].wait)) };
    const [held] = await queryRows<{ wait: number }>(this.db, sql`select greatest(0, tat - ${spread} - ${NOW_MS}) as wait from gridline.rate_buckets where key = ${bucket.key}`);
    return { refusedMs: Math.ceil(Number(held?.wait ?? 0)) };
  }

  async hold(bucket: Bucket, ms: number): Promise<void> {
    const spread = (Math.max(1, Math.round(bucket.burst)) - 1) * Math.max(0.001, bucket.intervalMs);
    await this.db.execute(
      sql`insert into gridline.rate_buckets as b (key, tat)
          select ${bucket.key}, c.now + ${Math.max(0, ms)} + ${spread} from (select ${NOW_MS} as now) c
          on conflict (key) do update set tat = greatest(b.tat, excluded.tat)`,
    );
  }

  /** Buckets full again are forgotten, so the table does not grow for ever. */
  private async forgetFull(): Promise<void> {
    await this.db.execute(sql`delete from gridline.rate_buckets where tat < ${NOW_MS} - 3600000`);
  }
}
