import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { queryRows } from '../../../src/store/raw.js';
import { matterEvents, matters } from '../../../src/store/schema.js';
import { newTree, newVillager } from '../../support/factories.js';
import { openTestStore, STORE_KINDS, type TestStore } from '../../support/store.js';

describe.each(STORE_KINDS)('store on %s', (kind) => {
  let store: TestStore;
  beforeAll(async () => {
    store = await openTestStore(kind);
  });
  afterAll(async () => {
    await store?.close();
  });
  it('applies the migrations', async () => {
    const rows = await queryRows<{ n: number }>(store.db, sql`select count(*)::int as n from pg_tables where schemaname = 'gridline'`);
    expect(rows[0]?.n).toBeGreaterThan(10);
  });

  it('keeps the event log append-only: updates and deletes are refused by the database', async () => {
    await store.reset();
    const tree = await newTree(store.db);
    const villager = await newVillager(store.db, tree.unit);
    const [m] = await store.db
      .insert(matters)
      .values({ ref: '0000-0018', category: 'help', step: 'accept', gridNodeId: tree.unit.id, reporterId: villager.id, summary: '路灯坏了' })
      .returning();
    await store.db.insert(matterEvents).values({ matterId: m!.id, action: 'report' });
    const refusal = (p: Promise<unknown>) => p.then(() => 'allowed', (err: Error & { cause?: Error }) => err.cause?.message ?? err.message);
    expect(await refusal(store.db.update(matterEvents).set({ note: 'changed' }))).toMatch(/append-only: UPDATE refused/);
    expect(await refusal(store.db.delete(matterEvents))).toMatch(/append-only: DELETE refused/);
    expect(await store.db.select().from(matterEvents)).toHaveLength(1);
  });
});
