// Wires the store, the queues, the outbox relay and the workers together. The service, the CLI,
// the tests and the bench all build on this one piece.
import type { Channel } from '../ports/channel.js';
import type { ChatUpdate } from '../ports/chat-update.js';
import { ConsoleChannel } from '../channels/console-channel.js';
import type { Config } from '../config/config.js';
import { fileSourceOf, type FileSource } from '../ports/files.js';
import type { Locale, Platform } from '../domain/types.js';
import { createFlowEngine, defaultModules, type FlowEngine } from '../flows/index.js';
import { linkModule } from '../flows/link-module.js';
import { deskLinkModule } from '../flows/desk-link-module.js';
import type { Logger } from '../logger.js';
import { JOB_NAMES, tickJobId, tickRunAt, outboxJob, type JobHandlers, type JobName, type JobOutcome } from '../ports/jobs.js';
import { OutboxRelay } from '../queue/outbox-relay.js';
import { RedisLease } from '../queue/redis-lease.js';
import { RedisRateBuckets } from '../queue/redis-rate-buckets.js';
import { AdvisoryLease } from '../store/advisory-lease.js';
import { DbRateBuckets } from '../store/db-rate-buckets.js';
import type { RateBuckets } from '../ports/rate-buckets.js';
import type { Lease } from '../ports/lease.js';
import { Reconciler } from '../queue/reconciler.js';
import { restoreTimedJobs } from '../queue/restore-timed-jobs.js';
import { QueueSystem, type QueueTarget, type WorkerOptions } from '../queue/queue-system.js';
import { APOLOGY_ATTEMPT, handleChatUpdate } from '../services/chat-service.js';
import type { ServiceContext } from '../ports/context.js';
import { eveningSweep, morningDigest } from '../services/daily-alerts.js';
import { handleDeadlineJob, reconcileDeadlines, type ReconcileSummary, type TimerQueue } from '../services/deadline-timers.js';
import { intake } from '../services/intake-service.js';
import { sendQueued } from '../services/send-service.js';
import { SendWakes, takesWake } from '../services/send-wakes.js';
import { enqueue } from '../store/repositories/outbox-repository.js';
import { handleBroadcastJob } from '../services/broadcast-service.js';
import { handleYearlyJob, yearlyPlan } from '../services/yearly-broadcast.js';
import { broadcastFormFields } from '../services/broadcast-form.js';
import { scheduleYearlyBroadcasts } from '../queue/yearly-schedule.js';
import { followUpDue } from '../services/follow-up.js';
import { pruneInbox } from '../services/inbox-retention.js';
import { routeMatter } from '../services/routing-service.js';
import { reportInDue } from '../services/whistle-service.js';
import { CardService } from '../services/card-service.js';
import { ChatCardEdits } from '../services/card-edits.js';
import { openStore, type Store, type StoreTarget } from '../store/db.js';
import { isConnectionError } from '../util/error-summary.js';
import { ServiceMetrics } from './metrics.js';
import type { Admission } from '../ports/admission.js';
import type { PlatformAdapter, PlatformDeps } from '../ports/platform.js';
import { createAdmission } from './admission.js';
import { configuredPlatforms, type AdapterOf, type PlatformSettings, type RegisteredPlatform } from './platforms.js';

/** Each registered platform's settings sit under its name (`slack`, `telegram`…): see src/app/platforms.ts. */
export interface RuntimeOptions extends PlatformSettings {
  store: StoreTarget | Store;
  /** Null: no queues (the CLI writing to a store whose service is stopped). */
  queue: { kind: 'redis'; url: string; prefix?: string; /** Starts the keys of what the platforms share across deployments (send budgets, tokens); default `gridline:`. */ shared?: string } | { kind: 'postgres' } | null;
  logger: Logger;
  timezone?: string;
  now?: () => Date;
  channels?: Map<Platform, Channel>;
  relayIntervalMs?: number;
  /** Conversations: the flows to run (default: createFlowEngine()) and the language for people whose platform gives none. */
  chat?: { engine?: FlowEngine; defaultLocale?: Locale };
  /** How long a send's claim holds (default SEND_LEASE_MS) and how many days handled inbox rows are kept (default 30). */
  recovery?: { sendLeaseMs?: number; inboxRetentionDays?: number };
  /** The web desk: `/desk` in chat sends sign-in links to `baseUrl` (no desk command without it). */
  desk?: { baseUrl: string | (() => string) };
}

export interface Runtime {
  store: Store;
  queues: QueueSystem | null;
  relay: OutboxRelay | null;
  reconciler: Reconciler | null;
  ctx: ServiceContext;
  channels: Map<Platform, Channel>;
  /** The conversation flows the `chat` worker runs. */
  engine: FlowEngine;
  /** The one way in, as every adapter was given it. */
  admission: Admission;
  /**
   * Admits one normalised chat update (tests, the bench): `deliveryId` defaults to its eventId; the
   * same id twice is queued (and handled) once. Throws only when the database could not take it.
   */
  submitChat(update: ChatUpdate, deliveryId?: string): Promise<void>;
  /** The configured platforms' adapters, by name: the HTTP server mounts their routes, the service starts them. */
  adapters: ReadonlyMap<Platform, PlatformAdapter>;
  /** A configured platform's adapter, typed as its own; undefined when it is not configured. */
  adapter<N extends RegisteredPlatform>(name: N): AdapterOf<N> | undefined;
  /** Every adapter's check before anything listens (a wrong token stops the start here). */
  prepareAdapters(): Promise<void>;
  /** Every adapter starts taking updates (once the HTTP server listens). */
  startAdapters(): Promise<void>;
  /** Gives open matters their missing deadline clocks and puts back timers the queue lost; startWorkers runs one pass. */
  reconcileDeadlines(): Promise<ReconcileSummary>;
  /** Starts the route, notify and inbound workers and the relay. */
  startWorkers(options?: StartWorkersOptions): void;
  /** Deletes handled inbox rows past their retention; startWorkers runs it at once and then daily. */
  pruneInbox(): Promise<number>;
  /** What /metrics shows: sends and job times counted here, the store and queues read when scraped. */
  metrics: ServiceMetrics;
  /** Stops taking work (relay, reconciler, bots) and lets the workers finish the jobs they hold; the store stays open. */
  drain(): Promise<void>;
  close(): Promise<void>;
}

/** Send jobs in flight at least in a serving process (service.ts), whatever the other queues' concurrency. */
export const SEND_CONCURRENCY_MIN = 40;

export interface StartWorkersOptions {
  concurrency?: number;
  /**
   * Send jobs in flight (default `concurrency`). A send job mostly waits (its chat's slot, the
   * token's overall one, granted most urgent first): more of them cost little, and a few busy
   * chats (an officer's queue at 1 a second) then never hold every worker while a receipt waits.
   */
  sendConcurrency?: number;
  perQueue?: Partial<Record<JobName, WorkerOptions>>;
  /** Wraps each handler (timing, tracing, or a test's fault injection). */
  wrap?: <N extends JobName>(name: N, handler: JobHandlers[N]) => JobHandlers[N];
}

export function queueTargetFor(store: Store, queue: NonNullable<RuntimeOptions['queue']>): QueueTarget {
  if (queue.kind === 'redis') return queue;
  if (store.kind === 'postgres' && store.url) return { kind: 'postgres', url: store.url };
  if (store.pglite) return { kind: 'pglite', pglite: store.pglite };
  throw new Error('the PostgreSQL queue backend needs a Postgres or PGlite store');
}

export async function createRuntime(opts: RuntimeOptions): Promise<Runtime> {
  // The registered platforms that have settings here (their SDKs are loaded now, and only theirs).
  const configured = await configuredPlatforms(opts);
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
    concurrentTransactions: store.kind === 'postgres',
    sendLeaseMs: opts.recovery?.sendLeaseMs,
  };
  // A send job still draining a queue takes the wakes of what is written to it meanwhile (send-wakes.ts).
  const wakes = new SendWakes();
  if (queues) relay = new OutboxRelay(store.db, queues, logger, { intervalMs: opts.relayIntervalMs, now: ctx.now, takenOver: (row) => row.queue === 'send' && takesWake(wakes, row.payload) });
  const channels = opts.channels ?? new Map<Platform, Channel>();
  const fallback = new ConsoleChannel(logger);
  const timezone = opts.timezone ?? 'Asia/Shanghai';
  const metrics = new ServiceMetrics();
  metrics.attach({ db: store.db, queues });
  const sendChannels = metrics.instrumentChannels(channels);
  const engine = opts.chat?.engine ?? createFlowEngine([...defaultModules(), linkModule, ...(opts.desk ? [deskLinkModule(opts.desk.baseUrl)] : [])]);
  const admission = createAdmission(ctx, { defaultLocale: opts.chat?.defaultLocale });
  // The platforms' send limits, shared by every process on a token: in Redis when the queues are
  // there, else in a Postgres store; the embedded store is one process, whose memory is enough.
  const rateBuckets: RateBuckets | undefined = !configured.length ? undefined : opts.queue?.kind === 'redis' ? new RedisRateBuckets(opts.queue.url, logger, `${opts.queue.shared ?? 'gridline:'}rate:`) : store.kind === 'postgres' ? new DbRateBuckets(store.db) : undefined;
  // A flood guard's budgets per person: with the send limits, else in the database.
  const floodBuckets = rateBuckets ?? (configured.length ? new DbRateBuckets(store.db) : undefined);
  const adapters = new Map<Platform, PlatformAdapter>();
  // Files cross platforms: an adapter sending a file of another platform asks that platform's fetcher for it.
  let fileSource: FileSource = fileSourceOf([]);
  const deps: PlatformDeps = {
    ctx,
    logger,
    admission,
    timezone,
    defaultLocale: opts.chat?.defaultLocale,
    rateBuckets,
    floodBuckets,
    files: (a, o) => fileSource(a, o),
    cards: { store: new CardService(ctx), edits: new ChatCardEdits(ctx, timezone) },
    forms: { broadcast: (platform, userId) => broadcastFormFields(store.db, platform, userId) },
    lease: (name) => leaseFor(store, opts, name),
    ...(opts.queue?.kind === 'redis' ? { redisUrl: opts.queue.url, sharedNamespace: opts.queue.shared ?? 'gridline:' } : {}),
  };
  try {
    for (const { factory, settings } of configured) adapters.set(factory.name, factory.create(settings as never, deps));
    fileSource = fileSourceOf([...adapters.values()].flatMap((a) => (a.fetcher ? [a.fetcher] : [])));
  } catch (err) {
    // A bad setting found here must not leave connections open: the process could not exit.
    await rateBuckets?.close?.();
    await queues?.close();
    if (ownsStore) await store.close();
    throw err;
  }
  for (const [name, adapter] of adapters) channels.set(name, adapter.channel);

  const q = queues;
  const timers: TimerQueue = {
    async remove(jobIds) {
      let removed = 0;
      for (const id of jobIds) removed += q ? ((await q.queue('deadline').remove(id).catch(() => 0)) === 1 ? 1 : 0) : 0;
      return removed;
    },
    async addTicks(seconds, now, catchUp) {
      const jobs = seconds.map((sec) => ({ data: { op: 'tick' as const, at: new Date(sec * 1000).toISOString() }, jobId: tickJobId(new Date(sec * 1000)), delay: Math.max(0, tickRunAt(sec).getTime() - now.getTime()) }));
      // The one at once has an id of its own: that of a finished tick must not block it.
      if (catchUp) jobs.push({ data: { op: 'tick', at: now.toISOString() }, jobId: `tick-rc-${now.getTime()}`, delay: 0 });
      for (let i = 0; q && i < jobs.length; i += 500) await q.addBulk('deadline', jobs.slice(i, i + 500));
    },
  };
  let deadlineRepair: Promise<unknown> | null = null;
  let closed = false;
  let draining: Promise<void> | null = null;
  let closing: Promise<void> | null = null;
  let pruning: Promise<number> | null = null;
  let pruneTimer: NodeJS.Timeout | null = null;
  const prune = (): Promise<number> =>
    (pruning ??= pruneInbox(ctx, opts.recovery?.inboxRetentionDays)
      .catch((err: Error) => {
        logger.warn({ err: { name: err.name, message: err.message } }, 'inbox retention failed; tried again tomorrow');
        return 0;
      })
      .finally(() => (pruning = null)));
  const reconciler = queues
    ? new Reconciler(store.db, queues, logger, {
        now: ctx.now,
        leaseMs: opts.recovery?.sendLeaseMs,
        // Redis came back empty: the deadline timers, report-in limits and card refreshes it held are put back.
        onFull: () => Promise.all([reconcileDeadlines(ctx, { queue: timers, stopped: () => closed }), restoreTimedJobs(ctx, queues)]),
      })
    : null;

  const giveBackWake = async (recipient: string): Promise<void> => {
    try {
      await enqueue(ctx.db, [outboxJob('send', { recipient })]);
      ctx.outboxWritten();
    } catch (err) {
      // The store is away: the reconciler finds the queue's rows.
      logger.warn({ err: { name: (err as Error).name, message: (err as Error).message } }, 'a send wake could not be given back; the reconciler will find its queue');
    }
  };

  const handlers: JobHandlers = {
    inbound: async (event) => {
      const result = await intake(ctx, event);
      return result.status === 'rejected'
        ? { outcome: 'rejected', reason: result.reason }
        : { outcome: result.status, matterId: result.matter.id, ref: result.matter.ref };
    },
    route: async ({ matterId }) => routeMatter(ctx, matterId),
    send: async ({ recipient, at }, meta) => {
      // Another job of this process is draining the queue: it reads it again for this one.
      if (!at && wakes.handOver(recipient)) return { outcome: 'handed_over' };
      const drain = wakes.begin(recipient);
      try {
        // Stopping: the job leaves its queue after the message in hand, and the queue gets a job
        // again (an outbox row, relayed by whichever process runs next), so a stop never waits
        // for a whole backlog to go out at the platform's pace.
        const done = await sendQueued(ctx, { channels: sendChannels, fallback, timezone }, recipient, { claimer: meta.jobId, final: meta.final, at, settle: () => wakes.settle(drain), stopping: () => closed });
        if (done.outcome === 'stopped') {
          wakes.end(drain);
          await giveBackWake(recipient);
        }
        return done;
      } catch (err) {
        // Wakes this job took and will not read for before its retry are queued as jobs, as they would have been.
        if (wakes.end(drain)) await giveBackWake(recipient);
        throw err;
      } finally {
        wakes.end(drain);
      }
    },
    chat: async (update, meta) => handleChatUpdate(ctx, { engine, defaultLocale: opts.chat?.defaultLocale, commandPrefix: (p) => channels.get(p)?.commandPrefix, strangers: (p) => channels.get(p)?.strangers, sendingWindow: (p, target) => channels.get(p)?.sendingWindow?.(target) ?? null }, update, meta),
    report_in_due: async ({ summonsId }) => reportInDue(ctx, summonsId),
    sweep: async ({ zone, at }) => eveningSweep(ctx, zone, at),
    digest: async ({ zone }) => morningDigest(ctx, zone),
    deadline: async (job) => handleDeadlineJob(ctx, timers, job),
    card_refresh: async ({ matterId, eventId }) => {
      let cards = 0;
      for (const channel of channels.values()) cards += (await channel.refreshMatter?.(matterId, eventId)) ?? 0;
      return { outcome: 'refreshed', cards };
    },
    broadcast: async (data) => {
      if (data.op === 'follow_up') return followUpDue(ctx, data);
      if (data.op === 'plan_yearly') {
        const slots = await yearlyPlan(ctx.db, ctx.now());
        if (q) await scheduleYearlyBroadcasts(q, slots);
        return { outcome: 'planned', yearly: slots.length };
      }
      if (data.op === 'yearly') return handleYearlyJob(ctx, data);
      return handleBroadcastJob(ctx, { broadcastId: data.broadcastId, op: data.op });
    },
  };

  const drain = (): Promise<void> =>
    (draining ??= (async () => {
      closed = true;
      if (pruneTimer) clearInterval(pruneTimer);
      await pruning;
      await relay?.stop();
      await reconciler?.stop();
      await deadlineRepair;
      for (const adapter of adapters.values()) await adapter.stop?.();
      // Workers finish the jobs they hold before their connections close.
      await queues?.close();
    })());

  return {
    store,
    queues,
    relay,
    reconciler,
    ctx,
    channels,
    engine,
    admission,
    adapters,
    adapter: <N extends RegisteredPlatform>(name: N) => adapters.get(name) as AdapterOf<N> | undefined,
    async prepareAdapters() {
      for (const adapter of adapters.values()) await adapter.prepare?.();
    },
    async startAdapters() {
      for (const adapter of adapters.values()) await adapter.start?.();
    },
    reconcileDeadlines: () => reconcileDeadlines(ctx, { queue: q ? timers : undefined, stopped: () => closed }),
    pruneInbox: prune,
    async submitChat(update, deliveryId) {
      if (!queues) throw new Error('this runtime has no queues');
      await admission.admit([{ deliveryId: deliveryId ?? update.eventId, update }]);
    },
    startWorkers(options = {}) {
      if (!queues || !relay) throw new Error('this runtime has no queues');
      const c = options.concurrency ?? 10;
      const wrap = options.wrap;
      // Every job is timed for /metrics, around whatever the caller wraps it in.
      const wrapped = Object.fromEntries(
        JOB_NAMES.map((name) => [name, metrics.wrapJob(name, (wrap ? wrap(name, handlers[name] as never) : handlers[name]) as never)]),
      ) as unknown as JobHandlers;
      queues.startWorkers(wrapped, {
        inbound: { concurrency: c },
        route: { concurrency: c },
        send: { concurrency: options.sendConcurrency ?? c },
        chat: { concurrency: c },
        report_in_due: { concurrency: c },
        sweep: { concurrency: 1 },
        digest: { concurrency: 1 },
        card_refresh: { concurrency: c },
        deadline: { concurrency: c },
        broadcast: { concurrency: 2 },
        ...options.perQueue,
      });
      relay.start();
      reconciler?.start();
      // A daily job of each process (deleting twice deletes nothing more).
      void prune();
      pruneTimer ??= setInterval(() => void prune(), 86_400_000);
      pruneTimer.unref();
      // Timers of open matters survive in the queue; this puts back any the queue lost, and sets the clocks of matters that have none.
      deadlineRepair ??= Promise.all([
        reconcileDeadlines(ctx, { queue: timers, stopped: () => closed }).catch((err: Error) => logger.warn({ err: { message: err.message } }, 'deadline reconciliation failed')),
        restoreTimedJobs(ctx, queues).catch((err: Error) => logger.warn({ err: { message: err.message } }, 'report-in and card-refresh jobs could not be put back')),
      ]);
    },
    metrics,
    drain,
    close: () =>
      (closing ??= (async () => {
        await drain();
        await rateBuckets?.close?.();
        if (ownsStore) await store.close();
      })()),
  };
}

export function runtimeOptionsFromConfig(config: Config, logger: Logger): RuntimeOptions {
  return {
    // The pool is sized for the workers (11 queues at WORKER_CONCURRENCY each share it): a send
    // waiting for a connection to record itself widens the window in which a crash doubles it.
    store: config.store.kind === 'postgres' ? { kind: 'postgres', url: config.store.url, poolSize: storePoolSize(config.workerConcurrency) } : { kind: 'pglite', dataDir: config.store.dataDir },
    queue: config.queue.kind === 'redis' ? { kind: 'redis', url: config.queue.url, prefix: config.queue.prefix } : { kind: 'postgres' },
    logger,
    timezone: config.defaultTimezone,
    chat: { defaultLocale: config.defaultLocale },
    recovery: config.recovery,
    desk: { baseUrl: config.desk.baseUrl ?? `http://${config.http.host === '0.0.0.0' ? '127.0.0.1' : config.http.host}:${config.http.port}` },
    ...(config.slack ? { slack: config.slack } : {}),
    ...(config.telegram ? { telegram: config.telegram } : {}),
    ...(config.wecom ? { wecom: config.wecom } : {}),
  };
}

/** Connections for a service at this worker concurrency: two per worker slot of one queue, within what a default Postgres (100) allows. */
export function storePoolSize(concurrency: number): number {
  return Math.min(60, Math.max(10, concurrency * 2));
}

/**
 * What one process of the deployment does at a time (long polling): the lease is in Redis when the
 * queues are, else a Postgres session lock; the embedded store is one process already.
 */
function leaseFor(store: Store, opts: RuntimeOptions, name: string): Lease | undefined {
  if (opts.queue?.kind === 'redis') return new RedisLease(opts.queue.url, name, opts.logger);
  if (store.kind === 'postgres' && store.url) return new AdvisoryLease(store.url, name);
  return undefined;
}

/** BullMQ refuses ':' in job ids; the update id is what makes the job unique. */
export function chatJobId(update: Pick<ChatUpdate, 'platform' | 'updateId'>): string {
  return `chat-${update.platform}-${update.updateId.replace(/[^\w-]/g, '_')}`;
}
