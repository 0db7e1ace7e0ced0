// Which store a handle belongs to. A transaction is a handle of its own (a new object each time),
// so what is cached per store (policy-cache.ts) is keyed by the store's own handle: a transaction
// handed to code that caches names its store here (withStoreScope), and storeScope finds it.
const stores = new WeakMap<object, object>();

/** Marks `tx` as a handle on the store `db` belongs to; returns `tx`. */
export function withStoreScope<T extends object>(tx: T, db: object): T {
  if (tx !== db) stores.set(tx, storeScope(db));
  return tx;
}

/** The store's own handle for `db` (itself, unless it is a transaction marked by withStoreScope). */
export function storeScope(db: object): object {
  return stores.get(db) ?? db;
}
