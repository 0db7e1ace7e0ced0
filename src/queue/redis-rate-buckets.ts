// The platforms' send budgets in Redis, so every process sending with one token draws on one
// budget. One small script per call: read the bucket, take the slot, write it back, atomically,
// on Redis's clock (processes whose clocks differ still agree).
import { Redis } from 'ioredis';
import type { Bucket, RateBuckets, Slot } from '../ports/rate-buckets.js';
import type { Logger } from '../logger.js';

// KEYS[1] the bucket; ARGV: interval ms (fractional), burst, max wait ms (-1: none), hold ms (-1: reserve).
// Returns { wait ms, refused (0/1) }. The key expires once the bucket is full again.
const SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local maxWait = tonumber(ARGV[3])
local holdMs = tonumber(ARGV[4])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local newTat
local wait = 0
if holdMs >= 0 then
  newTat = math.max(tat, now + holdMs + (burst - 1) * interval)
else
  local at = math.max(now, tat - (burst - 1) * interval)
  wait = at - now
  if maxWait >= 0 and wait > maxWait then return { math.ceil(wait), 1 } end
  newTat = math.max(tat, at) + interval
end
redis.call('SET', KEYS[1], tostring(newTat), 'PX', math.ceil(newTat - now) + 1000)
return { math.ceil(wait), 0 }
`;

export class RedisRateBuckets implements RateBuckets {
  private readonly redis: Redis;

  /** `namespace` starts every key (default gridline:rate:); the queue prefix is not part of it, as a token's budget is the platform's. */
  constructor(
    url: string,
    logger: Logger,
    private readonly namespace = 'gridline:rate:',
  ) {
    this.redis = new Redis(url, { maxRetriesPerRequest: 2 });
    this.redis.on('error', (err) => logger.warn({ err: { message: err.message } }, 'redis connection error (send limits)'));
    this.redis.defineCommand('gridlineGcra', { numberOfKeys: 1, lua: SCRIPT });
  }

  private async run(bucket: Bucket, maxWaitMs: number, holdMs: number): Promise<[number, number]> {
    const max = Number.isFinite(maxWaitMs) ? Math.max(0, Math.round(maxWaitMs)) : -1;
    return (this.redis as unknown as { gridlineGcra(...args: unknown[]): Promise<[number, number]> }).gridlineGcra(
      this.namespace + bucket.key,
      // Not rounded: 1000/30 ms rounded down would allow 30.3 a second.
      String(Math.max(0.001, bucket.intervalMs)),
      Math.max(1, Math.round(bucket.burst)),
      max,
      holdMs,
    );
  }

  async reserve(bucket: Bucket, maxWaitMs = Infinity): Promise<Slot> {
    const [wait, refused] = await this.run(bucket, maxWaitMs, -1);
    return refused ? { refusedMs: wait } : { waitMs: wait };
  }

  async hold(bucket: Bucket, ms: number): Promise<void> {
    await this.run(bucket, Infinity, Math.max(0, Math.round(ms)));
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
