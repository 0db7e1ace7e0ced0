// The service's figures for Prometheus (/metrics): the process (prom-client defaults), HTTP time by
// route pattern, matters by state and level, messages sent and 429s by platform, job time by
// queue, the outbox backlog, the messages held and the queues' counts. The store and the queues are read when
// scraped, each within a short time limit, so a scrape during an outage answers (without them).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { RetryAfterError, type Channel } from '../ports/channel.js';
import { JOB_NAMES, type JobHandlers, type JobName } from '../ports/jobs.js';
import type { Db } from '../store/db.js';
import { mattersByStateAndLevel } from '../store/repositories/ops-repository.js';
import { outboxBacklog } from '../store/repositories/outbox-repository.js';
import { heldCounts } from '../store/repositories/window-repository.js';
import type { QueueSystem } from '../queue/queue-system.js';

const QUEUE_STATES = ['waiting', 'active', 'delayed', 'prioritized', 'failed', 'completed'] as const;
/** How long a scrape waits for the store or the queues before it answers without them. */
export const SCRAPE_LIMIT_MS = 2000;

function within<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([work, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)))]).finally(() => clearTimeout(timer));
}

export class ServiceMetrics {
  readonly registry = new Registry();
  private readonly http = new Histogram({ name: 'gridline_http_request_duration_seconds', help: 'HTTP requests by route pattern, method and status', labelNames: ['method', 'route', 'status_code'] as const, buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers: [this.registry] });
  private readonly sent = new Counter({ name: 'gridline_notifications_sent_total', help: 'Messages delivered to a platform (notifications and conversation replies)', labelNames: ['platform'] as const, registers: [this.registry] });
  private readonly throttled = new Counter({ name: 'gridline_send_429_total', help: 'Sends a platform refused with 429 (retry after)', labelNames: ['platform'] as const, registers: [this.registry] });
  private readonly jobs = new Histogram({ name: 'gridline_job_duration_seconds', help: 'Job run time by queue and result', labelNames: ['queue', 'status'] as const, buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60], registers: [this.registry] });
  private source: { db: Db; queues: QueueSystem | null } | null = null;

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    const metrics = this;
    new Gauge({
      name: 'gridline_matters',
      help: 'Matters by state and level',
      labelNames: ['state', 'level'] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        const src = metrics.source;
        if (!src) return;
        const rows = await within(SCRAPE_LIMIT_MS, mattersByStateAndLevel(src.db)).catch(() => []);
        for (const r of rows) this.set({ state: r.state, level: r.level }, r.n);
      },
    });
    new Gauge({
      name: 'gridline_outbox_backlog',
      help: 'Outbox rows written and not yet relayed to the queues',
      registers: [this.registry],
      async collect() {
        this.reset();
        const src = metrics.source;
        if (!src) return;
        const n = await within(SCRAPE_LIMIT_MS, outboxBacklog(src.db)).catch(() => null);
        if (n !== null) this.set(n);
      },
    });
    new Gauge({
      name: 'gridline_deliveries_held',
      help: 'Messages held: until the person writes again (reason window: a closed sending window), or for the morning digest (reason digest)',
      labelNames: ['reason'] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        const src = metrics.source;
        if (!src) return;
        const n = await within(SCRAPE_LIMIT_MS, heldCounts(src.db)).catch(() => null);
        if (n) for (const reason of ['window', 'digest'] as const) this.set({ reason }, n[reason]);
      },
    });
    new Gauge({
      name: 'gridline_queue_jobs',
      help: 'BullMQ jobs by queue and state',
      labelNames: ['queue', 'state'] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        const queues = metrics.source?.queues;
        if (!queues) return;
        await Promise.all(
          JOB_NAMES.map(async (name) => {
            const counts = await within(SCRAPE_LIMIT_MS, queues.queue(name).getJobCounts(...QUEUE_STATES)).catch(() => null);
            for (const s of QUEUE_STATES) if (counts) this.set({ queue: name, state: s }, counts[s] ?? 0);
          }),
        );
      },
    });
  }

  /** Where the scrape-time figures are read. */
  attach(source: { db: Db; queues: QueueSystem | null }): void {
    this.source = source;
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }

  /** `route` is the route's pattern (/telegram/webhook), never the raw URL. */
  observeRequest(method: string, route: string, status: number, seconds: number): void {
    this.http.observe({ method, route, status_code: String(status) }, seconds);
  }

  /** The same channel, counting what it delivers and the 429s it meets (the send path's view). */
  instrumentChannel(channel: Channel): Channel {
    const platform = channel.name;
    const deliver: Channel['deliver'] = async (target, message) => {
      try {
        const out = await channel.deliver(target, message);
        this.sent.inc({ platform });
        return out;
      } catch (err) {
        // Only the platform's own 429s: a send our limiter held back was never refused.
        if (err instanceof RetryAfterError && !err.ours) this.throttled.inc({ platform: err.channel || platform });
        throw err;
      }
    };
    return new Proxy(channel, {
      get(target, prop) {
        if (prop === 'deliver') return deliver;
        const value = Reflect.get(target, prop, target) as unknown;
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
  }

  /** A live view of `channels` whose channels count their sends (the map itself is left as it is). */
  instrumentChannels<K>(channels: ReadonlyMap<K, Channel>): ReadonlyMap<K, Channel> {
    const wrapped = new WeakMap<Channel, Channel>();
    const wrap = (c: Channel | undefined) => {
      if (!c) return c;
      let w = wrapped.get(c);
      if (!w) wrapped.set(c, (w = this.instrumentChannel(c)));
      return w;
    };
    return new Proxy(channels, {
      get(target, prop) {
        if (prop === 'get') return (key: K) => wrap(target.get(key));
        const value = Reflect.get(target, prop, target) as unknown;
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
  }

  /** Times a job handler by its queue; composes with another wrap. */
  wrapJob<N extends JobName>(name: N, handler: JobHandlers[N]): JobHandlers[N] {
    const jobs = this.jobs;
    return (async (data: never, meta: never) => {
      const end = jobs.startTimer({ queue: name });
      try {
        const out = await (handler as (d: never, m: never) => Promise<unknown>)(data, meta);
        end({ status: 'completed' });
        return out;
      } catch (err) {
        // A 429's wait is not a failure: the job runs again when the platform said.
        end({ status: err instanceof RetryAfterError ? 'delayed' : 'failed' });
        throw err;
      }
    }) as unknown as JobHandlers[N];
  }
}
