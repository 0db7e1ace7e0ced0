// The harness's reset runs while a file's service may still be at work. A transaction that holds
// one table and then reaches for another the truncate already holds makes a deadlock; the reset
// must come through it, not fail the test that follows (it did, once, in CI).
import postgres from 'postgres';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { queryRows } from '../../../src/store/raw.js';
import { newTree } from '../../support/factories.js';
import { openTestStore, type TestStore } from '../../support/store.js';
import { waitFor } from '../../support/wait.js';

let store: TestStore;
let other: postgres.Sql;
beforeAll(async () => {
  store = await openTestStore('postgres');
  other = postgres(store.url!, { max: 1, onnotice: () => {} });
});
afterAll(async () => {
  await other?.end();
  await store?.close();
});

it('empties the store even when its truncate meets work in a deadlock', async () => {
  await newTree(store.db);
  const tables = await queryRows<{ tablename: string }>(store.db, sql`select tablename from pg_tables where schemaname = 'gridline'`);
  const first = tables[0]!.tablename;
  const last = tables[tables.length - 1]!.tablename;

  let released!: () => void;
  const hold = new Promise<void>((resolve) => (released = resolve));
  let holding!: () => void;
  const held = new Promise<void>((resolve) => (holding = resolve));
  const work = other.begin(async (tx) => {
    await tx.unsafe(`select 1 from gridline.${last} limit 1`);
    holding();
    await hold;
    // Reaches for a table the truncate took first: one of the two is ended as a deadlock.
    await tx.unsafe(`select 1 from gridline.${first} limit 1`);
  }).then(() => 'committed', (err: { code?: string }) => err.code ?? 'failed');

  await held;
  const reset = store.reset();
  await waitFor(async () => {
    const waiting = await queryRows(store.db, sql`select 1 from pg_stat_activity where wait_event_type = 'Lock' and query like 'truncate%'`);
    return waiting.length > 0;
  }, 'the truncate waiting on the held table');
  released();

  await reset;
  expect(['committed', '40P01']).toContain(await work);
  const [row] = await queryRows<{ n: number }>(store.db, sql`select count(*)::int as n from gridline.grid_nodes`);
  expect(row!.n).toBe(0);
});
