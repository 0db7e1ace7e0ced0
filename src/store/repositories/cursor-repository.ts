// Platforms' reading positions (platform_cursors): read, and moved by compare-and-set.
import { and, eq } from 'drizzle-orm';
import type { Executor } from '../db.js';
import { platformCursors } from '../schema.js';

export async function readCursor(db: Executor, key: string): Promise<string | null> {
  const [row] = await db.select({ value: platformCursors.value }).from(platformCursors).where(eq(platformCursors.key, key));
  return row?.value ?? null;
}

/**
 * Stores `next` when the position is still `expected` (null: none stored yet); false when another
 * writer moved it first, and then nothing is written.
 */
export async function advanceCursor(db: Executor, c: { key: string; expected: string | null; next: string }, at: Date): Promise<boolean> {
  const rows =
    c.expected === null
      ? await db.insert(platformCursors).values({ key: c.key, value: c.next, updatedAt: at }).onConflictDoNothing({ target: platformCursors.key }).returning({ key: platformCursors.key })
      : await db
          .update(platformCursors)
          .set({ value: c.next, updatedAt: at })
          .where(and(eq(platformCursors.key, c.key), eq(platformCursors.value, c.expected)))
          .returning({ key: platformCursors.key });
  return rows.length === 1;
}
