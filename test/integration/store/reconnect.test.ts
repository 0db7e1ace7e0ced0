// The store's pool is usable again within seconds of Postgres coming back, however long it was
// away and however often its connections failed meanwhile (issue 15 #15: postgres-js's backoff,
// counted across the pool, had grown to 10–20 s per connection, so a restarted database stayed
// unusable to the service for most of a minute).
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../../src/store/db.js';
import { PrivatePostgres } from '../../support/postgres-server.js';
import { waitFor } from '../../support/wait.js';

const POOL = 10;

describe('the store reconnecting after Postgres restarts', () => {
  let pg: PrivatePostgres;
  let store: Store;

  beforeAll(async () => {
    pg = await PrivatePostgres.start();
    store = await openStore({ kind: 'postgres', url: pg.url(), poolSize: POOL });
  }, 60_000);
  afterAll(async () => {
    await store?.close().catch(() => {});
    await pg?.drop();
  });

  it('answers a query within 5 s of Postgres accepting connections again', async () => {
    await store.db.execute(sql`select 1`);
    await pg.down();
    // A busy service meanwhile: every connection of the pool fails, again and again.
    let failures = 0;
    await waitFor(
      async () => {
        const rs = await Promise.allSettled(Array.from({ length: POOL }, () => store.db.execute(sql`select 1`)));
        failures += rs.filter((r) => r.status === 'rejected').length;
        return failures >= 6 * POOL;
      },
      () => `the pool failing while Postgres is down (${failures} failures)`,
      120_000,
      0,
    );
    await pg.up();
    const back = Date.now();
    await store.db.execute(sql`select 1`);
    expect(Date.now() - back).toBeLessThan(5_000);
    // Every connection, not only the first.
    await Promise.all(Array.from({ length: POOL }, () => store.db.execute(sql`select pg_sleep(0.05)`)));
    expect(Date.now() - back).toBeLessThan(5_000);
  }, 180_000);
});
