// What a runtime has in hand, as tests (and operators) read it instead of sleeping: due outbox
// rows, waiting jobs and delayed jobs due soon count; a timer set for later does not.
import { outboxJob } from '../../../src/ports/jobs.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runtimeActivity } from '../../../src/app/activity.js';
import { enqueue } from '../../../src/store/repositories/outbox-repository.js';
import { waitIdle } from '../../support/idle.js';
import { openTestRuntime, QUEUE_KINDS, type TestRuntime } from '../../support/runtime.js';
import { openTestStore, type TestStore } from '../../support/store.js';

describe.each(QUEUE_KINDS)('runtime activity, queues on %s', (kind) => {
  let store: TestStore;
  let runtime: TestRuntime;

  beforeAll(async () => {
    store = await openTestStore('postgres');
    runtime = await openTestRuntime(store, kind);
  }, 120_000);
  afterAll(async () => {
    await runtime?.close();
    await store?.close();
  });

  it('counts due outbox rows, waiting jobs and retries due soon, not timers set for later', async () => {
    expect(await runtimeActivity(runtime)).toMatchObject({ pending: 0 });

    const later = new Date(runtime.ctx.now().getTime() + 3600_000);
    await enqueue(store.db, [outboxJob('card_refresh', { matterId: 'm-later' }, { runAt: later })]);
    await runtime.queues!.add('card_refresh', { matterId: 'm-timer' }, { jobId: 'act-timer', delay: 3600_000 });
    expect(await runtimeActivity(runtime)).toMatchObject({ pending: 0 });

    await enqueue(store.db, [outboxJob('card_refresh', { matterId: 'm-now' })]);
    await runtime.queues!.add('card_refresh', { matterId: 'm-wait' }, { jobId: 'act-wait' });
    await runtime.queues!.add('card_refresh', { matterId: 'm-soon' }, { jobId: 'act-soon', delay: 500 });
    const busy = await runtimeActivity(runtime);
    expect(busy.detail).toMatchObject({ outbox: 1, 'card_refresh.waiting': 1, 'card_refresh.delayed': 1 });
    expect(busy.pending).toBe(3);

    // Once the workers have done it all, it is idle again, and the hour-away timer is still there.
    runtime.startWorkers({ concurrency: 2 });
    await waitIdle(runtime);
    expect(await runtime.queues!.queue('card_refresh').getJobState('act-timer')).toBe('delayed');
    expect((await runtimeActivity(runtime)).finished).toBeGreaterThanOrEqual(3);
  }, 120_000);
});
