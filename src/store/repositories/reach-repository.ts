// Queries for where a person is reached: when each identity was last written from, and the
// platform the person chose.
import { and, asc, eq, isNull, lt, or } from 'drizzle-orm';
import type { Platform } from '../../domain/types.js';
import type { Executor } from '../db.js';
import { identities, people } from '../schema.js';

/** Sets the identity's last-seen time unless it was set after `unlessAfter` (so not every message writes). */
export async function touchIdentity(db: Executor, platform: Platform, externalId: string, at: Date, unlessAfter: Date): Promise<void> {
  await db
    .update(identities)
    .set({ lastSeenAt: at })
    .where(and(eq(identities.platform, platform), eq(identities.externalId, externalId), or(isNull(identities.lastSeenAt), lt(identities.lastSeenAt, unlessAfter))));
}

export async function setPreferredPlatform(db: Executor, personId: string, platform: Platform | null): Promise<void> {
  await db.update(people).set({ preferredPlatform: platform }).where(eq(people.id, personId));
}

/** The platforms a person has identities on (oldest link first), and their choice. */
export async function reachOf(db: Executor, personId: string): Promise<{ platforms: Platform[]; preferred: Platform | null }> {
  const [person] = await db.select({ preferred: people.preferredPlatform }).from(people).where(eq(people.id, personId));
  const rows = await db.select({ platform: identities.platform }).from(identities).where(eq(identities.personId, personId)).orderBy(asc(identities.createdAt));
  return { platforms: [...new Set(rows.map((r) => r.platform))], preferred: person?.preferred ?? null };
}
