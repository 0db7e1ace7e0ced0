// Wires the store, the queues, the outbox relay and the workers together. The service, the CLI,
// the tests and the bench all build on this one piece.
import type { ChannelPort } from '../channels/channel-port.js';
import { ConsoleChannel } from '../channels/console-channel.js';
import type { Config } from '../config/config.js';
import type { Platform } from '../domain/types.js';
import type { Logger } from '../logger.js';
import type { JobHandlers, JobName } from '../queue/jobs.js';
import { OutboxRelay } from '../queue/outbox-relay.js';
import { Reconciler } from '../queue/reconciler.js';
import { QueueSystem, type QueueTarget, type WorkerOptions } from '../queue/queue-system.js';
import type { ServiceContext } from '../services/context.js';
import { intake } from '../services/intake-service.js';
import { sendDeliveries } from '../services/notify-service.js';
import { routeMatter } from '../services/routing-service.js';
import { openStore, type Store, type StoreTarget } from '../store/db.js';

export interface RuntimeOptions {
  store: StoreTarget | Store;
  /** Null: no queues (the CLI writing to a store whose service is stopped). */
  queue: { kind: 'redis'; url: string; prefix?: string } | { kind: 'postgres'; schema?: string } | null;
  logger: Logger;
  timezone?: string;
  now?: () => Date;
  channels?: Map<Platform, ChannelPort>;
  relayIntervalMs?: number;
}

export interface Runtime {
  store: Store;
  queues: QueueSystem | null;
  relay: OutboxRelay | null;
  reconciler: Reconciler | null;
  ctx: ServiceContext;
  channels: Map<Platform, ChannelPort>;
  /** Starts the route, notify and inbound workers and the relay. */
  startWorkers(options?: StartWorkersOptions): void;
  close(): Promise<void>;
}

export interface StartWorkersOptions {
  concurrency?: number;
  perQueue?: Partial<Record<JobName, WorkerOptions>>;
  /** Wraps each handler (timing, tracing, or a test's fault injection). */
  wrap?: <N extends JobName>(name: N, handler: JobHandlers[N]) => JobHandlers[N];
}

export function queueTargetFor(store: Store, queue: NonNullable<RuntimeOptions['queue']>): QueueTarget {
  if (queue.kind === 'redis') return queue;
  if (store.kind === 'postgres' && store.url) return { kind: 'postgres', url: store.url, schema: queue.schema };
  if (store.pglite) return { kind: 'pglite', pglite: store.pglite };
  throw new Error('the PostgreSQL queue backend needs a Postgres or PGlite store');
}

export async function createRuntime(opts: RuntimeOptions): Promise<Runtime> {
  const ownsStore = !('db' in opts.store);
  const store = 'db' in opts.store ? opts.store : await openStore(opts.store);
  const logger = opts.logger;
  let queues: QueueSystem | null = null;
  try {
    if (opts.queue) queues = await QueueSystem.open(queueTargetFor(store, opts.queue), logger);
  } catch (err) {
    if (ownsStore) await store.close();
    throw err;
  }
  let relay: OutboxRelay | null = null;
  const ctx: ServiceContext = {
    db: store.db,
    now: opts.now ?? (() => new Date()),
    logger,
    outboxWritten: () => relay?.kick(),
  };
  if (queues) relay = new OutboxRelay(store.db, queues, logger, { intervalMs: opts.relayIntervalMs, now: ctx.now });
  const reconciler = queues ? new Reconciler(store.db, queues, logger, { now: ctx.now }) : null;
  const channels = opts.channels ?? new Map<Platform, ChannelPort>();
  const fallback = new ConsoleChannel(logger);
  const timezone = opts.timezone ?? 'Asia/Shanghai';

  const handlers: JobHandlers = {
    inbound: async (event) => {
      const result = await intake(ctx, event);
      return result.status === 'rejected'
        ? { outcome: 'rejected', reason: result.reason }
        : { outcome: result.status, matterId: result.matter.id, ref: result.matter.ref };
    },
    route: async ({ matterId }) => routeMatter(ctx, matterId),
    notify: async ({ deliveryIds }, meta) => sendDeliveries(ctx, { channels, fallback, timezone }, deliveryIds, { claimer: meta.jobId, final: meta.final }),
  };

  let closed = false;
  return {
    store,
    queues,
    relay,
    reconciler,
    ctx,
    channels,
    startWorkers(options = {}) {
      if (!queues || !relay) throw new Error('this runtime has no queues');
      const c = options.concurrency ?? 10;
      const wrap = options.wrap;
      const wrapped: JobHandlers = wrap
        ? { inbound: wrap('inbound', handlers.inbound), route: wrap('route', handlers.route), notify: wrap('notify', handlers.notify) }
        : handlers;
      queues.startWorkers(wrapped, {
        inbound: { concurrency: c },
        route: { concurrency: c },
        notify: { concurrency: c },
        ...options.perQueue,
      });
      relay.start();
      reconciler?.start();
    },
    async close() {
      if (closed) return;
      closed = true;
      await relay?.stop();
      await reconciler?.stop();
      await queues?.close();
      if (ownsStore) await store.close();
    },
  };
}

export function runtimeOptionsFromConfig(config: Config, logger: Logger): RuntimeOptions {
  return {
    store: config.store.kind === 'postgres' ? { kind: 'postgres', url: config.store.url } : { kind: 'pglite', dataDir: config.store.dataDir },
    queue: config.queue.kind === 'redis' ? { kind: 'redis', url: config.queue.url } : { kind: 'postgres' },
    logger,
    timezone: config.defaultTimezone,
  };
}
