// Where a person is reached: the platform they chose (/reach), else the one they last wrote from.
// The order itself is the domain's (reachOrder); this keeps what it needs.
import { LAST_SEEN_GRAIN_MS } from '../domain/reach.js';
import type { Platform } from '../domain/types.js';
import type { Executor } from '../store/db.js';
import { reachOf, setPreferredPlatform, touchIdentity } from '../store/repositories/reach-repository.js';

/**
 * Someone wrote from this identity: notifications follow them here (unless they chose otherwise).
 * `exact`: written on every message, not once a minute — a chat under a sending window counts
 * the window from the person's last message (send-window.ts). `reachable`: they can be written to
 * again (markReachable), in the same statement.
 */
export async function noteSeen(db: Executor, platform: Platform, externalId: string, now: Date, opts: { exact?: boolean; reachable?: boolean } = {}): Promise<void> {
  await touchIdentity(db, platform, externalId, now, new Date(now.getTime() - (opts.exact ? 0 : LAST_SEEN_GRAIN_MS)), { reachable: opts.reachable });
}

/** The platforms a person can be reached on and the one they chose (null: the one last used). */
export async function reachChoices(db: Executor, personId: string): Promise<{ platforms: Platform[]; preferred: Platform | null }> {
  return reachOf(db, personId);
}

/** Records the person's choice; a platform they have no identity on is refused (false). Null clears it. */
export async function choosePlatform(db: Executor, personId: string, platform: Platform | null): Promise<boolean> {
  if (platform && !(await reachOf(db, personId)).platforms.includes(platform)) return false;
  await setPreferredPlatform(db, personId, platform);
  return true;
}
