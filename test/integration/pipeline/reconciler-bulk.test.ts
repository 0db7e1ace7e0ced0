// The reconciler's light pass calls a job lost when its work has waited past a grace. A notice to
// thousands waits its turn at the platform's rate for minutes with every job in the queue: its
// copies get a longer grace, so a long broadcast is not queued again (nor warned about) every few
// seconds, while a matter's message that waits as long is still put back; a full pass (the queue
// lost its data) takes both whatever their age.
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { composeBroadcast, releaseBroadcast, senderById } from '../../../src/services/broadcast-service.js';
import { createDeliveries } from '../../../src/store/repositories/delivery-repository.js';
import { newPerson, newTree, newVillager, type PersonRow, type Tree } from '../../support/factories.js';
import { openTestRuntime, uniquePrefix, type TestRuntime } from '../../support/runtime.js';
import { openTestStore, type TestStore } from '../../support/store.js';
import { TestClock } from '../../support/clock.js';

describe('the reconciler and a long broadcast (queues on Redis)', () => {
  let store: TestStore;
  let runtime: TestRuntime;
  let tree: Tree;
  let cadre: PersonRow;
  let villagers: PersonRow[];

  beforeEach(async () => {
    store = await openTestStore('postgres');
    tree = await newTree(store.db);
    cadre = await newPerson(store.db, { name: '周文华', role: 'cadre', at: tree.village, telegram: '500' });
    villagers = [];
    for (let i = 0; i < 6; i++) villagers.push(await newVillager(store.db, i % 2 ? tree.unit : tree.otherUnit, `村民${i}`, { telegram: String(1000 + i) }));
  });
  afterEach(async () => {
    await runtime?.close();
    await store?.close();
  });

  it('leaves a broadcast’s waiting copies to their jobs for an hour, but puts back a matter’s message after two minutes', async () => {
    // The rows are written now (the database's clock); the service's clock reads five minutes later.
    runtime = await openTestRuntime(store, 'redis', { prefix: uniquePrefix(), clock: new TestClock(new Date(Date.now() + 5 * 60_000).toISOString()) });
    const author = (await senderById(store.db, cadre.id))!;
    const composed = await store.db.transaction((tx) => composeBroadcast(runtime.ctx, tx, author, { nodeId: tree.village.id, texts: { 'zh-CN': '今晚七点放电影。' }, defaultLocale: 'zh-CN' }));
    if (!composed.ok) throw new Error(composed.code);
    await releaseBroadcast(runtime.ctx, store.db, composed.broadcast.id);
    await store.db.transaction((tx) => createDeliveries(tx, [{ id: randomUUID(), personId: villagers[0]!.id, matterId: null, template: 'size_marked', params: { ref: '0000-0001', sizeName: '小事' } }]));

    const light = await runtime.reconciler!.pass();
    expect(light).toBe(1);
    const full = await runtime.reconciler!.runFull('test');
    expect(full.deliveries).toBe(villagers.length + 1);
  });
});
