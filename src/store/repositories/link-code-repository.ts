// One-time link codes. No business rules here.
import { and, eq, gt, isNull } from 'drizzle-orm';
import type { Platform } from '../../domain/types.js';
import type { Executor } from '../db.js';
import { identities, linkCodes } from '../schema.js';

export type LinkCodeRow = typeof linkCodes.$inferSelect;

/** Inserts a code; false when the code is taken (the caller draws another). */
export async function insertLinkCode(db: Executor, row: { code: string; personId: string; expiresAt: Date }): Promise<boolean> {
  const out = await db.insert(linkCodes).values(row).onConflictDoNothing().returning({ code: linkCodes.code });
  return out.length === 1;
}

/** Marks a live code used and returns it; undefined when unknown, used or expired. */
export async function consumeLinkCode(db: Executor, code: string, usedBy: string, now: Date): Promise<LinkCodeRow | undefined> {
  const [row] = await db
    .update(linkCodes)
    .set({ usedAt: now, usedBy })
    .where(and(eq(linkCodes.code, code), isNull(linkCodes.usedAt), gt(linkCodes.expiresAt, now)))
    .returning();
  return row;
}

/** Adds a platform identity to a person; false when that account already belongs to someone. */
export async function addIdentity(db: Executor, row: { personId: string; platform: Platform; externalId: string; chatId?: string | null }): Promise<boolean> {
  const out = await db
    .insert(identities)
    .values({ personId: row.personId, platform: row.platform, externalId: row.externalId, chatId: row.chatId ?? null })
    .onConflictDoNothing()
    .returning({ id: identities.id });
  return out.length === 1;
}
