// A fresh store per test file: a new Postgres database on the machine's server, or an in-memory
// PGlite. Tests truncate between cases instead of reopening (a cold PGlite takes seconds).
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { sql } from 'drizzle-orm';
import { openStore, type Store } from '../../src/store/db.js';
import { queryRows } from '../../src/store/raw.js';

export const TEST_PG_ADMIN_URL = process.env.TEST_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export type StoreKind = 'postgres' | 'pglite';

export interface TestStore extends Store {
  /** The Postgres URL of the throwaway database (null on PGlite). */
  url: string | null;
  /** Empties every gridline table (keeps migrations). */
  reset(): Promise<void>;
}

/** Creates a throwaway database `gl_test_<random>` and returns its URL, with a drop function. */
export async function createTestDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `gl_test_${randomBytes(5).toString('hex')}`;
  const admin = postgres(TEST_PG_ADMIN_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  const url = new URL(TEST_PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const a = postgres(TEST_PG_ADMIN_URL, { max: 1, onnotice: () => {} });
      await a.unsafe(`drop database if exists ${name} with (force)`);
      await a.end();
    },
  };
}

export async function openTestStore(kind: StoreKind): Promise<TestStore> {
  let store: Store;
  let drop: () => Promise<void> = async () => {};
  let url: string | null = null;
  if (kind === 'postgres') {
    const created = await createTestDatabase();
    drop = created.drop;
    url = created.url;
    store = await openStore({ kind: 'postgres', url: created.url, poolSize: 5 });
  } else {
    store = await openStore({ kind: 'pglite', dataDir: null });
  }
  return {
    ...store,
    url,
    async reset() {
      const rows = await queryRows<{ tablename: string }>(
        store.db,
        sql`select tablename from pg_tables where schemaname = 'gridline'`,
      );
      const list = rows.map((r) => `gridline.${r.tablename}`).join(', ');
      if (!list) return;
      // A service the file keeps running (its relay, timers, a turn still finishing) may hold a
      // table the truncate needs next while waiting on one the truncate already holds; Postgres
      // then ends one of the two as a deadlock. The truncate is all or nothing, so it is tried
      // again; the service's side retries its own work as it would in production.
      for (let attempt = 1; ; attempt++) {
        try {
          await store.db.execute(sql.raw(`truncate ${list} restart identity cascade`));
          return;
        } catch (err) {
          if (attempt >= 20 || !isLockConflict(err)) throw err;
        }
      }
    },
    async close() {
      await store.close();
      await drop();
    },
  };
}

/** A deadlock (40P01) or a lock wait given up (55P03), on the error or the driver's error it wraps. */
function isLockConflict(err: unknown): boolean {
  for (let e: unknown = err; e && typeof e === 'object'; e = (e as { cause?: unknown }).cause) {
    const code = (e as { code?: unknown }).code;
    if (code === '40P01' || code === '55P03') return true;
  }
  return false;
}

/** The kinds a repository suite runs on: both, unless GRIDLINE_TEST_STORES narrows it. */
export const STORE_KINDS: StoreKind[] = (process.env.GRIDLINE_TEST_STORES?.split(',') as StoreKind[] | undefined) ?? [
  'postgres',
  'pglite',
];
