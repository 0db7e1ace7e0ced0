// Queries for where a person is reached: when each identity was last written from, and the
// platform the person chose.
import { and, asc, eq, exists, gte, isNotNull, isNull, lt, ne, or, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { Platform } from '../../domain/types.js';
import type { Executor } from '../db.js';
import { identities, people } from '../schema.js';

/**
 * Sets the identity's last-seen time unless it was set after `unlessAfter` (so not every message
 * writes) and it is still the person's latest (so a switch of platform is never missed).
 */
export async function touchIdentity(db: Executor, platform: Platform, externalId: string, at: Date, unlessAfter: Date, opts: { reachable?: boolean } = {}): Promise<void> {
  const other = alias(identities, 'other_identity');
  const overtaken = exists(
    db
      .select({ one: sql`1` })
      .from(other)
      .where(and(eq(other.personId, identities.personId), ne(other.id, identities.id), gte(other.lastSeenAt, identities.lastSeenAt))),
  );
  const due = or(isNull(identities.lastSeenAt), lt(identities.lastSeenAt, unlessAfter), overtaken)!;
  if (!opts.reachable) {
    await db.update(identities).set({ lastSeenAt: at }).where(and(eq(identities.platform, platform), eq(identities.externalId, externalId), due));
    return;
  }
  // With markReachable's change (registration-repository.ts) in the same statement: the row is
  // written when either is due, and each column only as its own rule says.
  await db
    .update(identities)
    .set({ unreachableAt: null, lastSeenAt: sql`case when ${due} then ${sql.param(at, identities.lastSeenAt)} else ${identities.lastSeenAt} end` })
    .where(and(eq(identities.platform, platform), eq(identities.externalId, externalId), or(isNotNull(identities.unreachableAt), due)));
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
