// The web desk's one-time links and sessions, by token hash. No business rules here.
import { and, eq, gt, isNull } from 'drizzle-orm';
import type { Executor } from '../db.js';
import { deskLinks, deskSessions } from '../schema.js';

export async function insertDeskLink(db: Executor, row: { tokenHash: string; personId: string; expiresAt: Date }): Promise<void> {
  await db.insert(deskLinks).values(row);
}

/** The live link (unused, not expired) behind a hash, without using it. */
export async function liveDeskLink(db: Executor, tokenHash: string, now: Date): Promise<{ personId: string } | undefined> {
  const [row] = await db
    .select({ personId: deskLinks.personId })
    .from(deskLinks)
    .where(and(eq(deskLinks.tokenHash, tokenHash), isNull(deskLinks.usedAt), gt(deskLinks.expiresAt, now)));
  return row;
}

/** Marks a live link used and returns its person; undefined when unknown, used or expired. */
export async function consumeDeskLink(db: Executor, tokenHash: string, now: Date): Promise<{ personId: string } | undefined> {
  const [row] = await db
    .update(deskLinks)
    .set({ usedAt: now })
    .where(and(eq(deskLinks.tokenHash, tokenHash), isNull(deskLinks.usedAt), gt(deskLinks.expiresAt, now)))
    .returning({ personId: deskLinks.personId });
  return row;
}

export async function insertDeskSession(db: Executor, row: { tokenHash: string; personId: string; expiresAt: Date }): Promise<void> {
  await db.insert(deskSessions).values(row);
}

/** The person of a live session (not revoked, not expired). */
export async function liveDeskSession(db: Executor, tokenHash: string, now: Date): Promise<{ personId: string } | undefined> {
  const [row] = await db
    .select({ personId: deskSessions.personId })
    .from(deskSessions)
    .where(and(eq(deskSessions.tokenHash, tokenHash), isNull(deskSessions.revokedAt), gt(deskSessions.expiresAt, now)));
  return row;
}

export async function revokeDeskSession(db: Executor, tokenHash: string, now: Date): Promise<void> {
  await db.update(deskSessions).set({ revokedAt: now }).where(and(eq(deskSessions.tokenHash, tokenHash), isNull(deskSessions.revokedAt)));
}

/** Revokes every live session of the person; returns how many. */
export async function revokeDeskSessionsOf(db: Executor, personId: string, now: Date): Promise<number> {
  const out = await db
    .update(deskSessions)
    .set({ revokedAt: now })
    .where(and(eq(deskSessions.personId, personId), isNull(deskSessions.revokedAt)))
    .returning({ id: deskSessions.id });
  return out.length;
}
