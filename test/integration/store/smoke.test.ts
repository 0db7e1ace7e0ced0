import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { queryRows } from '../../../src/store/raw.js';
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
});
