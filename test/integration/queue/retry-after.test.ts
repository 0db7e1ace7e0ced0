// A handler that throws RetryAfterError (a platform's 429) has its job wait that long, on Redis and
// on BullMQ's PostgreSQL backend, without using up an attempt.
import { afterAll, describe, expect, it } from 'vitest';
import { RetryAfterError } from '../../../src/ports/channel.js';
import type { JobMeta } from '../../../src/ports/jobs.js';
import { QueueSystem, type QueueTarget } from '../../../src/queue/queue-system.js';
import { testLogger, uniquePrefix } from '../../support/runtime.js';
import { createTestDatabase, TEST_REDIS_URL } from '../../support/store.js';
import { waitFor } from '../../support/wait.js';

const drops: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const d of drops) await d();
});

async function target(kind: 'redis' | 'postgres'): Promise<QueueTarget> {
  if (kind === 'redis') return { kind: 'redis', url: TEST_REDIS_URL, prefix: uniquePrefix() };
  const db = await createTestDatabase();
  drops.push(db.drop);
  return { kind: 'postgres', url: db.url };
}

describe.each(['redis', 'postgres'] as const)('RetryAfterError on %s', (kind) => {
  it('delays the job by retryAfterMs and keeps its attempts', async () => {
    const queues = await QueueSystem.open(await target(kind), testLogger);
    try {
      const runs: Array<{ at: number; meta: JobMeta }> = [];
      queues.startWorkers({
        send: async (_data, meta) => {
          runs.push({ at: Date.now(), meta });
          if (runs.length === 1) throw new RetryAfterError(1200, 'telegram');
          return { outcome: 'sent' };
        },
      });
      const jobId = `ra-${uniquePrefix()}`;
      await queues.add('send', { recipient: 'chat:telegram:1' }, { jobId });
      await waitFor(() => runs.length >= 2, 'the second run', 20_000);
      // A bound the mechanism guarantees whatever the load: the first run's time is read before it
      // throws, and the job is delayed to 1200 ms after the throw; load can only add to the gap.
      expect(runs[1]!.at - runs[0]!.at).toBeGreaterThanOrEqual(1150);
      expect(runs.map((r) => r.meta.attempt)).toEqual([1, 1]);
      // Done for good: completed, nothing waiting or delayed behind it.
      const q = queues.queue('send');
      await waitFor(async () => (await q.getJobState(jobId)) === 'completed', 'the job completed');
      expect(await q.getJobCounts('waiting', 'active', 'delayed')).toEqual({ waiting: 0, active: 0, delayed: 0 });
      expect(runs).toHaveLength(2);
    } finally {
      await queues.close();
    }
  });

  it('fails a malformed job once: its payload is checked before the handler runs', async () => {
    const queues = await QueueSystem.open(await target(kind), testLogger);
    try {
      let handled = 0;
      queues.startWorkers({
        route: async () => {
          handled++;
          return { outcome: 'routed' };
        },
      });
      const bad = `bad-${uniquePrefix()}`;
      const good = `good-${uniquePrefix()}`;
      // Written as a hand-made row would be: not through outboxJob, so not type-checked.
      await queues.add('route', { matter: 'x' } as never, { jobId: bad });
      await queues.add('route', { matterId: 'm1' }, { jobId: good });
      const q = queues.queue('route');
      await waitFor(async () => (await q.getJobState(bad)) === 'failed', 'the malformed job failed', 20_000);
      await waitFor(async () => (await q.getJobState(good)) === 'completed', 'the good job completed', 20_000);
      const job = await q.getJob(bad);
      // Ten attempts are allowed (DEFAULT_JOB_OPTIONS); it used one.
      expect(job!.opts.attempts).toBe(10);
      expect(job!.attemptsMade).toBe(1);
      expect(job!.failedReason).toMatch(/malformed route job: matterId/);
      expect(handled).toBe(1);
    } finally {
      await queues.close();
    }
  });
});
