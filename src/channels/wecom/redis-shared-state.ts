// The access token and the callback nonces in Redis, so every process behind one WeCom app shares
// them: one process refreshes the token (under a lock) while the others wait and read it; a nonce
// accepted by one process is a replay for all. The caller owns the connection.
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { NonceStore } from './callback-crypto.js';
import type { CachedToken, TokenCache } from './token-cache.js';

const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

export interface RedisSharedOptions {
  /** Starts every key; default `gridline:wecom:`. */
  namespace?: string;
  /** Longest a refresh may hold the lock (then another process may take it); default 15 s. */
  lockMs?: number;
  /** How often a waiting process looks again; default 50 ms. */
  pollMs?: number;
}

export class RedisTokenCache implements TokenCache {
  private readonly ns: string;
  private readonly lockMs: number;
  private readonly pollMs: number;

  constructor(
    private readonly redis: Redis,
    opts: RedisSharedOptions = {},
  ) {
    this.ns = opts.namespace ?? 'gridline:wecom:';
    this.lockMs = opts.lockMs ?? 15_000;
    this.pollMs = opts.pollMs ?? 50;
  }

  async get(key: string): Promise<CachedToken | undefined> {
    const raw = await this.redis.get(this.ns + key);
    if (!raw) return undefined;
    try {
      const v = JSON.parse(raw) as CachedToken;
      return typeof v.token === 'string' && typeof v.expiresAt === 'number' ? v : undefined;
    } catch {
      return undefined;
    }
  }

  async set(key: string, value: CachedToken): Promise<void> {
    const ttl = Math.max(1, Math.ceil(value.expiresAt - Date.now()));
    await this.redis.set(this.ns + key, JSON.stringify(value), 'PX', ttl);
  }

  /** Runs `fn` holding `<key>:lock` (SET NX PX); waits for a holder to finish, at most `lockMs`. */
  async exclusive<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const lock = `${this.ns}${key}:lock`;
    const me = randomBytes(12).toString('hex');
    const deadline = Date.now() + this.lockMs;
    while ((await this.redis.set(lock, me, 'PX', this.lockMs, 'NX')) !== 'OK') {
      if (Date.now() > deadline) break; // a holder that died: its lock lapses at the same time
      await new Promise((r) => setTimeout(r, this.pollMs));
    }
    try {
      return await fn();
    } finally {
      await this.redis.eval(RELEASE, 1, lock, me);
    }
  }
}

export class RedisNonceStore implements NonceStore {
  private readonly ns: string;

  constructor(
    private readonly redis: Redis,
    opts: Pick<RedisSharedOptions, 'namespace'> = {},
  ) {
    this.ns = `${opts.namespace ?? 'gridline:wecom:'}nonce:`;
  }

  async firstSeen(key: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.set(this.ns + key, '1', 'PX', Math.max(1, Math.ceil(ttlMs)), 'NX')) === 'OK';
  }

  async forget(key: string): Promise<void> {
    await this.redis.del(this.ns + key);
  }
}
