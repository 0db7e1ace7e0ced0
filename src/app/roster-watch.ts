// A roster imported while the service runs (`gridline import` writes the same database) takes
// effect at once: the import announces itself (ROSTER_CHANGED, on commit), and every running
// process drops its cached time limits, plans the evening sweeps and morning digests again at the
// new cut-offs and zones, and moves open matters' deadlines. Also done whenever the listen starts
// again after a lost connection, since an announcement sent meanwhile is lost.
import type { Logger } from '../logger.js';
import { scheduleDailyJobs } from '../queue/daily-schedule.js';
import { scheduleYearlyBroadcasts } from '../queue/yearly-schedule.js';
import { yearlyPlan } from '../services/yearly-broadcast.js';
import { sweepSlots } from '../services/daily-alerts.js';
import { forgetPolicies } from '../services/policy-cache.js';
import { zonesInUse } from '../store/repositories/alert-repository.js';
import { ROSTER_CHANGED } from '../store/repositories/roster-repository.js';
import type { Runtime } from './runtime.js';

/** Plans the sweep and digest schedulers for the roster as it is in the store now. */
export async function planDailyJobs(runtime: Pick<Runtime, 'queues' | 'store'>): Promise<void> {
  if (!runtime.queues) return;
  await scheduleDailyJobs(runtime.queues, await zonesInUse(runtime.store.db), undefined, await sweepSlots(runtime.store.db));
  // A node's zone may have changed; a queue that lost its data lost the schedulers too.
  await scheduleYearlyBroadcasts(runtime.queues, await yearlyPlan(runtime.store.db, new Date()));
}

export interface RosterWatch {
  /** Resolves once the reload asked for last has run (tests wait on it). */
  settled(): Promise<void>;
  stop(): Promise<void>;
}

/** Listens for roster changes; reloads run one at a time, and a change during a reload runs one more. */
export async function watchRoster(runtime: Pick<Runtime, 'queues' | 'store' | 'reconcileDeadlines'>, logger: Logger): Promise<RosterWatch> {
  let running: Promise<void> = Promise.resolve();
  let wanted = false;
  let first = true;
  const reload = async (why: string) => {
    forgetPolicies(runtime.store.db);
    await planDailyJobs(runtime);
    await runtime.reconcileDeadlines();
    logger.info({ why }, 'roster reloaded');
  };
  const ask = (why: string) => {
    if (wanted) return;
    wanted = true;
    running = running.then(async () => {
      wanted = false;
      await reload(why).catch((err: Error) => logger.warn({ err: { name: err.name, message: err.message } }, 'roster reload failed; the next change or reconnection tries again'));
    });
  };
  const unlisten = await runtime.store.listen(
    ROSTER_CHANGED,
    () => ask('roster imported'),
    () => {
      // The first listen is the start, which has just planned everything.
      if (first) first = false;
      else ask('listening again after a lost connection');
    },
  );
  return {
    settled: async () => {
      for (let seen: Promise<void> | null = null; seen !== running; ) await (seen = running);
    },
    stop: async () => {
      await unlisten().catch(() => {});
      await running;
    },
  };
}
