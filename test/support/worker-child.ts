// A worker in its own process, so a test can kill it (SIGKILL) in the middle of a job.
// GRIDLINE_CHILD_HANG=before: take a route job and stop before doing anything.
// GRIDLINE_CHILD_HANG=after: route it (commit), then stop before the job is marked done.
import { createRuntime } from '../../src/app/runtime.js';
import { createLogger } from '../../src/logger.js';

const hang = process.env.GRIDLINE_CHILD_HANG as 'before' | 'after';
const runtime = await createRuntime({
  store: { kind: 'postgres', url: process.env.GRIDLINE_CHILD_DB!, poolSize: 3 },
  queue: process.env.GRIDLINE_CHILD_REDIS ? { kind: 'redis', url: process.env.GRIDLINE_CHILD_REDIS, prefix: process.env.GRIDLINE_CHILD_PREFIX } : { kind: 'postgres' },
  logger: createLogger({ level: 'silent' }),
  relayIntervalMs: 60_000,
});
const forever = () => new Promise<never>(() => {});
runtime.startWorkers({
  concurrency: 1,
  perQueue: {
    route: { concurrency: 1, lockDuration: 1000, stalledInterval: 500 },
    notify: { concurrency: 1, lockDuration: 1000, stalledInterval: 500 },
    inbound: { concurrency: 1, lockDuration: 1000, stalledInterval: 500 },
  },
  wrap: (name, handler) =>
    (async (data: any, meta: any) => {
      if (name !== 'route') return forever();
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
