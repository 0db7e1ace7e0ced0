// Records what the job handlers decided (done, or handed back with Retry-After), so a test asserts
// on the service's decisions rather than on gaps measured on the wall clock.
import type { StartWorkersOptions } from '../../src/app/runtime.js';
import { RetryAfterError } from '../../src/ports/channel.js';
import type { JobMeta, JobName, JobOutcome } from '../../src/ports/jobs.js';

export interface JobRun {
  queue: JobName;
  jobId: string;
  attempt: number;
  /** 'done', 'retry_after:<ms>' (a platform's 429 handed back to the queue) or 'error:<name>'. */
  outcome: string;
}

/** A `wrap` for startWorkers that appends each run of the given queues to `runs`. */
export function recordJobRuns(queues: readonly JobName[]): { runs: JobRun[]; wrap: NonNullable<StartWorkersOptions['wrap']> } {
  const runs: JobRun[] = [];
  const wrap: NonNullable<StartWorkersOptions['wrap']> = (name, handler) => {
    if (!queues.includes(name)) return handler;
    const run = handler as (data: unknown, meta: JobMeta) => Promise<JobOutcome>;
    return (async (data: unknown, meta: JobMeta) => {
      try {
        const out = await run(data, meta);
        runs.push({ queue: name, jobId: meta.jobId, attempt: meta.attempt, outcome: 'done' });
        return out;
      } catch (err) {
        const outcome = err instanceof RetryAfterError ? `retry_after:${err.retryAfterMs}` : `error:${(err as Error).name}`;
        runs.push({ queue: name, jobId: meta.jobId, attempt: meta.attempt, outcome });
        throw err;
      }
    }) as typeof handler;
  };
  return { runs, wrap };
}

/** The runs of the job that was handed back with Retry-After (the first such), as [attempt, outcome]. */
export function runsOfHeldJob(runs: readonly JobRun[], queue: JobName): Array<[number, string]> {
  const held = runs.find((r) => r.queue === queue && r.outcome.startsWith('retry_after'));
  if (!held) return [];
  return runs.filter((r) => r.jobId === held.jobId).map((r) => [r.attempt, r.outcome]);
}
