// Queries for conversations: where each person stands in a flow, and what the bot is to say.
import { and, asc, eq, gt, inArray, lt, or, sql } from 'drizzle-orm';
import type { Platform } from '../../domain/types.js';
import type { Executor } from '../db.js';
import { chatOutputs, flowStates } from '../schema.js';

export type FlowStateRow = typeof flowStates.$inferSelect;
export type ChatOutputRow = typeof chatOutputs.$inferSelect;
export type NewChatOutput = Pick<typeof chatOutputs.$inferInsert, 'id' | 'platform' | 'chatId' | 'userId' | 'eventId' | 'seq' | 'output'>;

/**
 * Holds one person's conversation until the transaction ends, so two of their updates (an album's
 * photos) are handled one after the other, never interleaved.
 */
export async function lockConversation(db: Executor, platform: Platform, externalId: string): Promise<void> {
  await db.execute(sql`select pg_advisory_xact_lock(hashtext(${`chat:${platform}:${externalId}`}))`);
}

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

export async function insertChatOutputs(db: Executor, rows: NewChatOutput[]): Promise<void> {
  if (rows.length) await db.insert(chatOutputs).values(rows);
}

/** Claims outputs for one job, as claimDeliveries does; returned in the order asked. */
export async function claimChatOutputs(db: Executor, ids: string[], claimer: string, now: Date, staleBefore: Date): Promise<ChatOutputRow[]> {
  if (!ids.length) return [];
  const rows = await db
    .update(chatOutputs)
    .set({ status: 'sending', claimedBy: claimer, claimedAt: now })
    .where(
      and(
        inArray(chatOutputs.id, ids),
        or(
          eq(chatOutputs.status, 'pending'),
          and(eq(chatOutputs.status, 'sending'), or(eq(chatOutputs.claimedBy, claimer), lt(chatOutputs.claimedAt, staleBefore))),
        ),
      ),
    )
    .returning();
  const byId = new Map(rows.map((r) => [r.id, r]));
  return ids.map((id) => byId.get(id)).filter((r): r is ChatOutputRow => Boolean(r));
}

export async function finishChatOutputs(
  db: Executor,
  ids: string[],
  patch: { status: 'sent' | 'unreachable' | 'failed'; error?: string | null; messageRef?: string | null; sentAt?: Date | null },
): Promise<void> {
  if (!ids.length) return;
  await db
    .update(chatOutputs)
    .set({ ...patch, attempts: sql`${chatOutputs.attempts} + 1` })
    .where(inArray(chatOutputs.id, ids));
}

export async function releaseChatOutputs(db: Executor, ids: string[], error: string): Promise<void> {
  if (!ids.length) return;
  await db
    .update(chatOutputs)
    .set({ status: 'pending', claimedBy: null, claimedAt: null, attempts: sql`${chatOutputs.attempts} + 1`, error: error.slice(0, 500) })
    .where(inArray(chatOutputs.id, ids));
}

export async function chatOutputsOf(db: Executor, eventId: string): Promise<ChatOutputRow[]> {
  return db.select().from(chatOutputs).where(eq(chatOutputs.eventId, eventId)).orderBy(chatOutputs.seq);
}

/** Outputs whose job may have been lost (as strandedDeliveries): pending too long, or a lease run out. */
export async function strandedChatOutputs(
  db: Executor,
  o: { pendingBefore: Date; leaseBefore: Date; afterId: string | null; limit: number },
): Promise<Array<{ id: string; eventId: string; seq: number; attempts: number; claimedAt: Date | null }>> {
  return db
    .select({ id: chatOutputs.id, eventId: chatOutputs.eventId, seq: chatOutputs.seq, attempts: chatOutputs.attempts, claimedAt: chatOutputs.claimedAt })
    .from(chatOutputs)
    .where(
      and(
        or(and(eq(chatOutputs.status, 'pending'), lt(chatOutputs.createdAt, o.pendingBefore)), and(eq(chatOutputs.status, 'sending'), lt(chatOutputs.claimedAt, o.leaseBefore))),
        o.afterId ? gt(chatOutputs.id, o.afterId) : undefined,
      ),
    )
    .orderBy(asc(chatOutputs.id))
    .limit(o.limit);
}

export async function failPendingChatOutputs(db: Executor, ids: string[], error: string): Promise<void> {
  if (!ids.length) return;
  await db
    .update(chatOutputs)
    .set({ status: 'failed', error: error.slice(0, 500) })
    .where(and(inArray(chatOutputs.id, ids), eq(chatOutputs.status, 'pending')));
}

export async function chatOutputsByIds(db: Executor, ids: string[]): Promise<ChatOutputRow[]> {
  if (!ids.length) return [];
  return db.select().from(chatOutputs).where(inArray(chatOutputs.id, ids));
}
