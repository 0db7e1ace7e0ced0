// 回访: a few days after a matter is settled, it is looked at again; when the villager has not
// rated it, or rated it 不满意 (it was reopened and settled again), the officer who holds it is
// reminded to call or visit. A settlement after it (reopened and settled once more) brings its own
// look; this one then does nothing.
import { randomUUID } from 'node:crypto';
import { DEFAULT_FOLLOW_UP_DAYS, followUpReason } from '../domain/index.js';
import { outboxJob, type JobOutcome, type OutboxJob } from '../ports/jobs.js';
import type { ServiceContext } from '../ports/context.js';
import { followUpWritten, ratingsOf } from '../store/repositories/broadcast-repository.js';
import { createDeliveries } from '../store/repositories/delivery-repository.js';
import { findMatter } from '../store/repositories/matter-repository.js';
import { enqueue } from '../store/repositories/outbox-repository.js';
import { sendJobs } from './send-jobs.js';

const DAY_MS = 86_400_000;

/** The look at a matter settled at `settledAt`, `days` later. */
export function followUpJob(matterId: string, settledAt: Date, days = DEFAULT_FOLLOW_UP_DAYS): OutboxJob {
  return outboxJob('broadcast', { op: 'follow_up', matterId, settledAt: settledAt.toISOString() }, { runAt: new Date(settledAt.getTime() + days * DAY_MS) });
}

export async function followUpDue(ctx: ServiceContext, data: { matterId: string; settledAt: string }, days = DEFAULT_FOLLOW_UP_DAYS): Promise<JobOutcome> {
  const out = await ctx.db.transaction(async (tx) => {
    const matter = await findMatter(tx, data.matterId);
    if (!matter?.assigneeId) return { outcome: 'no_holder' };
    // Settled again since (or never settled as this job says): that settlement's own look decides.
    if (matter.feedbackAt?.toISOString() !== data.settledAt) return { outcome: 'settled_again' };
    const reason = followUpReason(matter, await ratingsOf(tx, matter.id));
    if (!reason) return { outcome: 'not_needed' };
    if (await followUpWritten(tx, matter.id, data.settledAt)) return { outcome: 'duplicate' };
    const rows = [
      {
        id: randomUUID(),
        personId: matter.assigneeId,
        matterId: matter.id,
        template: 'follow_up',
        params: { ref: matter.ref, category: matter.category, days, settledAt: data.settledAt, reasonKey: `notify:follow_up_reason.${reason}` },
      },
    ];
    await createDeliveries(tx, rows);
    await enqueue(tx, sendJobs(rows));
    return { outcome: 'reminded', reason };
  });
  ctx.outboxWritten();
  return out;
}
