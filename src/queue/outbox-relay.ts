// Moves committed outbox rows onto the queues. Runs after each commit that wrote rows (kick) and
// on a timer, so rows written while the queue was down go out once it is back. A row may be
// relayed twice (a crash between add and mark); its job id makes the second add a no-op.
import type { Logger } from '../logger.js';
import type { Db } from '../store/db.js';
import { markRelayed, markRelayFailed, pendingOutbox, type OutboxRow } from '../store/repositories/outbox-repository.js';
import { JOB_NAMES, JOB_PLACEMENT, type JobMap, type JobName } from '../ports/jobs.js';
import type { QueueSystem } from './queue-system.js';

export interface RelayOptions {
  /** How often to look for rows nobody kicked for (default 1000 ms). */
  intervalMs?: number;
  /** Rows per pass (default 500). */
  batchSize?: number;
  now?: () => Date;
  /**
   * A row whose job one running in this process takes over (a send job still draining the queue
   * the row wakes, services/send-wakes.ts): it is marked relayed with the others, and no job is queued.
   */
  takenOver?: (row: OutboxRow) => boolean;
}

/** The job id of an outbox row: stable for the row, unique across databases. */
export function outboxJobId(row: Pick<OutboxRow, 'id' | 'createdAt'>): string {
  return `ob-${row.id}-${row.createdAt.getTime()}`;
}

export class OutboxRelay {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  private failing = false;
  private readonly intervalMs: number;
  private readonly batchSize: number;
  private readonly now: () => Date;
  private readonly takenOver: (row: OutboxRow) => boolean;

  constructor(
    private readonly db: Db,
    private readonly queues: QueueSystem,
    private readonly logger: Logger,
    opts: RelayOptions = {},
  ) {
    this.intervalMs = opts.intervalMs ?? 1000;
    this.batchSize = opts.batchSize ?? 500;
    this.now = opts.now ?? (() => new Date());
    this.takenOver = opts.takenOver ?? (() => false);
  }

  start(): void {
    this.stopped = false;
    this.timer = setInterval(() => this.kick(), this.intervalMs);
    this.timer.unref();
    this.kick();
  }

  /** True while a pass is running (rows may be on their way to the queues). */
  get busy(): boolean {
    return this.running !== null;
  }

  /** Asks for a pass soon; passes never overlap. */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.loop().finally(() => {
      this.running = null;
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  private async loop(): Promise<void> {
    // Rows a pass put on their queues are marked relayed by the next pass's read, in the same
    // statement; the last pass's are marked on their own when the loop ends.
    const relayed: number[] = [];
    try {
      do {
        this.again = false;
        while ((await this.pass(relayed)) === this.batchSize) {
          /* a full batch: there may be more */
        }
      } while (this.again && !this.stopped);
      await markRelayed(this.db, relayed.splice(0), this.now());
    } catch (err) {
      // Rows not marked are relayed again (their job ids make that a no-op).
      if (!this.failing) this.logger.warn({ err: { message: (err as Error).message } }, 'outbox relay paused (the store or the queue did not answer); retrying');
      this.failing = true;
    }
  }

  /** One pass, its rows marked relayed before it returns; returns how many rows it relayed. Throws when the queue refused them. */
  async relayOnce(): Promise<number> {
    const relayed: number[] = [];
    const n = await this.pass(relayed);
    await markRelayed(this.db, relayed, this.now());
    return n;
  }

  /**
   * One pass: marks `relayed` relayed (what the pass before put on the queues) as it reads, and
   * leaves there the rows this pass put on their queues or that a running job took over.
   */
  private async pass(relayed: number[]): Promise<number> {
    const rows = await pendingOutbox(this.db, this.batchSize, this.now(), relayed);
    relayed.length = 0;
    if (!rows.length) return 0;
    const byQueue = new Map<JobName, OutboxRow[]>();
    const taken: number[] = [];
    for (const row of rows) {
      const name = row.queue as JobName;
      if (!JOB_NAMES.includes(name)) {
        // Written by a newer version, or by hand: set aside with the reason rather than retried forever.
        await markRelayFailed(this.db, [row.id], `unknown queue ${row.queue}`);
        await markRelayed(this.db, [row.id], this.now());
        continue;
      }
      if (this.takenOver(row)) {
        taken.push(row.id);
        continue;
      }
      byQueue.set(name, [...(byQueue.get(name) ?? []), row]);
    }
    // Rows on their queues (or taken over) are marked relayed together, also when a later queue refused its own.
    relayed.push(...taken);
    try {
      for (const [name, list] of byQueue) {
        // A kind of job may name its own id and run time (deadline timers): the delay counts from now.
        const place = JOB_PLACEMENT[name] as ((d: unknown, now: number) => { jobId: string; runAt: Date } | null) | undefined;
        const now = this.now().getTime();
        // Rows that name the same job (the tick of one second, written by many matters) make it once.
        const jobs = new Map<string, { data: JobMap[typeof name]; jobId: string; delay?: number }>();
        for (const r of list) {
          const p = place?.(r.payload, now);
          const jobId = p?.jobId ?? outboxJobId(r);
          if (!jobs.has(jobId)) jobs.set(jobId, { data: r.payload as unknown as JobMap[typeof name], jobId, delay: p ? Math.max(0, p.runAt.getTime() - now) : undefined });
        }
        try {
          await this.queues.addBulk(name, [...jobs.values()]);
        } catch (err) {
          await markRelayFailed(this.db, list.map((r) => r.id), (err as Error).message).catch(() => {});
          throw err;
        }
        relayed.push(...list.map((r) => r.id));
      }
    } catch (err) {
      // Unmarked, they would only be relayed again (their job ids make that a no-op).
      await markRelayed(this.db, relayed.splice(0), this.now()).catch(() => {});
      throw err;
    }
    if (this.failing) this.logger.info('outbox relay resumed');
    this.failing = false;
    return rows.length;
  }
}
