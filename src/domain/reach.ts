// Which of a person's platforms a notification goes to first: the one they chose, else the one
// they last wrote from, else the oldest link. The rest follow in the same order, as fallbacks
// for when a platform says the person can no longer be written to.
import type { Platform } from './types.js';

export interface ReachIdentity {
  platform: Platform;
  /** When the person last wrote from this identity; null if never (or before it was tracked). */
  lastSeenAt: Date | null;
  createdAt: Date;
}

/** The identities in the order to try them; `chosen` (the person's /reach choice) first when they have it. */
export function reachOrder<T extends ReachIdentity>(identities: readonly T[], chosen: Platform | null): T[] {
  const seen = (i: T) => i.lastSeenAt?.getTime() ?? -Infinity;
  return [...identities].sort((a, b) => {
    if (chosen && (a.platform === chosen) !== (b.platform === chosen)) return a.platform === chosen ? -1 : 1;
    if (seen(a) !== seen(b)) return seen(b) - seen(a);
    return a.createdAt.getTime() - b.createdAt.getTime();
  });
}

/** How often a person's last-seen time is written: once a minute at most, not on every message. */
export const LAST_SEEN_GRAIN_MS = 60_000;
