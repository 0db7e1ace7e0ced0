// Notifications to people: what to say (a locale key and its parameters) and whether it went.
import { and, asc, eq, gt, inArray, lt, or, sql } from 'drizzle-orm';
import type { Executor } from '../db.js';
import { deliveries } from '../schema.js';

export type DeliveryRow = typeof deliveries.$inferSelect;
export type NewDelivery = Pick<typeof deliveries.$inferInsert, 'id' | 'personId' | 'matterId' | 'template' | 'params'> &
  Partial<Pick<typeof deliveries.$inferInsert, 'status' | 'chatPlatform' | 'chatId' | 'gridNodeId'>>;

export async function createDeliveries(db: Executor, rows: NewDelivery[]): Promise<string[]> {
  if (!rows.length) return [];
  const out = await db.insert(deliveries).values(rows).returning({ id: deliveries.id });
  return out.map((r) => r.id);
}

export async function findDelivery(db: Executor, id: string): Promise<DeliveryRow | undefined> {
  const [row] = await db.select().from(deliveries).where(eq(deliveries.id, id));
  return row;
}

/**
 * Claims deliveries for one job. A pending delivery is claimed; one being sent is claimed again
 * only by the same job (its earlier attempt died mid-send) or once the claim is stale.
 * Returned in the order asked.
 */
export async function claimDeliveries(db: Executor, ids: string[], claimer: string, now: Date, staleBefore: Date): Promise<DeliveryRow[]> {
  if (!ids.length) return [];
  const rows = await db
    .update(deliveries)
    .set({ status: 'sending', claimedBy: claimer, claimedAt: now })
    .where(
      and(
        inArray(deliveries.id, ids),
        or(
          eq(deliveries.status, 'pending'),
          and(eq(deliveries.status, 'sending'), or(eq(deliveries.claimedBy, claimer), lt(deliveries.claimedAt, staleBefore))),
        ),
      ),
    )
    .returning();
  const byId = new Map(rows.map((r) => [r.id, r]));
  return ids.map((id) => byId.get(id)).filter((r): r is DeliveryRow => Boolean(r));
}

/** Ends claimed deliveries in their final state. */
export async function finishDeliveries(
  db: Executor,
  ids: string[],
  patch: { status: 'sent' | 'unreachable' | 'failed'; channel?: string | null; error?: string | null; sentAt?: Date | null },
): Promise<void> {
  if (!ids.length) return;
  await db
    .update(deliveries)
    .set({ ...patch, attempts: sql`${deliveries.attempts} + 1` })
    .where(inArray(deliveries.id, ids));
}

/** Gives claimed deliveries back after a failed attempt, for the job's retry. */
export async function releaseDeliveries(db: Executor, ids: string[], error: string): Promise<void> {
  if (!ids.length) return;
  await db
    .update(deliveries)
    .set({ status: 'pending', claimedBy: null, claimedAt: null, attempts: sql`${deliveries.attempts} + 1`, error: error.slice(0, 500) })
    .where(inArray(deliveries.id, ids));
}

/**
 * Takes back a matter's receipt that is still waiting to be sent (status 'superseded'): the
 * caller sends a fuller one instead. Returns false when it went out or is going out already.
 */
export async function supersedeWaiting(db: Executor, matterId: string, template: string): Promise<boolean> {
  const rows = await db
    .update(deliveries)
    .set({ status: 'superseded' })
    .where(and(eq(deliveries.matterId, matterId), eq(deliveries.template, template), eq(deliveries.status, 'pending')))
    .returning({ id: deliveries.id });
  return rows.length > 0;
}

/** Deliveries never tried since before `before`: their job may have been lost. */
export async function untriedSince(db: Executor, before: Date, limit = 500): Promise<string[]> {
  const rows = await db
    .select({ id: deliveries.id })
    .from(deliveries)
    .where(and(eq(deliveries.status, 'pending'), eq(deliveries.attempts, 0), lt(deliveries.createdAt, before)))
    .limit(limit);
  return rows.map((r) => r.id);
}

export interface StrandedRow {
  id: string;
  attempts: number;
  claimedAt: Date | null;
}

/**
 * Deliveries whose job may have been lost: pending since before `pendingBefore`, or claimed by a
 * sender whose lease ran out before `leaseBefore` (it died mid-send). A page after `afterId`.
 */
export async function strandedDeliveries(db: Executor, o: { pendingBefore: Date; leaseBefore: Date; afterId: string | null; limit: number }): Promise<StrandedRow[]> {
  return db
    .select({ id: deliveries.id, attempts: deliveries.attempts, claimedAt: deliveries.claimedAt })
    .from(deliveries)
    .where(
      and(
        or(and(eq(deliveries.status, 'pending'), lt(deliveries.createdAt, o.pendingBefore)), and(eq(deliveries.status, 'sending'), lt(deliveries.claimedAt, o.leaseBefore))),
        o.afterId ? gt(deliveries.id, o.afterId) : undefined,
      ),
    )
    .orderBy(asc(deliveries.id))
    .limit(o.limit);
}

/** On a job's last attempt: what it never got to claim fails with it (unless another job took it). */
export async function failPendingDeliveries(db: Executor, ids: string[], error: string): Promise<void> {
  if (!ids.length) return;
  await db
    .update(deliveries)
    .set({ status: 'failed', error: error.slice(0, 500) })
    .where(and(inArray(deliveries.id, ids), eq(deliveries.status, 'pending')));
}

export async function deliveriesByIds(db: Executor, ids: string[]): Promise<DeliveryRow[]> {
  if (!ids.length) return [];
  return db.select().from(deliveries).where(inArray(deliveries.id, ids));
}

/** True when the person was already given one of these notices about the matter (written, whatever its state). */
export async function hasNoticeOf(db: Executor, matterId: string, personId: string, templates: readonly string[]): Promise<boolean> {
  const [row] = await db
    .select({ id: deliveries.id })
    .from(deliveries)
    .where(and(eq(deliveries.matterId, matterId), eq(deliveries.personId, personId), inArray(deliveries.template, [...templates])))
    .limit(1);
  return Boolean(row);
}

/** Takes back one delivery not sent (pending, or claimed by a sender whose lease ran out before `staleBefore`). */
export async function supersedeDelivery(db: Executor, id: string, staleBefore: Date): Promise<boolean> {
  const rows = await db
    .update(deliveries)
    .set({ status: 'superseded', claimedBy: null, claimedAt: null })
    .where(and(eq(deliveries.id, id), or(eq(deliveries.status, 'pending'), and(eq(deliveries.status, 'sending'), lt(deliveries.claimedAt, staleBefore)))))
    .returning({ id: deliveries.id });
  return rows.length > 0;
}
