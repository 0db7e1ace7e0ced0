// Whether a runtime has work in hand: outbox rows due and not yet relayed, a relay pass running,
// jobs waiting or running, and delayed jobs (retries, Retry-After waits) that fall due within a
// horizon. Timers set for later (a deadline hours away) are not work in hand. Tests wait on this
// instead of sleeping to show that nothing more happens; an operator could read it the same way.
import { JOB_NAMES } from '../ports/jobs.js';
import { outboxDueCount } from '../store/repositories/outbox-repository.js';
import type { Runtime } from './runtime.js';

export interface Activity {
  /** Work in hand or due within the horizon; 0 means idle. */
  pending: number;
  /** Jobs finished so far (completed or failed for good): two idle looks with the same count saw nothing happen between them. */
  finished: number;
  /** Where the pending work is: 'outbox', 'relay', or a queue's name with its state (e.g. 'notify.active'). */
  detail: Record<string, number>;
}

export interface ActivityOptions {
  /** Delayed jobs and outbox rows due within this many ms count as pending (default 2000: a retry's first backoff, a 1 s Retry-After). */
  horizonMs?: number;
}

const STATES = ['waiting', 'active', 'prioritized', 'waiting-children'] as const;

export async function runtimeActivity(rt: Pick<Runtime, 'queues' | 'relay' | 'store' | 'ctx'>, opts: ActivityOptions = {}): Promise<Activity> {
  const horizon = opts.horizonMs ?? 2000;
  const detail: Record<string, number> = {};
  let finished = 0;
  const note = (key: string, n: number) => {
    if (n > 0) detail[key] = (detail[key] ?? 0) + n;
  };
  // Upstream first (the relay, then the outbox, then the queues): work moving down the line
  // between two reads is then seen in the second place.
  note('relay', rt.relay?.busy ? 1 : 0);
  note('outbox', await outboxDueCount(rt.store.db, new Date(rt.ctx.now().getTime() + horizon)));
  const queues = rt.queues;
  if (queues) {
    const looks = await Promise.all(
      JOB_NAMES.map(async (name) => {
        const q = queues.queue(name);
        const counts = await q.getJobCounts(...STATES, 'delayed', 'completed', 'failed');
        // BullMQ's delays run on the real clock, whatever clock the runtime's `now` reads.
        const due = counts.delayed ? await q.getDelayedCount(Date.now() + horizon) : 0;
        return { name, counts, due };
      }),
    );
    for (const { name, counts, due } of looks) {
      for (const s of STATES) note(`${name}.${s}`, counts[s] ?? 0);
      note(`${name}.delayed`, due);
      finished += (counts.completed ?? 0) + (counts.failed ?? 0);
    }
  }
  return { pending: Object.values(detail).reduce((a, b) => a + b, 0), finished, detail };
}
