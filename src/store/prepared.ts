// Statements built once per database handle (Drizzle's prepare with placeholders): the hot path's
// queries skip building their SQL on every call. A transaction is a handle of its own, so a
// statement prepared on one lives as long as it does; prepare for the pool's handle.
import type { Executor } from './db.js';

const built = new WeakMap<Executor, Map<string, unknown>>();

export function prepared<T>(db: Executor, name: string, build: (db: Executor) => T): T {
  let byName = built.get(db);
  if (!byName) built.set(db, (byName = new Map()));
  let p = byName.get(name) as T | undefined;
  if (p === undefined) byName.set(name, (p = build(db)));
  return p;
}
