// A worker in its own process, so a test can kill it (SIGKILL) in the middle of a job.
// GRIDLINE_CHILD_HANG=before: take a target job and stop before doing anything.
// GRIDLINE_CHILD_HANG=after: do it (commit), then stop before the job is marked done.
// GRIDLINE_CHILD_QUEUE: the target queue (default route); jobs of other queues are held forever.
// GRIDLINE_CHILD_QUEUE=deadline targets only escalations (a tick's climb, a single due timer); its other jobs (ticks, warnings) run.
// GRIDLINE_CHILD_CLOCK_OFFSET: the test's TestClock offset (ms), so both processes read the same time.
import { createRuntime } from '../../src/app/runtime.js';
import { JOB_NAMES, type JobName } from '../../src/ports/jobs.js';
import { createLogger } from '../../src/logger.js';
import { TestClock } from './clock.js';

const hang = process.env.GRIDLINE_CHILD_HANG as 'before' | 'after';
const target = (process.env.GRIDLINE_CHILD_QUEUE || 'route') as JobName;
const offset = process.env.GRIDLINE_CHILD_CLOCK_OFFSET;
const runtime = await createRuntime({
  store: { kind: 'postgres', url: process.env.GRIDLINE_CHILD_DB!, poolSize: 3 },
  queue: process.env.GRIDLINE_CHILD_REDIS ? { kind: 'redis', url: process.env.GRIDLINE_CHILD_REDIS, prefix: process.env.GRIDLINE_CHILD_PREFIX } : { kind: 'postgres' },
  logger: createLogger({ level: 'silent' }),
  relayIntervalMs: 60_000,
  ...(offset ? { now: TestClock.withOffset(Number(offset)).now } : {}),
});
const forever = () => new Promise<never>(() => {});
const isTarget = (name: JobName, data: any) => name === target && (name !== 'deadline' || data.op === 'climb' || (data.op === 'fire' && data.phase === 'due'));
runtime.startWorkers({
  concurrency: 1,
  perQueue: Object.fromEntries(JOB_NAMES.map((name) => [name, { concurrency: 1, lockDuration: 1000, stalledInterval: 500 }])),
  wrap: (name, handler) =>
    (async (data: any, meta: any) => {
      if (!isTarget(name, data)) return name === target ? (handler as any)(data, meta) : forever();
      if (hang === 'before') {
        process.send?.({ state: 'started', data });
        return forever();
      }
      const out = await (handler as any)(data, meta);
      process.send?.({ state: 'committed', data, out });
      return forever();
    }) as typeof handler,
});
process.send?.({ state: 'ready' });
