// The access_token (获取access_token, https://developer.work.weixin.qq.com/document/path/91039):
// valid expires_in seconds (normally 7200), to be cached — gettoken called too often is blocked —
// and fetched again when WeCom says it expired (42001) or is invalid (40014), since WeCom may end
// one early. Each secret (the app's, 微信客服's) has its own token.

export interface CachedToken {
  token: string;
  /** Epoch ms after which it is not used. */
  expiresAt: number;
}

/**
 * Where the token lives, shared by every process sending for the same secret (Redis, wired later).
 * `exclusive` runs `fn` while no other process runs it for the same key, so one refresh serves all.
 */
export interface TokenCache {
  get(key: string): Promise<CachedToken | undefined>;
  set(key: string, value: CachedToken): Promise<void>;
  exclusive<T>(key: string, fn: () => Promise<T>): Promise<T>;
}

/** This process's memory: right for one process (the embedded default) and for tests. */
export class MemoryTokenCache implements TokenCache {
  private readonly tokens = new Map<string, CachedToken>();
  private readonly locks = new Map<string, Promise<unknown>>();

  async get(key: string): Promise<CachedToken | undefined> {
    return this.tokens.get(key);
  }

  async set(key: string, value: CachedToken): Promise<void> {
    this.tokens.set(key, value);
  }

  async exclusive<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const before = this.locks.get(key) ?? Promise.resolve();
    const run = before.then(fn, fn);
    const tail = run.catch(() => undefined);
    this.locks.set(key, tail);
    try {
      return await run;
    } finally {
      if (this.locks.get(key) === tail) this.locks.delete(key);
    }
  }
}

/** A token is not used in its last minute, so a call never starts with one about to lapse. */
export const TOKEN_MARGIN_MS = 60_000;

export interface TokenSourceOptions {
  cache: TokenCache;
  /** Names the secret: `wecom:token:<corpid>:<agentid or kf>`. */
  key: string;
  /** Calls gettoken. */
  fetchToken: () => Promise<{ token: string; expiresInSec: number }>;
  now?: () => number;
}

/**
 * Hands out the token; refreshes it once however many callers (in this process, and through the
 * cache's lock in others) find it expired at the same moment.
 */
export class TokenSource {
  private inflight: Promise<string> | undefined;
  private readonly now: () => number;
  /** How many times gettoken was called by this process (for tests and metrics). */
  fetches = 0;

  constructor(private readonly opts: TokenSourceOptions) {
    this.now = opts.now ?? Date.now;
  }

  async get(): Promise<string> {
    const cached = await this.opts.cache.get(this.opts.key);
    if (cached && this.fresh(cached)) return cached.token;
    return this.refresh(cached?.token);
  }

  /**
   * A new token, unless the cache already holds one other than `stale` (someone refreshed it
   * meanwhile). `stale`: the token WeCom just refused.
   */
  refresh(stale?: string): Promise<string> {
    this.inflight ??= this.opts.cache
      .exclusive(this.opts.key, async () => {
        const cur = await this.opts.cache.get(this.opts.key);
        if (cur && cur.token !== stale && this.fresh(cur)) return cur.token;
        this.fetches += 1;
        const got = await this.opts.fetchToken();
        await this.opts.cache.set(this.opts.key, { token: got.token, expiresAt: this.now() + got.expiresInSec * 1000 });
        return got.token;
      })
      .finally(() => {
        this.inflight = undefined;
      });
    return this.inflight;
  }

  private fresh(t: CachedToken): boolean {
    return t.expiresAt - TOKEN_MARGIN_MS > this.now();
  }
}
