// Queries behind the sending window: how many messages went to a person since they last wrote,
// the rows held while their window is closed, and how many wait. The rules live in
// services/send-window.ts and domain/sending-window.ts.
import { and, asc, countDistinct, count, eq, gte, inArray, isNull, or, sql } from 'drizzle-orm';
import type { Platform } from '../../domain/types.js';
import type { Executor } from '../db.js';
import { deliveries, gridNodes, identities, matters } from '../schema.js';
import type { DeliveryRow } from './delivery-repository.js';

/** A row held because the person's sending window was closed. */
export const WINDOW_HELD = 'window_held';
/** A held notification that went out inside the merged message. */
export const MERGED = 'merged';
/**
 * A broadcast's copy that the person's sending window kept back: never merged into the matters'
 * news, it waits for their next message (then it goes, as itself) until the broadcast's window
 * wait is over (then 'window_expired': not delivered).
 */
export const WINDOW_WAITING = 'window_waiting';
export const WINDOW_EXPIRED = 'window_expired';

/**
 * How many messages went to the person on `platform` at or after `since`, in any of their queues
 * (`recipients`: their own, and their private chat's while we did not know them yet). A
 * conversation's button answers and reactions are not messages; an edit is one only where the
 * platform sends it anew (`editsSentAnew`, the channel's SendingWindow says so).
 */
export async function sentSince(db: Executor, recipients: string[], platform: Platform, since: Date, opts: { editsSentAnew?: boolean } = {}): Promise<number> {
  if (!recipients.length) return 0;
  const [row] = await db
    .select({ n: count() })
    .from(deliveries)
    .where(
      and(
        inArray(deliveries.recipient, recipients),
        eq(deliveries.status, 'sent'),
        gte(deliveries.sentAt, since),
        eq(deliveries.channel, platform),
        or(isNull(deliveries.output), opts.editsSentAnew ? sql`${deliveries.output}->>'kind' in ('message', 'edit')` : sql`${deliveries.output}->>'kind' = 'message'`),
      ),
    );
  return Number(row?.n ?? 0);
}

/**
 * Holds a claimed row: the window is closed. Only while it is still being sent under this claim
 * (like releaseDelivery); it leaves the queue, so what follows it is not held back by it.
 */
export async function holdClaimed(db: Executor, id: string, claimer: string, reason: string): Promise<boolean> {
  const rows = await db
    .update(deliveries)
    .set({ status: WINDOW_HELD, claimedBy: null, claimedAt: null, retryAt: null, error: reason.slice(0, 500) })
    .where(and(eq(deliveries.id, id), eq(deliveries.status, 'sending'), eq(deliveries.claimedBy, claimer)))
    .returning({ id: deliveries.id });
  return rows.length > 0;
}

/** A claimed broadcast copy waits for the person's next message (WINDOW_WAITING); only while still this claimer's. */
export async function waitClaimedCopy(db: Executor, id: string, claimer: string, reason: string): Promise<boolean> {
  const rows = await db
    .update(deliveries)
    .set({ status: WINDOW_WAITING, claimedBy: null, claimedAt: null, retryAt: null, error: reason.slice(0, 500) })
    .where(and(eq(deliveries.id, id), eq(deliveries.status, 'sending'), eq(deliveries.claimedBy, claimer)))
    .returning({ id: deliveries.id });
  return rows.length > 0;
}

/**
 * The person wrote: their broadcast copies that wait for it (in `recipient`, their own queue) go
 * into the queue `into` (where the turn's answers went), due now, for broadcasts released after
 * `releasedAfter` (older ones have waited long enough). One statement: of two turns at once, each
 * copy goes back once. Returns the broadcasts they belong to.
 */
export async function takeWaitingCopies(db: Executor, recipient: string, into: string, releasedAfter: Date): Promise<string[]> {
  const rows = await db
    .update(deliveries)
    .set({ status: 'pending', recipient: into, dueAt: null, error: null })
    .where(
      and(
        eq(deliveries.recipient, recipient),
        eq(deliveries.status, WINDOW_WAITING),
        sql`exists (select 1 from gridline.broadcasts b where b.id = ${deliveries.broadcastId} and b.released_at > ${releasedAfter.toISOString()}::timestamptz)`,
      ),
    )
    .returning({ broadcastId: deliveries.broadcastId });
  return [...new Set(rows.map((r) => r.broadcastId).filter((x): x is string => Boolean(x)))];
}

/** A broadcast's copies still waiting for a window once its wait is over: not delivered ('window_expired'). */
export async function expireWaitingCopies(db: Executor, broadcastId: string): Promise<number> {
  const rows = await db
    .update(deliveries)
    .set({ status: WINDOW_EXPIRED, error: 'sending window closed: the person did not write within the wait' })
    .where(and(eq(deliveries.broadcastId, broadcastId), eq(deliveries.status, WINDOW_WAITING)))
    .returning({ id: deliveries.id });
  return rows.length;
}

/**
 * Takes everything held for a recipient, oldest first: notifications are marked 'merged' (the
 * caller writes the one message carrying them), a conversation's answers 'superseded' (the
 * conversation answers what the person wrote now instead). One statement: of two callers at
 * once, each row goes to exactly one, like a sender's claim.
 */
export async function takeHeld(db: Executor, recipients: readonly string[]): Promise<DeliveryRow[]> {
  if (!recipients.length) return [];
  const rows = await db
    .update(deliveries)
    .set({ status: sql`case when ${deliveries.output} is null then ${MERGED} else 'superseded' end` })
    .where(and(recipients.length === 1 ? eq(deliveries.recipient, recipients[0]!) : inArray(deliveries.recipient, [...recipients]), eq(deliveries.status, WINDOW_HELD)))
    .returning();
  // Queue by queue in the order given, each oldest first.
  const rank = (r: DeliveryRow) => recipients.indexOf(r.recipient);
  return rows.sort((a, b) => rank(a) - rank(b) || a.seq - b.seq);
}

/** Rows held for a recipient, oldest first (what the person will get when they write). */
export async function heldFor(db: Executor, recipient: string): Promise<DeliveryRow[]> {
  return db
    .select()
    .from(deliveries)
    .where(and(eq(deliveries.recipient, recipient), eq(deliveries.status, WINDOW_HELD)))
    .orderBy(asc(deliveries.seq));
}

/** Rows held now, for /metrics: the window's, and cadre alerts held for the morning digest. */
export async function heldCounts(db: Executor): Promise<{ window: number; digest: number }> {
  const rows = await db
    .select({ status: deliveries.status, n: count() })
    .from(deliveries)
    .where(inArray(deliveries.status, [WINDOW_HELD, 'held']))
    .groupBy(deliveries.status);
  const of = (s: string) => Number(rows.find((r) => r.status === s)?.n ?? 0);
  return { window: of(WINDOW_HELD), digest: of('held') };
}

/** Messages held for closed windows about matters at or under `path`, and how many people they wait for. */
export async function windowHeldUnder(db: Executor, path: string): Promise<{ messages: number; people: number }> {
  const [row] = await db
    .select({ messages: count(), people: countDistinct(deliveries.recipient) })
    .from(deliveries)
    .innerJoin(matters, eq(matters.id, deliveries.matterId))
    .innerJoin(gridNodes, eq(gridNodes.id, matters.gridNodeId))
    .where(and(eq(deliveries.status, WINDOW_HELD), or(eq(gridNodes.path, path), sql`starts_with(${gridNodes.path}, ${`${path}/`})`)));
  return { messages: Number(row?.messages ?? 0), people: Number(row?.people ?? 0) };
}

/** Whose identity this is on the platform, and when they last wrote from it; undefined for someone we do not know. */
export async function lastWrote(db: Executor, platform: Platform, externalId: string): Promise<{ personId: string; lastSeenAt: Date | null } | undefined> {
  const [row] = await db
    .select({ personId: identities.personId, lastSeenAt: identities.lastSeenAt })
    .from(identities)
    .where(and(eq(identities.platform, platform), eq(identities.externalId, externalId)));
  return row;
}
