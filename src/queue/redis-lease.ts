// A lease in Redis: a key set only when absent, with a time to live, renewed by its holder
// (compare-and-extend), so a process that dies frees it within `ttlMs`.
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Lease } from '../ports/lease.js';
import type { Logger } from '../logger.js';

const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

export class RedisLease implements Lease {
  private readonly redis: Redis;
  private readonly owner = `${process.pid}-${randomBytes(6).toString('hex')}`;
  readonly renewEveryMs: number;

  constructor(
    url: string,
    private readonly key: string,
    logger: Logger,
    private readonly ttlMs = 15_000,
  ) {
    this.renewEveryMs = Math.floor(ttlMs / 3);
    this.redis = new Redis(url, { maxRetriesPerRequest: 1 });
    this.redis.on('error', (err) => logger.warn({ err: { message: err.message } }, 'redis connection error (lease)'));
  }

  async acquire(): Promise<boolean> {
    return (await this.redis.set(this.key, this.owner, 'PX', this.ttlMs, 'NX')) === 'OK' || (await this.renew());
  }

  async renew(): Promise<boolean> {
    try {
      return (await this.redis.eval(RENEW, 1, this.key, this.owner, this.ttlMs)) === 1;
    } catch {
      return false;
    }
  }

  async release(): Promise<void> {
    await this.redis.eval(RELEASE, 1, this.key, this.owner).catch(() => {});
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
