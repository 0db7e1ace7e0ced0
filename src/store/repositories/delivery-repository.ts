// Notifications to people: what to say (a locale key and its parameters) and whether it went.
import { and, eq, lt, or, sql } from 'drizzle-orm';
import type { Executor } from '../db.js';
import { deliveries } from '../schema.js';

export type DeliveryRow = typeof deliveries.$inferSelect;
export type NewDelivery = Pick<typeof deliveries.$inferInsert, 'personId' | 'matterId' | 'template' | 'params'>;

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
 * Claims a delivery for one job. A pending delivery is claimed; one being sent is claimed again
 * only by the same job (its earlier attempt died mid-send) or once the claim is stale.
 */
export async function claimDelivery(db: Executor, id: string, claimer: string, now: Date, staleBefore: Date): Promise<DeliveryRow | undefined> {
  const [row] = await db
    .update(deliveries)
    .set({ status: 'sending', claimedBy: claimer, claimedAt: now })
    .where(
      and(
        eq(deliveries.id, id),
        or(
          eq(deliveries.status, 'pending'),
          and(eq(deliveries.status, 'sending'), or(eq(deliveries.claimedBy, claimer), lt(deliveries.claimedAt, staleBefore))),
        ),
      ),
    )
    .returning();
  return row;
}

/** Ends a claimed delivery in its final state. */
export async function finishDelivery(
  db: Executor,
  id: string,
  patch: { status: 'sent' | 'unreachable' | 'failed'; channel?: string | null; error?: string | null; sentAt?: Date | null },
): Promise<void> {
  await db
    .update(deliveries)
    .set({ ...patch, attempts: sql`${deliveries.attempts} + 1` })
    .where(eq(deliveries.id, id));
}

/** Gives a claimed delivery back after a failed attempt, for the job's retry. */
export async function releaseDelivery(db: Executor, id: string, error: string): Promise<void> {
  await db
    .update(deliveries)
    .set({ status: 'pending', claimedBy: null, claimedAt: null, attempts: sql`${deliveries.attempts} + 1`, error: error.slice(0, 500) })
    .where(eq(deliveries.id, id));
}
