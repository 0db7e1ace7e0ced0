// Platforms' reading positions (WeCom 微信客服's kf/sync_msg cursor), moved only by the transaction
// that commits what was read before them.
import { and, eq } from 'drizzle-orm';
import type { Executor } from '../db.js';
import { platformCursors } from '../schema.js';

export async function readCursor(db: Executor, key: string): Promise<string | null> {
  const [row] = await db.select({ value: platformCursors.value }).from(platformCursors).where(eq(platformCursors.key, key));
  return row?.value ?? null;
}

/**
 * Moves the cursor from `expected` to `next`; false (nothing written) when the stored one is not
 * `expected` any more: another process committed that page first. The row is locked for the rest
 * of the transaction, so two commits of the same page take turns.
 */
export async function advanceCursor(db: Executor, key: string, expected: string | null, next: string, at: Date): Promise<boolean> {
  if (expected === null) {
    // The first position: a row already there means another process stored one first.
    const added = await db.insert(platformCursors).values({ key, value: next, updatedAt: at }).onConflictDoNothing({ target: platformCursors.key }).returning({ key: platformCursors.key });
    return added.length > 0;
  }
  const moved = await db
    .update(platformCursors)
    .set({ value: next, updatedAt: at })
    .where(and(eq(platformCursors.key, key), eq(platformCursors.value, expected)))
    .returning({ key: platformCursors.key });
  return moved.length > 0;
}
