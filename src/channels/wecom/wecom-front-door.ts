// WeCom as the composition root sees it: the channel (out), the callback route (in), and what they
// share — the access tokens and the callbacks' nonces in Redis when the queues are there (every
// process behind the URL and sending for the app shares one token and one replay memory), this
// process's memory otherwise (the embedded default runs one process).
import { Redis } from 'ioredis';
import type { Logger } from '../../logger.js';
import type { Admission } from '../../ports/admission.js';
import type { CardEdits } from '../../ports/cards.js';
import type { FileSource } from '../../ports/files.js';
import type { RateBuckets } from '../../ports/rate-buckets.js';
import { FloodGuard, type FloodLimits } from '../flood-guard.js';
import { RedisNonceStore, RedisTokenCache } from './redis-shared-state.js';
import { WecomChannel } from './wecom-channel.js';
import { WecomInbound, WelcomeCodes } from './wecom-inbound.js';

/** The WECOM_* settings (src/config: WecomConfig). */
export interface WecomSettings {
  corpId: string;
  agentId: number;
  secret: string;
  token: string;
  encodingAESKey: string;
  kfSecret?: string;
  kfAccount?: string;
  apiUrl?: string;
  licensedAccounts: number;
}

export interface WecomDeps {
  logger: Logger;
  admission: Admission;
  /** Set when the queues are on Redis: tokens and nonces are kept there. */
  redisUrl?: string;
  /** Starts the keys kept there (default `gridline:`). */
  sharedNamespace?: string;
  rateBuckets?: RateBuckets;
  files?: FileSource;
  cards?: CardEdits;
  /** Longest a send waits for its slot before handing the job back (default 5 s). */
  maxWaitMs?: number;
  /** Where the flood guard keeps its budgets per person (shared: Redis or the database); this process when absent. */
  floodBuckets?: RateBuckets;
  flood?: FloodLimits;
  /** The service's clock; default the wall clock. */
  now?: () => number;
}

export class WecomFrontDoor {
  readonly channel: WecomChannel;
  readonly inbound: WecomInbound;
  private readonly redis: Redis | null;

  constructor(settings: WecomSettings, deps: WecomDeps) {
    this.redis = deps.redisUrl ? new Redis(deps.redisUrl, { maxRetriesPerRequest: 3, lazyConnect: false }) : null;
    // A Redis that is away is logged by the queues already; the error event must have a listener.
    this.redis?.on('error', () => {});
    const welcomes = new WelcomeCodes(deps.now);
    try {
      this.channel = new WecomChannel({
        ...settings,
        logger: deps.logger,
        ...(this.redis ? { tokenCache: new RedisTokenCache(this.redis, { namespace: `${deps.sharedNamespace ?? 'gridline:'}wecom:` }) } : {}),
        ...(deps.rateBuckets ? { rateBuckets: deps.rateBuckets } : {}),
        ...(deps.files ? { files: deps.files } : {}),
        ...(deps.cards ? { cards: deps.cards } : {}),
        ...(deps.maxWaitMs !== undefined ? { maxWaitMs: deps.maxWaitMs } : {}),
        welcomes,
      });
      this.inbound = new WecomInbound({
        corpId: settings.corpId,
        token: settings.token,
        encodingAESKey: settings.encodingAESKey,
        kf: this.channel.kf,
        ...(settings.kfAccount ? { kfAccount: settings.kfAccount } : {}),
        admission: deps.admission,
        logger: deps.logger,
        ...(this.redis ? { nonces: new RedisNonceStore(this.redis, { namespace: `${deps.sharedNamespace ?? 'gridline:'}wecom:` }) } : {}),
        welcomes,
        cardText: (taskId) => this.channel.cardTextOf(taskId),
        flood: new FloodGuard(deps.flood, deps.floodBuckets, `wecom:${settings.corpId}`),
        ...(deps.now ? { now: deps.now } : {}),
      });
    } catch (err) {
      // A bad setting (an AES key that is not 43 characters) must not leave the connection open.
      this.redis?.disconnect();
      throw err;
    }
  }

  async close(): Promise<void> {
    await this.redis?.quit().catch(() => this.redis?.disconnect());
  }
}
