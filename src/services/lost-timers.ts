// Jobs that only a queue remembers until they fire: a summoned department's report-in limit
// (report_in_due, delayed until it is due) and the refresh of a matter's cards after it moved
// (card_refresh). A Redis that restarts empty loses them; the store says which should exist.
import { mattersWithStaleCards } from '../store/repositories/slack-card-repository.js';
import { summonsAwaitingReportIn } from '../store/repositories/summons-repository.js';
import type { ServiceContext } from '../ports/context.js';

export interface TimedJobs {
  /** Summons still waiting for their department whose limit has passed (one not yet due waits in the outbox until then). */
  reportIn: string[];
  /** Matters whose cards were drawn before their last move. */
  cardRefresh: string[];
}

/** What the queue should hold for these kinds of job, read from the store. */
export async function timedJobsFromStore(ctx: Pick<ServiceContext, 'db' | 'now'>): Promise<TimedJobs> {
  const [summons, cards] = await Promise.all([summonsAwaitingReportIn(ctx.db, ctx.now()), mattersWithStaleCards(ctx.db)]);
  return { reportIn: summons.map((s) => s.id), cardRefresh: cards };
}
