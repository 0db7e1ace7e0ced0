// Send jobs this process is running, by recipient queue (issue 19). A send job drains its queue
// until it finds it empty, so a message written to a queue whose job is still at it needs no job of
// its own: the outbox relay hands that wake to the running job instead of queueing one, and the job
// reads its queue once more before it ends. Safe by construction in one process: a job checks for
// wakes and stops taking them in one step, right after it found its queue empty (or another job's
// head); a wake that comes after that finds no job and is queued as before. Jobs of other
// processes are not known here: their wakes are queued as before. A job that fails gives the wakes
// it took back, as jobs (it may not read its queue again before its retry).

/** One running job's hold on its queue. */
export interface Drain {
  readonly recipient: string;
  /** A wake came since the job last read its queue. */
  woken: boolean;
  /** The job stopped taking wakes. */
  ended: boolean;
}

export class SendWakes {
  private readonly draining = new Map<string, Set<Drain>>();

  /** A send job starts on `recipient`'s queue (before it first reads it). */
  begin(recipient: string): Drain {
    const drain: Drain = { recipient, woken: false, ended: false };
    let set = this.draining.get(recipient);
    if (!set) this.draining.set(recipient, (set = new Set()));
    set.add(drain);
    return drain;
  }

  /** A new message in `recipient`'s queue: true when a running job takes the wake (no job is needed). */
  handOver(recipient: string): boolean {
    const set = this.draining.get(recipient);
    if (!set?.size) return false;
    for (const d of set) d.woken = true;
    return true;
  }

  /**
   * The job found nothing more it may send: true when a wake came since it last read (it reads
   * again; the wake is taken); else it takes no more wakes and ends.
   */
  settle(drain: Drain): boolean {
    if (drain.woken && !drain.ended) {
      drain.woken = false;
      return true;
    }
    this.end(drain);
    return false;
  }

  /** The job ends (whatever the outcome); true when it took a wake it did not read for (the caller queues a job for it). */
  end(drain: Drain): boolean {
    if (drain.ended) return false;
    drain.ended = true;
    const set = this.draining.get(drain.recipient);
    set?.delete(drain);
    if (set && !set.size) this.draining.delete(drain.recipient);
    return drain.woken;
  }

  /** Queues with a job running in this process (for tests and metrics). */
  get size(): number {
    return this.draining.size;
  }
}

/** An outbox row's send job a running job may take instead: one due now (a job set for later is queued as it is). */
export function takesWake(wakes: SendWakes, payload: Record<string, unknown>): boolean {
  return typeof payload.recipient === 'string' && payload.at === undefined && wakes.handOver(payload.recipient);
}
