// One villager's send queue on a fresh store and runtime: a villager with a Telegram identity, the
// given channel at the port, the send jobs' runs recorded. `notice` writes a notification as the
// services write one (the row and its send job). Registers its own beforeEach/afterEach.
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach } from 'vitest';
import type { Platform } from '../../src/domain/types.js';
import type { Channel } from '../../src/ports/channel.js';
import { sendJobs } from '../../src/services/send-jobs.js';
import { createDeliveries } from '../../src/store/repositories/delivery-repository.js';
import { enqueue } from '../../src/store/repositories/outbox-repository.js';
import { newTree, newVillager, type PersonRow } from './factories.js';
import { recordJobRuns } from './job-runs.js';
import { openTestRuntime, type QueueKind, type TestRuntime } from './runtime.js';
import { openTestStore, type TestStore } from './store.js';

export interface OneQueue<C extends Channel> {
  store: TestStore;
  runtime: TestRuntime;
  channel: C;
  villager: PersonRow;
  sends: ReturnType<typeof recordJobRuns>;
  /** A notification to the villager (template size_marked with this reference). */
  notice(ref: string): Promise<void>;
}

export function oneVillagerQueue<C extends Channel>(kind: QueueKind, makeChannel: () => C): OneQueue<C> {
  const q = { sends: recordJobRuns(['send']) } as OneQueue<C>;
  q.notice = async (ref) => {
    await q.store.db.transaction(async (tx) => {
      const rows = [{ id: randomUUID(), personId: q.villager.id, matterId: null, template: 'size_marked', params: { ref, sizeName: '小事' } }];
      await createDeliveries(tx, rows);
      await enqueue(tx, sendJobs(rows));
    });
    q.runtime.ctx.outboxWritten();
  };
  beforeEach(async () => {
    q.store = await openTestStore('postgres');
    const tree = await newTree(q.store.db);
    q.villager = await newVillager(q.store.db, tree.unit, '王秀英', { telegram: '1001' });
    q.channel = makeChannel();
    q.runtime = await openTestRuntime(q.store, kind, { channels: new Map<Platform, Channel>([['telegram', q.channel]]) });
    q.sends.runs.length = 0;
    q.runtime.startWorkers({ concurrency: 10, wrap: q.sends.wrap });
  });
  afterEach(async () => {
    await q.runtime?.close();
    await q.store?.close();
  });
  return q;
}
