// Jobs live in Redis; a Redis that loses its data (no persistence, a failover) loses them, and a
// killed process leaves its claims behind. The store knows what should have happened, and this
// puts the work back on the queues:
// - inbox rows not yet handled (what a person said, acknowledged to the platform);
// - matters never routed;
// - messages to send (deliveries) pending too long, or claimed by a sender whose lease ran out:
//   one send job per recipient queue, delayed to the row's due time or the end of its 429 wait.
// A full pass runs at once when a process starts and when Redis comes back empty (its marker key
// is gone), over every row, with no grace; a light pass runs every few seconds for the rest.
// Handlers are idempotent (inbox status, processed events, claims), so a job queued here while
// its original still waits does nothing twice.
import type { Logger } from '../logger.js';
import type { Db } from '../store/db.js';
import { strandedDeliveries } from '../store/repositories/delivery-repository.js';
import { pendingInbox } from '../store/repositories/inbox-repository.js';
import { unroutedSince } from '../store/repositories/matter-repository.js';
import { SEND_LEASE_MS } from '../services/send-lease.js';
import type { JobMap } from '../ports/jobs.js';
import type { QueueSystem } from './queue-system.js';

export interface ReconcilerOptions {
  /** How old pending work must be before a light pass calls its job lost (default 2 minutes). */
  graceMs?: number;
  /**
   * How old a broadcast's pending copy must be before a light pass calls its job lost (default 1
   * hour): a notice to 5,000 people takes three minutes at Telegram's 30 a second, its copies
   * waiting with their jobs in the queue all the while. A queue that lost its data is caught by
   * the full pass its emptying starts, whatever the age.
   */
  bulkGraceMs?: number;
  /** How often a light pass looks (default 5 s); expired leases are taken on the first pass after they run out. */
  intervalMs?: number;
  /** How often to check that Redis still holds its marker (default 1 s). */
  watchMs?: number;
  /** A claim older than this belongs to a sender that died (default SEND_LEASE_MS). */
  leaseMs?: number;
  now?: () => Date;
  /** Also run on a full pass other than the start's (e.g. putting back the deadline timers a wiped Redis lost). */
  onFull?: () => Promise<unknown>;
}

export interface PassSummary {
  inbox: number;
  matters: number;
  deliveries: number;
}

const PAGE = 1000;
/** BullMQ refuses ':' in job ids. */
const safe = (s: string) => s.replace(/[^\w.-]/g, '_');

export class Reconciler {
  private timer: NodeJS.Timeout | null = null;
  private stopWatch: (() => void) | null = null;
  private running: Promise<unknown> | null = null;
  private fullWanted: string | null = null;
  private stopped = false;
  private fulls = 0;

  constructor(
    private readonly db: Db,
    private readonly queues: QueueSystem,
    private readonly logger: Logger,
    private readonly opts: ReconcilerOptions = {},
  ) {}

  /** A full pass now (the process starts), light passes on a timer, and a watch on Redis. */
  start(): void {
    this.stopped = false;
    this.requestFull('start');
    this.timer = setInterval(() => this.kick(), this.opts.intervalMs ?? 5000);
    this.timer.unref();
    this.stopWatch = this.queues.watchEmptied(() => this.requestFull('queue emptied'), this.opts.watchMs ?? 1000);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.stopWatch?.();
    await this.running;
  }

  /** Asks for a full pass as soon as the one running (if any) ends. */
  requestFull(reason: string): void {
    this.fullWanted ??= reason;
    this.kick();
  }

  private kick(): void {
    if (this.stopped || this.running) return;
    const reason = this.fullWanted;
    this.fullWanted = null;
    this.running = (reason ? this.full(reason) : this.pass())
      .catch((err: Error) => {
        // A full pass that failed (the store or the queue away) is tried again on the next tick.
        if (reason) this.fullWanted ??= reason;
        this.logger.warn({ err: { name: err.name, message: err.message }, full: Boolean(reason) }, 'reconciler pass failed; trying again shortly');
      })
      .finally(() => {
        this.running = null;
        if (this.fullWanted && !this.stopped) setImmediate(() => this.kick());
      });
  }

  private async full(reason: string): Promise<void> {
    const summary = await this.scan(true);
    // At a start the runtime repairs the deadline timers itself.
    if (reason !== 'start') await this.opts.onFull?.();
    this.logger.info({ reason, ...summary }, 'reconciled the queues with the store');
  }

  /** One light look; returns how many jobs it queued again. */
  async pass(): Promise<number> {
    const s = await this.scan(false);
    const n = s.inbox + s.matters + s.deliveries;
    if (n) this.logger.warn({ ...s }, 'queued again work whose jobs were lost');
    return n;
  }

  /** Runs a full pass now and waits for it (whatever else is running finishes first). */
  async runFull(reason = 'asked'): Promise<PassSummary> {
    await this.running;
    const s = await this.scan(true);
    this.logger.info({ reason, ...s }, 'reconciled the queues with the store');
    return s;
  }

  /**
   * `full`: every pending row whatever its age (the queue is known to have lost its jobs, or this
   * process has just started); otherwise only rows pending longer than the grace.
   */
  private async scan(full: boolean): Promise<PassSummary> {
    const o = { full };
    const now = (this.opts.now?.() ?? new Date()).getTime();
    const pendingBefore = new Date(o.full ? now + 1 : now - (this.opts.graceMs ?? 2 * 60_000));
    const bulkPendingBefore = o.full ? undefined : new Date(now - (this.opts.bulkGraceMs ?? 60 * 60_000));
    const leaseBefore = new Date(now - (this.opts.leaseMs ?? SEND_LEASE_MS));
    // Light passes use ids stable for the row's state (a second pass adds nothing); a full pass
    // its own, so a job id kept by a finished or failed job of the lost queue does not block it.
    const tag = o.full ? `f${now.toString(36)}${(this.fulls++).toString(36)}` : 'p';
    const s: PassSummary = { inbox: 0, matters: 0, deliveries: 0 };

    for (let after: string | null = null; ; ) {
      const rows = await pendingInbox(this.db, pendingBefore, after, PAGE);
      for (const queue of ['chat'] as const) {
        const list = rows.filter((r) => r.queue === queue && r.payload);
        await this.queues.addBulk(
          queue,
          list.map((r) => ({ data: { ...r.payload, inboxId: r.id } as unknown as JobMap[typeof queue], jobId: `rc-${queue}-${safe(r.id)}-${tag}` })),
        );
        s.inbox += list.length;
      }
      if (rows.length < PAGE) break;
      after = rows.at(-1)!.id;
    }
    for (let after: string | null = null; ; ) {
      const ids = await unroutedSince(this.db, pendingBefore, PAGE, after);
      await this.queues.addBulk('route', ids.map((matterId) => ({ data: { matterId }, jobId: `rc-route-${matterId}-${tag}` })));
      s.matters += ids.length;
      if (ids.length < PAGE) break;
      after = ids.at(-1)!;
    }
    for (let after: string | null = null; ; ) {
      const rows = await strandedDeliveries(this.db, { pendingBefore, bulkPendingBefore, leaseBefore, afterId: after, limit: PAGE });
      // One job per queue and time: the job drains the queue in order from its head.
      const jobs = new Map<string, { data: JobMap['send']; jobId: string; delay?: number }>();
      for (const r of rows) {
        const when = Math.max(r.dueAt?.getTime() ?? 0, r.retryAt?.getTime() ?? 0);
        const delay = when > now ? when - now : 0;
        const jobId = `rc-send-${safe(r.recipient)}-${delay ? when : `${r.attempts}-${r.claimedAt?.getTime() ?? 0}`}-${tag}`;
        // A queue with a matter's message in it is drained at the matters' priority; one holding only broadcast copies, behind them.
        const prev = jobs.get(jobId);
        const broadcastOnly = Boolean(r.broadcastId) && (!prev || prev.data.lane === 'broadcast');
        jobs.set(jobId, { data: { recipient: r.recipient, ...(delay ? { at: new Date(when).toISOString() } : {}), ...(broadcastOnly ? { lane: 'broadcast' as const } : {}) }, jobId, ...(delay ? { delay } : {}) });
      }
      await this.queues.addBulk('send', [...jobs.values()]);
      s.deliveries += rows.length;
      if (rows.length < PAGE) break;
      after = rows.at(-1)!.id;
    }
    return s;
  }
}
