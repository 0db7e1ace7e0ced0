// Statements built once per database handle (Drizzle's prepare with placeholders): the hot path's
// queries skip building their SQL on every call. A transaction is a handle of its own, so a
// statement prepared on one lives as long as it does; prepare for the pool's handle.
//
// On postgres-js a statement that is not prepared costs two round trips when it has parameters
// (Parse/Describe, then Bind/Execute once the parameter types are known) and holds back anything
// pipelined behind it; a prepared one is parsed once per connection (postgres-js keeps it by its
// text), then each run is one Bind/Execute. executePrepared runs SQL that way on any handle,
// a transaction's included. PGlite runs it as it runs any statement.
import type { SQL } from 'drizzle-orm';
import type { PgDialect, PgSession } from 'drizzle-orm/pg-core';
import type { Executor } from './db.js';

const built = new WeakMap<Executor, Map<string, unknown>>();

export function prepared<T>(db: Executor, name: string, build: (db: Executor) => T): T {
  let byName = built.get(db);
  if (!byName) built.set(db, (byName = new Map()));
  let p = byName.get(name) as T | undefined;
  if (p === undefined) byName.set(name, (p = build(db)));
  return p;
}

/**
 * Runs `query` as a prepared statement on `db` (the pool or a transaction) and answers as
 * `db.execute` does (postgres-js: the rows; PGlite: `{ rows }`). `name` only labels it: postgres-js
 * names and keeps its statements by their text.
 */
export async function executePrepared(db: Executor, name: string, query: SQL): Promise<unknown> {
  const { dialect, session } = db as unknown as { dialect: PgDialect; session: PgSession };
  return session.prepareQuery(dialect.sqlToQuery(query), undefined, name, false).execute();
}

/** executePrepared's rows (postgres-js gives an array, PGlite `{ rows }`). */
export async function preparedRows<T>(db: Executor, name: string, query: SQL): Promise<T[]> {
  const result = await executePrepared(db, name, query);
  return (Array.isArray(result) ? result : ((result as { rows?: T[] }).rows ?? [])) as T[];
}
