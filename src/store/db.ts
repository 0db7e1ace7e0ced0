// Opens the store: Postgres through postgres-js when a URL is given, embedded PGlite otherwise.
// Both sides speak the same Drizzle API and run the same committed migrations.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import { PGlite } from '@electric-sql/pglite';
import type { ExtractTablesWithRelations } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import { redactUrl } from '../util/redact-url.js';
import { queryStatsDebug } from './query-stats.js';
import { preparingClient } from './prepared-client.js';
import * as schema from './schema.js';

export type Schema = typeof schema;
/** The Drizzle handle every repository takes: the same type on Postgres and on PGlite. */
export type Db = PgDatabase<PgQueryResultHKT, Schema>;
export type Tx = PgTransaction<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;
/** Repositories accept either the database or an open transaction. */
export type Executor = Db | Tx;

// Names the store's handle in the service context port (src/ports/context.ts).
declare module '../ports/context.js' {
  interface StoreRegister {
    db: Db;
  }
}

export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../drizzle', import.meta.url));

export type StoreTarget = { kind: 'postgres'; url: string; poolSize?: number } | { kind: 'pglite'; dataDir: string | null };

export interface Store {
  kind: StoreTarget['kind'];
  db: Db;
  /** The embedded instance, when the store is PGlite (BullMQ's PostgreSQL backend shares it). */
  pglite: PGlite | null;
  /** The Postgres URL, when the store is Postgres. */
  url: string | null;
  /**
   * Calls `onNotice` for each NOTIFY on `channel`, and `onListening` each time the listen starts
   * or starts again after a lost connection (notices sent meanwhile are lost: look again then).
   * Resolves to a function that stops listening.
   */
  listen(channel: string, onNotice: (payload: string) => void, onListening?: () => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

export class StoreUnreachableError extends Error {
  override readonly name = 'StoreUnreachableError';
  constructor(
    readonly target: string,
    override readonly cause: unknown,
  ) {
    super(`cannot reach the database at ${target}`);
  }
}

/** The server answered, but the database named in the URL is not there (Postgres 3D000). */
export class StoreDatabaseMissingError extends Error {
  override readonly name = 'StoreDatabaseMissingError';
  constructor(
    readonly target: string,
    readonly database: string,
    override readonly cause: unknown,
  ) {
    super(`the database "${database}" does not exist on ${target}; create it (CREATE DATABASE "${database}") and start again`);
  }
}

/** The server answered, but refused the user or password in the URL (Postgres 28P01, 28000). */
export class StoreLoginRefusedError extends Error {
  override readonly name = 'StoreLoginRefusedError';
  constructor(
    readonly target: string,
    readonly user: string,
    override readonly cause: unknown,
  ) {
    super(`the database at ${target} refused the login of "${user}"; check the user and password in DATABASE_URL`);
  }
}

/** Names what went wrong on connecting, so the message says what to do about it. */
function connectError(url: string, err: unknown): Error {
  const code = (err as { code?: unknown } | null)?.code;
  let u: URL | null = null;
  try {
    u = new URL(url);
  } catch {
    /* reported as unreachable */
  }
  if (code === '3D000') return new StoreDatabaseMissingError(redactUrl(url), decodeURIComponent(u?.pathname.replace(/^\//, '') ?? '') || (u?.username ?? ''), err);
  if (code === '28P01' || code === '28000') return new StoreLoginRefusedError(redactUrl(url), decodeURIComponent(u?.username ?? ''), err);
  return new StoreUnreachableError(redactUrl(url), err);
}

/**
 * How a pool gets its connections back after the database went away. postgres-js waits before
 * each new connection by a backoff it counts across the whole pool and resets only on a success
 * (3^n/100 s, up to 20 s): every connection of a busy pool failing while Postgres restarted pushed
 * the wait to 10–20 s, paid again by each connection, so the service answered 503 for ~50 s after
 * Postgres was back. Here a connection is tried again within half a second, and one that hangs
 * (a host gone from the network) is given up after CONNECT_TIMEOUT_S.
 */
export const CONNECT_TIMEOUT_S = 5;
export const RECONNECT = {
  connect_timeout: CONNECT_TIMEOUT_S,
  backoff: (retries: number) => Math.min(0.05 * 2 ** retries, 0.5) * (0.5 + Math.random() / 2),
} as const;

/**
 * The embedded Postgres sized for a village. PGlite starts with Postgres's server default of
 * 128 MB of shared buffers, resident from the start in its WASM memory: ~160 MB of the idle
 * service's RSS. A village's whole store is a few MB, so 16 MB holds it (wal_buffers follows, at 1/32).
 */
export const PGLITE_SETTINGS = ['shared_buffers=16MB'] as const;
const PGLITE_OPTIONS = { startParams: [...PGlite.defaultStartParams, ...PGLITE_SETTINGS.flatMap((s) => ['-c', s])] };

/**
 * PGlite's Postgres is one large WASM module. V8 compiles it with Liftoff, then recompiles the hot
 * functions with TurboFan on background threads, whose compile memory stays in their malloc arenas:
 * ~60 MB of RSS, and on two shared cores the recompiling cost more time than it won back (measured:
 * the same 4,000 queries no slower on Liftoff alone). Set before the module is first compiled.
 */
function liftoffOnly(): void {
  v8.setFlagsFromString('--liftoff-only');
}

/**
 * A new data folder is made by Postgres's initdb, which PGlite runs in a second WASM instance of
 * its own: ~450 MB at its peak, of which the malloc arenas keep ~100 MB after it is freed. Run in
 * a short-lived process, all of it goes back to the system; this process then opens a made folder.
 */
async function initDataDirApart(dataDir: string): Promise<void> {
  if (existsSync(path.join(dataDir, 'PG_VERSION'))) return;
  const pglite = import.meta.resolve('@electric-sql/pglite');
  const code = `const { PGlite } = await import(${JSON.stringify(pglite)}); const pg = new PGlite(${JSON.stringify(dataDir)}, ${JSON.stringify(PGLITE_OPTIONS)}); await pg.waitReady; await pg.close();`;
  await promisify(execFile)(process.execPath, ['--liftoff-only', '--input-type=module', '-e', code]);
}

/** Opens the store and applies the committed migrations. */
export async function openStore(target: StoreTarget, opts: { migrate?: boolean } = {}): Promise<Store> {
  const migrate = opts.migrate ?? true;
  if (target.kind === 'pglite') {
    if (target.dataDir) mkdirSync(path.dirname(path.resolve(target.dataDir)), { recursive: true });
    liftoffOnly();
    if (target.dataDir) await initDataDirApart(target.dataDir);
    const pglite = target.dataDir ? new PGlite(target.dataDir, PGLITE_OPTIONS) : new PGlite(PGLITE_OPTIONS);
    await pglite.waitReady;
    const db = drizzlePglite({ client: pglite, schema }) as unknown as Db;
    if (migrate) await migratePglite(db as never, { migrationsFolder: MIGRATIONS_FOLDER });
    const listen: Store['listen'] = async (channel, onNotice, onListening) => {
      const stop = await pglite.listen(channel, onNotice);
      // One process, one instance: no connection to lose.
      onListening?.();
      return () => stop();
    };
    return { kind: 'pglite', db, pglite, url: null, listen, close: () => pglite.close() };
  }
  const client = postgres(target.url, {
    max: target.poolSize ?? 10,
    onnotice: () => {},
    ...RECONNECT,
    ...(process.env.GRIDLINE_QUERY_STATS ? { debug: queryStatsDebug() } : {}),
  });
  try {
    await client`select 1`;
  } catch (err) {
    await client.end({ timeout: 1 }).catch(() => {});
    throw connectError(target.url, err);
  }
  // Drizzle's statements run prepared: one round trip each instead of two (see prepared-client.ts).
  const db = drizzlePostgres({ client: preparingClient(client), schema }) as unknown as Db;
  try {
    if (migrate) await migrateUnderLock(target.url, db);
  } catch (err) {
    await client.end({ timeout: 1 }).catch(() => {});
    throw err;
  }
  const listen: Store['listen'] = async (channel, onNotice, onListening) => {
    // postgres-js keeps a connection of its own for it and listens again after losing it.
    const { unlisten } = await client.listen(channel, onNotice, onListening);
    return unlisten;
  };
  return { kind: 'postgres', db, pglite: null, url: target.url, listen, close: () => client.end({ timeout: 5 }) };
}

/** Advisory lock keys: one per kind of start-up work, per database. */
export const START_LOCKS = { migrate: 7_204_311_842, roster: 7_204_311_843 } as const;

/**
 * Runs `fn` while holding a Postgres advisory lock, so processes started at once take turns
 * (the first migrates, the others wait, then find nothing left to do). The lock is a session
 * lock on a connection of its own: a pool of one cannot wait on itself, and a process that dies
 * releases it. PGlite needs none: one process holds its data folder.
 */
export async function withStartLock<T>(store: Pick<Store, 'kind' | 'url'>, key: keyof typeof START_LOCKS, fn: () => Promise<T>): Promise<T> {
  if (store.kind !== 'postgres' || !store.url) return fn();
  return holdingLock(store.url, START_LOCKS[key], fn);
}

async function holdingLock<T>(url: string, key: number, fn: () => Promise<T>): Promise<T> {
  const lock = postgres(url, { max: 1, onnotice: () => {}, ...RECONNECT });
  try {
    await lock`select pg_advisory_lock(${key})`;
    return await fn();
  } finally {
    // Ending the session releases the lock, whatever happened.
    await lock.end({ timeout: 5 }).catch(() => {});
  }
}

async function migrateUnderLock(url: string, db: Db): Promise<void> {
  await holdingLock(url, START_LOCKS.migrate, () => migratePostgres(db as never, { migrationsFolder: MIGRATIONS_FOLDER }));
}
