// Queries for conversations: where each person stands in a flow.
import { and, eq, sql } from 'drizzle-orm';
import type { Platform } from '../../domain/types.js';
import type { Executor } from '../db.js';
import { flowStates } from '../schema.js';

export type FlowStateRow = typeof flowStates.$inferSelect;

/**
 * Holds one person's conversation until the transaction ends, so two of their updates (an album's
 * photos) are handled one after the other, never interleaved.
 */
export async function lockConversation(db: Executor, platform: Platform, externalId: string): Promise<void> {
  await db.execute(sql`select pg_advisory_xact_lock(hashtext(${conversationLockKey(platform, externalId)}))`);
}

/** The advisory lock's key for one person's conversation (the turn takes it in its first statement: turn-repository's startTurn). */
export const conversationLockKey = (platform: Platform, externalId: string): string => `chat:${platform}:${externalId}`;

export async function loadFlowState(db: Executor, platform: Platform, externalId: string): Promise<FlowStateRow | undefined> {
  const [row] = await db
    .select()
    .from(flowStates)
    .where(and(eq(flowStates.platform, platform), eq(flowStates.externalId, externalId)));
  return row;
}

export async function saveFlowState(
  db: Executor,
  row: Pick<typeof flowStates.$inferInsert, 'platform' | 'externalId' | 'flow' | 'stepName' | 'data' | 'expiresAt' | 'chatId' | 'token' | 'locale' | 'updatedAt'>,
): Promise<void> {
  const { platform: _p, externalId: _e, ...rest } = row;
  await db
    .insert(flowStates)
    .values(row)
    .onConflictDoUpdate({ target: [flowStates.platform, flowStates.externalId], set: rest });
}

export async function clearFlowState(db: Executor, platform: Platform, externalId: string): Promise<void> {
  await db.delete(flowStates).where(and(eq(flowStates.platform, platform), eq(flowStates.externalId, externalId)));
}
