// Time-limit policies change only when a roster is imported; reading them for every matter
// would cost a query each. Kept per store for a short while, dropped at once by an import here.
import { DEFAULT_TIME_LIMITS, type TimeLimitPolicy } from '../domain/index.js';
import type { Executor } from '../store/db.js';
import { allTimeLimits } from '../store/repositories/time-limit-repository.js';

const TTL_MS = 30_000;
const cache = new WeakMap<object, { at: number; policies: TimeLimitPolicy[] }>();

export async function policies(db: Executor): Promise<TimeLimitPolicy[]> {
  const hit = cache.get(db);
  if (hit && Date.now() - hit.at < TTL_MS) return hit.policies;
  const rows = await allTimeLimits(db);
  // resolveTimeLimit prefers the most specific row and, among equals, the later: the roster's.
  const list = [...DEFAULT_TIME_LIMITS, ...(rows as TimeLimitPolicy[])];
  cache.set(db, { at: Date.now(), policies: list });
  return list;
}

export function forgetPolicies(db: Executor): void {
  cache.delete(db);
}
