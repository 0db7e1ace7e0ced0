// Puts back the report-in jobs now due and the card refreshes a queue lost (Redis restarted empty), or that a
// process may have missed, from what the store says should exist. Run when a process starts and
// when Redis comes back empty. Both handlers are idempotent (a report-in alerts once under the
// summons' lock; a refresh draws the card as it is), so a job put back beside its original is harmless.
import { timedJobsFromStore } from '../services/lost-timers.js';
import type { ServiceContext } from '../ports/context.js';
import type { QueueSystem } from './queue-system.js';

const PAGE = 500;

export async function restoreTimedJobs(ctx: Pick<ServiceContext, 'db' | 'now' | 'logger'>, queues: QueueSystem): Promise<{ reportIn: number; cardRefresh: number }> {
  const jobs = await timedJobsFromStore(ctx);
  const now = ctx.now().getTime();
  // An id of its own per pass: the id of a finished or failed job of the lost queue must not block it.
  const tag = now.toString(36);
  for (let i = 0; i < jobs.reportIn.length; i += PAGE) {
    await queues.addBulk('report_in_due', jobs.reportIn.slice(i, i + PAGE).map((summonsId) => ({ data: { summonsId }, jobId: `rc-rid-${summonsId}-${tag}` })));
  }
  for (let i = 0; i < jobs.cardRefresh.length; i += PAGE) {
    await queues.addBulk('card_refresh', jobs.cardRefresh.slice(i, i + PAGE).map((matterId) => ({ data: { matterId }, jobId: `rc-card-${matterId}-${tag}` })));
  }
  const n = { reportIn: jobs.reportIn.length, cardRefresh: jobs.cardRefresh.length };
  if (n.reportIn || n.cardRefresh) ctx.logger.info(n, 'report-in and card-refresh jobs put back from the store');
  return n;
}
