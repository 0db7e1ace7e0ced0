// Jobs live in Redis; a Redis that loses its data (no persistence, a failover) loses them. The
// store knows what should have happened: matters never routed and notifications never tried are
// queued again. Their job ids are fixed, so a second pass while one waits adds nothing, and the
// handlers are idempotent if the original job turns up after all.
import type { Logger } from '../logger.js';
import type { Db } from '../store/db.js';
import { untriedSince } from '../store/repositories/delivery-repository.js';
import { unroutedSince } from '../store/repositories/matter-repository.js';
import type { QueueSystem } from './queue-system.js';

export interface ReconcilerOptions {
  /** How old a stuck row must be (default 10 minutes: longer than any backlog we expect). */
  graceMs?: number;
  /** How often to look (default 5 minutes). */
  intervalMs?: number;
  now?: () => Date;
}

export class Reconciler {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;

  constructor(
    private readonly db: Db,
    private readonly queues: QueueSystem,
    private readonly logger: Logger,
    private readonly opts: ReconcilerOptions = {},
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      this.running ??= this.pass()
        .catch((err: Error) => this.logger.warn({ err: { message: err.message } }, 'reconciler pass failed'))
        .finally(() => (this.running = null));
    }, this.opts.intervalMs ?? 5 * 60_000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  /** One look; returns how many jobs it queued again. */
  async pass(): Promise<number> {
    const before = new Date((this.opts.now?.() ?? new Date()).getTime() - (this.opts.graceMs ?? 10 * 60_000));
    const matters = await unroutedSince(this.db, before);
    const deliveries = await untriedSince(this.db, before);
    await this.queues.addBulk('route', matters.map((matterId) => ({ data: { matterId }, jobId: `rc-route-${matterId}` })));
    await this.queues.addBulk('notify', deliveries.map((id) => ({ data: { deliveryIds: [id] }, jobId: `rc-notify-${id}` })));
    const n = matters.length + deliveries.length;
    if (n) this.logger.warn({ matters: matters.length, deliveries: deliveries.length }, 'queued again work whose jobs were lost');
    return n;
  }
}
