// Time-limit policies and the roster's matter defaults change only when a roster is imported;
// reading them for every matter would cost a query each. Kept per store for a short while,
// dropped at once by an import here (roster-watch.ts, ops.ts). A turn's transaction names its
// store (store/scope.ts), so the reports of a turn use the store's cache too.
import { DEFAULT_TIME_LIMITS, type TimeLimitPolicy } from '../domain/index.js';
import type { Executor } from '../store/db.js';
import { storeScope } from '../store/scope.js';
import { listMatterDefaults, type MatterDefaultRow } from '../store/repositories/matter-defaults-repository.js';
import { allTimeLimits } from '../store/repositories/time-limit-repository.js';

const TTL_MS = 30_000;
const cache = new WeakMap<object, { at: number; policies: TimeLimitPolicy[] }>();
const defaultsCache = new WeakMap<object, { at: number; rows: MatterDefaultRow[] }>();

export async function policies(db: Executor): Promise<TimeLimitPolicy[]> {
  const key = storeScope(db);
  const hit = cache.get(key);
  if (hit && Date.now() - hit.at < TTL_MS) return hit.policies;
  const rows = await allTimeLimits(db);
  // resolveTimeLimit prefers the most specific row and, among equals, the later: the roster's.
  const list = [...DEFAULT_TIME_LIMITS, ...(rows as TimeLimitPolicy[])];
  cache.set(key, { at: Date.now(), policies: list });
  return list;
}

/** The roster's matter_defaults rows, in their order (matter-defaults.ts makes the rules of them). */
export async function matterDefaultRows(db: Executor): Promise<MatterDefaultRow[]> {
  const key = storeScope(db);
  const hit = defaultsCache.get(key);
  if (hit && Date.now() - hit.at < TTL_MS) return hit.rows;
  const rows = await listMatterDefaults(db);
  defaultsCache.set(key, { at: Date.now(), rows });
  return rows;
}

export function forgetPolicies(db: Executor): void {
  cache.delete(storeScope(db));
  defaultsCache.delete(storeScope(db));
}
