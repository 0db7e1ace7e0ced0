// BullMQ queues and workers on Redis, or on BullMQ's PostgreSQL backend over the same database
// as the store (the machine's Postgres, or embedded PGlite through an in-process pool).
import { payloadProblem } from './job-schemas.js';
import type { PGlite } from '@electric-sql/pglite';
import { createPostgresBackend, DEFAULT_SCHEMA, DelayedError, Queue, runMigrations, UnrecoverableError, Worker, type Job, type JobsOptions } from 'bullmq';
import pg from 'pg';
import { Redis } from 'ioredis';
import type { Logger } from '../logger.js';
import { JOB_FORGOTTEN_WHEN_DONE, JOB_NAMES, JOB_PRIORITY, type JobHandlers, type JobMap, type JobMeta, type JobName, type JobOutcome } from '../ports/jobs.js';
import { pgliteBackendConnection } from './pglite-pool.js';
import { redactUrl } from '../util/redact-url.js';
import { CONNECT_TIMEOUT_S, withStartLock } from '../store/db.js';

export type QueueTarget =
  | { kind: 'redis'; url: string; prefix?: string }
  | { kind: 'postgres'; url: string }
  | { kind: 'pglite'; pglite: PGlite };

export const DEFAULT_JOB_OPTIONS: JobsOptions = {
  attempts: 10,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: { age: 3600, count: 50_000 },
  removeOnFail: { age: 14 * 24 * 3600 },
};

/** A handler's error that carries `retryAfterMs` (RetryAfterError) delays its job by that much. */
export function retryAfterMs(err: unknown): number | null {
  const ms = (err as { retryAfterMs?: unknown } | null)?.retryAfterMs;
  return typeof ms === 'number' && Number.isFinite(ms) && ms >= 0 ? ms : null;
}

export class QueueUnreachableError extends Error {
  override readonly name = 'QueueUnreachableError';
  constructor(
    readonly target: string,
    override readonly cause: unknown,
  ) {
    super(`cannot reach the queue backend at ${target}`);
  }
}

export interface WorkerOptions {
  concurrency?: number;
  /** Set by channels that must respect a platform's rate (e.g. Telegram's 30 messages/s). */
  limiter?: { max: number; duration: number };
  /** How long a job is held before another worker may take it as stalled (BullMQ default 30 s). */
  lockDuration?: number;
  stalledInterval?: number;
}

type AnyQueue = Queue<any, any, string, any, any, string, any, any>;
type AnyWorker = Worker<any, any, string, any, any, any>;

export class QueueSystem {
  private readonly queues = new Map<JobName, AnyQueue>();
  private readonly workers: AnyWorker[] = [];
  private readonly redisConnections: Redis[] = [];
  private pgPool: pg.Pool | null = null;

  private constructor(
    readonly target: QueueTarget,
    private readonly logger: Logger,
  ) {}

  /** Connects and checks the backend answers; one clear error when it does not. */
  static async open(target: QueueTarget, logger: Logger): Promise<QueueSystem> {
    const system = new QueueSystem(target, logger);
    if (target.kind === 'redis') {
      const probe = new Redis(target.url, { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 3000, retryStrategy: () => null });
      probe.on('error', () => {});
      try {
        await probe.connect();
        await probe.ping();
      } catch (err) {
        throw new QueueUnreachableError(redactUrl(target.url), err);
      } finally {
        probe.disconnect();
      }
    }
    if (target.kind === 'postgres') {
      // One pool for every queue and worker (each would otherwise build its own, and a runtime
      // would hold dozens of connections). BullMQ pins search_path and migrates only on pools it
      // builds itself, so this one does both; its migrations run under our migrations' advisory
      // lock, so processes started at once on an empty database take turns.
      const pool = new pg.Pool({ connectionString: target.url, max: JOB_NAMES.length + 12, connectionTimeoutMillis: CONNECT_TIMEOUT_S * 1000, options: `-c search_path=${DEFAULT_SCHEMA},public` });
      pool.on('error', (err) => logger.warn({ err: { message: err.message } }, 'queue database connection error'));
      // BullMQ adds an error listener to the pool for each queue and each worker built on it: one
      // queue and one worker a job name, and ours. More than that would be a leak worth the warning.
      pool.setMaxListeners(2 * JOB_NAMES.length + 1);
      system.pgPool = pool;
      try {
        await withStartLock({ kind: 'postgres', url: target.url }, 'migrate', async () => {
          const client = await pool.connect();
          try {
            await runMigrations(client, DEFAULT_SCHEMA);
          } finally {
            client.release();
          }
        });
      } catch (err) {
        await pool.end().catch(() => {});
        throw new QueueUnreachableError(redactUrl(target.url), err);
      }
    }
    for (const name of JOB_NAMES) system.queue(name);
    await Promise.all([...system.queues.values()].map((q) => q.waitUntilReady()));
    return system;
  }

  private connectionFor(role: 'producer' | 'worker'): { connection: unknown; factory?: typeof createPostgresBackend; prefix?: string } {
    const t = this.target;
    if (t.kind === 'redis') {
      // Producers fail fast while Redis is away (the outbox keeps the job); workers wait for it.
      const conn = new Redis(t.url, {
        maxRetriesPerRequest: role === 'worker' ? null : 1,
        enableOfflineQueue: role === 'worker',
      });
      conn.on('error', (err) => this.logger.warn({ err: { message: err.message }, role }, 'redis connection error'));
      this.redisConnections.push(conn);
      return { connection: conn, prefix: t.prefix };
    }
    if (t.kind === 'postgres') return { connection: this.pgPool, factory: createPostgresBackend };
    return { connection: pgliteBackendConnection(t.pglite), factory: createPostgresBackend };
  }

  queue<N extends JobName>(name: N): Queue<JobMap[N]> {
    let q = this.queues.get(name);
    if (!q) {
      const { connection, factory, prefix } = this.connectionFor('producer');
      const opts = { connection, prefix, defaultJobOptions: DEFAULT_JOB_OPTIONS } as never;
      q = factory ? new Queue(name, opts, factory as never) : new Queue(name, opts);
      q.on('error', (err: Error) => this.logger.warn({ queue: name, err: { message: err.message } }, 'queue error'));
      this.queues.set(name, q);
    }
    return q as unknown as Queue<JobMap[N]>;
  }

  async add<N extends JobName>(name: N, data: JobMap[N], opts: { jobId: string; delay?: number }): Promise<void> {
    await (this.queue(name) as AnyQueue).add(name, data, opts);
  }

  async addBulk<N extends JobName>(name: N, jobs: Array<{ data: JobMap[N]; jobId: string; delay?: number }>): Promise<void> {
    if (!jobs.length) return;
    const priority = JOB_PRIORITY[name] as ((d: unknown) => number | undefined) | undefined;
    const forget = JOB_FORGOTTEN_WHEN_DONE[name] as ((d: unknown) => boolean) | undefined;
    await (this.queue(name) as AnyQueue).addBulk(
      jobs.map((j) => {
        const p = priority?.(j.data);
        return { name, data: j.data, opts: { jobId: j.jobId, delay: j.delay, ...(p ? { priority: p } : {}), ...(forget?.(j.data) ? { removeOnComplete: true } : {}) } };
      }),
    );
  }

  /** Starts one worker per handler given. Handlers must be idempotent: a job may run twice. */
  startWorkers(handlers: Partial<JobHandlers>, options: Partial<Record<JobName, WorkerOptions>> = {}): void {
    for (const name of JOB_NAMES) {
      const handler = handlers[name] as ((data: unknown, meta: JobMeta) => Promise<JobOutcome>) | undefined;
      if (!handler) continue;
      const { connection, factory, prefix } = this.connectionFor('worker');
      const o = options[name] ?? {};
      const processor = async (job: Job, token?: string) => {
        // A payload that does not fit its job would fail the same way every time: it fails once.
        const problem = payloadProblem(name, job.data);
        if (problem) throw new UnrecoverableError(`malformed ${name} job: ${problem}`);
        try {
          return await handler(job.data, { jobId: String(job.id), attempt: job.attemptsMade + 1, final: job.attemptsMade + 1 >= (job.opts.attempts ?? 1) });
        } catch (err) {
          // The platform asked us to wait (HTTP 429): the job waits that long, without using up an attempt.
          const wait = retryAfterMs(err);
          if (wait === null || !token) throw err;
          await job.moveToDelayed(Date.now() + wait, token);
          throw new DelayedError();
        }
      };
      const opts = {
        connection,
        prefix,
        concurrency: o.concurrency ?? 10,
        limiter: o.limiter,
        maxStalledCount: 5,
        ...(o.lockDuration ? { lockDuration: o.lockDuration } : {}),
        ...(o.stalledInterval ? { stalledInterval: o.stalledInterval } : {}),
      } as never;
      const worker = factory ? new Worker(name, processor, opts, factory as never) : new Worker(name, processor, opts);
      worker.on('failed', (job: Job | undefined, err: Error) =>
        this.logger.warn({ queue: name, jobId: job?.id, attempt: job?.attemptsMade, err: { name: err.name, message: err.message } }, 'job failed'),
      );
      worker.on('error', (err: Error) => this.logger.warn({ queue: name, err: { message: err.message } }, 'worker error'));
      this.workers.push(worker);
    }
  }

  /**
   * Calls `emptied` when Redis comes back without its data (restarted empty, flushed, failed
   * over): a marker key set at the start is found missing. Checked every `everyMs` and whenever
   * the connection is ready again. Jobs on the PostgreSQL backend live with the store: nothing to watch.
   */
  watchEmptied(emptied: () => void, everyMs = 1000): () => void {
    const t = this.target;
    if (t.kind !== 'redis') return () => {};
    const conn = new Redis(t.url, { maxRetriesPerRequest: 1, enableOfflineQueue: false });
    conn.on('error', () => {});
    const key = `${t.prefix ?? 'bull'}:gridline:marker`;
    let first = true;
    let busy = false;
    const check = async () => {
      if (busy || conn.status !== 'ready') return;
      busy = true;
      try {
        const set = await conn.set(key, new Date().toISOString(), 'NX');
        // The first set is this process's own start (which reconciles anyway).
        if (set === 'OK' && !first) {
          this.logger.warn({ queue: redactUrl(t.url) }, 'redis came back without its data; reconciling the queues with the store');
          emptied();
        }
        first = false;
      } catch {
        /* Redis away: checked again when it is back */
      } finally {
        busy = false;
      }
    };
    conn.on('ready', () => void check());
    const timer = setInterval(() => void check(), everyMs);
    timer.unref();
    return () => {
      clearInterval(timer);
      conn.disconnect();
    };
  }

  /** Graceful: workers finish the jobs they hold, then every connection closes. */
  async close(): Promise<void> {
    await Promise.allSettled(this.workers.map((w) => w.close()));
    await Promise.allSettled([...this.queues.values()].map((q) => q.close()));
    for (const c of this.redisConnections) c.disconnect();
    await this.pgPool?.end().catch(() => {});
  }
}
