// A worker killed in the middle of routing: the matter is still routed once and notified once.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { eq } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../../src/app/runtime.js';
import { JOB_NAMES } from '../../../src/ports/jobs.js';
import { intake } from '../../../src/services/intake-service.js';
import { deliveries, matterEvents, matters } from '../../../src/store/schema.js';
import { newOfficer, newTree, newVillager } from '../../support/factories.js';
import { RecordingChannel } from '../../support/recording-channel.js';
import { openTestRuntime, QUEUE_KINDS, uniquePrefix } from '../../support/runtime.js';
import { openTestStore, TEST_REDIS_URL, type TestStore } from '../../support/store.js';
import { daytimeClock } from '../../support/clock.js';
import { waitIdle } from '../../support/idle.js';
import { waitFor } from '../../support/wait.js';

const CHILD = fileURLToPath(new URL('../../support/worker-child.ts', import.meta.url));

describe.each(QUEUE_KINDS)('a worker killed mid-job, queues on %s', (kind) => {
  let store: TestStore;
  let runtime: Runtime | null = null;
  let child: ChildProcess | null = null;

  beforeAll(async () => {
    store = await openTestStore('postgres');
  });
  afterAll(async () => {
    await store?.close();
  });
  afterEach(async () => {
    child?.kill('SIGKILL');
    await runtime?.close();
    runtime = null;
  });

  for (const hang of ['before', 'after'] as const) {
    it(`killed ${hang} its routing commit: routed once, notified once`, async () => {
      await store.reset();
      const tree = await newTree(store.db);
      const officer = await newOfficer(store.db, tree.unit, '李冬梅', { telegram: '2002' });
      await newVillager(store.db, tree.unit, '王秀英', { telegram: '1001' });
      const prefix = uniquePrefix();
      const clock = daytimeClock();
      child = fork(CHILD, [], {
        execArgv: ['--import', 'tsx'],
        env: {
          ...process.env,
          GRIDLINE_CHILD_HANG: hang,
          GRIDLINE_CHILD_DB: store.url!,
          GRIDLINE_CHILD_REDIS: kind === 'redis' ? TEST_REDIS_URL : '',
          GRIDLINE_CHILD_PREFIX: prefix,
          GRIDLINE_CHILD_CLOCK_OFFSET: String(clock.offsetMs),
        },
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      const states: string[] = [];
      child.on('message', (m: any) => states.push(m.state));
      // A cold child (tsx, a store, queues) takes long on a loaded machine: wait for it, not for a time.
      await waitFor(() => states.includes('ready'), 'the child worker', 120_000);

      // The producer side: a runtime with no workers of its own yet, so the child takes the job.
      const telegram = new RecordingChannel('telegram');
      runtime = await openTestRuntime(store, kind, { channels: new Map([['telegram', telegram]]), prefix, clock });
      runtime.relay!.start();
      const r = await intake(runtime.ctx, {
        eventId: `telegram:update:${hang}`,
        platform: 'telegram',
        externalUserId: '1001',
        kind: 'report',
        category: 'help',
        text: '自来水管爆了',
        receivedAt: clock.now().toISOString(),
      });
      if (r.status !== 'created') throw new Error('not created');
      const expected = hang === 'before' ? 'started' : 'committed';
      await waitFor(() => states.includes(expected), `the child to reach "${expected}"`, 45_000);
      child.kill('SIGKILL');
      await new Promise((res) => child!.once('exit', res));

      // A new worker takes the stalled job over.
      await runtime.relay!.stop();
      runtime.startWorkers({
        concurrency: 2,
        // Every queue takes stalled jobs back quickly (the dead child held jobs of other queues too; its
        // locks lapse after 1 s), while the survivor holds its own for the default 30 s: a short lock
        // of its own would lapse under load and run a job twice.
        perQueue: Object.fromEntries(JOB_NAMES.map((name) => [name, { stalledInterval: 500 }])),
      });
      await waitFor(async () => {
        const ds = await store.db.select().from(deliveries).where(eq(deliveries.matterId, r.matter.id));
        return ds.length === 3 && ds.every((d) => d.status === 'sent' || d.status === 'superseded');
      }, 'all three notifications to be sent', 45_000);
      await waitIdle(runtime);

      const [m] = await store.db.select().from(matters).where(eq(matters.id, r.matter.id));
      expect(m!.assigneeId).toBe(officer.id);
      const routes = await store.db.select().from(matterEvents).where(eq(matterEvents.matterId, r.matter.id));
      expect(routes.filter((e) => e.action === 'route')).toHaveLength(1);
      expect(telegram.to('2002').filter((t) => t.includes(r.matter.ref))).toHaveLength(1);
      // One receipt naming the officer, or (routing later than the receipt's wait) the receipt and the officer's name.
    const superseded = (await store.db.select().from(deliveries).where(eq(deliveries.matterId, r.matter.id))).some((d) => d.status === 'superseded');
    expect(telegram.to('1001').filter((t) => t.includes(r.matter.ref))).toHaveLength(superseded ? 1 : 2);
    }, 240_000);
  }
});
