// Puts back the report-in jobs now due, the card refreshes and the broadcasts' jobs (progress,
// scheduled release) a queue lost (Redis restarted empty), or that a process may have missed, from
// what the store says should exist. Run when a process starts and when Redis comes back empty.
// Every handler is idempotent (a report-in alerts once under the summons' lock; a refresh draws
// the card as it is; a release moves 'scheduled' once; a second progress chain stops itself), so a
// job put back beside its original is harmless.
import { timedJobsFromStore } from '../services/lost-timers.js';
import { lostBroadcastJobs } from '../services/broadcast-service.js';
import { yearlyPlan } from '../services/yearly-broadcast.js';
import { scheduleYearlyBroadcasts } from './yearly-schedule.js';
import type { ServiceContext } from '../ports/context.js';
import type { QueueSystem } from './queue-system.js';

const PAGE = 500;

export async function restoreTimedJobs(ctx: Pick<ServiceContext, 'db' | 'now' | 'logger'>, queues: QueueSystem): Promise<{ reportIn: number; cardRefresh: number; broadcasts: number }> {
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
  const lost = await lostBroadcastJobs(ctx);
  await queues.addBulk('broadcast', lost.map((j) => ({ data: j.data, jobId: `rc-bc-${j.data.op}-${j.data.broadcastId}-${tag}`, delay: j.delay })));
  // The yearly broadcasts' schedulers live in the queue too.
  await scheduleYearlyBroadcasts(queues, await yearlyPlan(ctx.db, ctx.now()));
  const n = { reportIn: jobs.reportIn.length, cardRefresh: jobs.cardRefresh.length, broadcasts: lost.length };
  if (n.reportIn || n.cardRefresh || n.broadcasts) ctx.logger.info(n, 'report-in and card-refresh jobs put back from the store');
  return n;
}
