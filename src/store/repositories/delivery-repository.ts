// Messages to send, one queue per recipient: notifications (a locale key and its parameters) and
// what the bot says in a conversation. Queries only; the send rules live in send-service.ts.
import { and, asc, eq, gt, inArray, isNotNull, isNull, lt, lte, or, sql, type SQL } from 'drizzle-orm';
import type { Platform } from '../../domain/types.js';
import type { Executor } from '../db.js';
import type { OutboxJob } from '../../ports/jobs.js';
import { deliveries, outbox } from '../schema.js';
import { prepared } from '../prepared.js';
import { writeTogether } from '../together.js';

export type DeliveryRow = typeof deliveries.$inferSelect;
export type NewDelivery = Pick<typeof deliveries.$inferInsert, 'id' | 'personId' | 'matterId' | 'template' | 'params'> &
  Partial<Pick<typeof deliveries.$inferInsert, 'status' | 'chatPlatform' | 'chatId' | 'gridNodeId' | 'dueAt'>>;
/** A conversation's output to one chat; `personId` (the person in a private chat) only places it in their queue. */
export interface NewChatOutput {
  id: string;
  platform: Platform;
  chatId: string;
  userId: string;
  eventId: string;
  personId: string | null;
  output: Record<string, unknown>;
}

/** The queue a message waits in: a person's (whatever platform reaches them), or a chat's. */
export function recipientKey(t: { personId?: string | null; chatPlatform?: string | null; chatId?: string | null }): string {
  return t.personId ? `person:${t.personId}` : `chat:${t.chatPlatform}:${t.chatId}`;
}

/** Writes notifications; returns their ids and the queues they joined. */
export async function createDeliveries(db: Executor, rows: NewDelivery[]): Promise<string[]> {
  if (!rows.length) return [];
  const out = await db
    .insert(deliveries)
    .values(rows.map((r) => ({ ...r, recipient: recipientKey(r) })))
    .returning({ id: deliveries.id });
  return out.map((r) => r.id);
}

/** createDeliveries' statement, not run (for store/together.ts's writeTogether); null for none. */
export function deliveriesWrite(db: Executor, rows: NewDelivery[]): SQL | null {
  return rows.length ? db.insert(deliveries).values(rows.map((r) => ({ ...r, recipient: recipientKey(r) }))).getSQL() : null;
}

/** The outbox rows of jobs (enqueue's rows), not written (for writeTogether); null for none. */
export function jobsWrite(db: Executor, jobs: readonly OutboxJob[]): SQL | null {
  return jobs.length ? db.insert(outbox).values(jobs.map((r) => ({ queue: r.queue, job: r.job, payload: r.payload, runAt: r.runAt }))).getSQL() : null;
}

/** Writes notifications and the outbox rows of their send jobs in one statement. Either may be empty. */
export async function createDeliveriesWithJobs(db: Executor, rows: NewDelivery[], jobs: readonly OutboxJob[]): Promise<void> {
  await writeTogether(db, [deliveriesWrite(db, rows), jobsWrite(db, jobs)]);
}

/** The queue a conversation's output joins: the person's in their private chat, else the chat's. */
export const chatOutputKey = (r: Pick<NewChatOutput, 'personId' | 'platform' | 'chatId'>) => (r.personId ? recipientKey({ personId: r.personId }) : recipientKey({ chatPlatform: r.platform, chatId: r.chatId }));

/** The queues a conversation's outputs join (what createChatOutputs returns), known before they are written. */
export function chatOutputQueues(rows: ReadonlyArray<Pick<NewChatOutput, 'personId' | 'platform' | 'chatId'>>): string[] {
  return [...new Set(rows.map(chatOutputKey))];
}

/** Writes a conversation's outputs, in the order given; returns the queues they joined. */
export async function createChatOutputs(db: Executor, rows: NewChatOutput[]): Promise<string[]> {
  if (!rows.length) return [];
  const keyOf = chatOutputKey;
  await db.insert(deliveries).values(
    rows.map((r) => ({
      id: r.id,
      recipient: keyOf(r),
      template: 'chat',
      output: r.output,
      chatPlatform: r.platform,
      chatId: r.chatId,
      userId: r.userId,
      eventId: r.eventId,
    })),
  );
  return [...new Set(rows.map(keyOf))];
}

/** The queues the given rows wait in. */
export async function recipientsOf(db: Executor, ids: string[]): Promise<string[]> {
  if (!ids.length) return [];
  const rows = await db.selectDistinct({ recipient: deliveries.recipient }).from(deliveries).where(inArray(deliveries.id, ids));
  return rows.map((r) => r.recipient);
}

export async function findDelivery(db: Executor, id: string): Promise<DeliveryRow | undefined> {
  const [row] = await db.select().from(deliveries).where(eq(deliveries.id, id));
  return row;
}

/**
 * The first row of a recipient's queue not yet done (pending or being sent), in written order
 * (a broadcast's copy after the matters' messages written later; see broadcast-service.ts). A
 * row set for later (`dueAt`) is not in the queue until `now` reaches it, unless a sender has
 * claimed it already: what was written after it waits for it.
 */
export async function queueHead(db: Executor, recipient: string, now: Date): Promise<DeliveryRow | undefined> {
  const [row] = await queueHeads(db, recipient, now, 1);
  return row;
}

/** The first `limit` rows of a recipient's queue in the order queueHead gives them (one read for a run of sends). */
export async function queueHeads(db: Executor, recipient: string, now: Date, limit: number): Promise<DeliveryRow[]> {
  const query = prepared(db, 'queue_heads', (db) =>
    db
      .select()
      .from(deliveries)
      .where(
        and(
          eq(deliveries.recipient, sql.placeholder('recipient')),
          or(eq(deliveries.status, 'sending'), and(eq(deliveries.status, 'pending'), or(isNull(deliveries.dueAt), lte(deliveries.dueAt, sql.placeholder('now'))))),
        ),
      )
      // A row being sent first (nobody overtakes it); then a matter's messages before a broadcast's copy.
      .orderBy(sql`${deliveries.status} <> 'sending'`, sql`${deliveries.broadcastId} is not null`, asc(deliveries.seq))
      .limit(sql.placeholder('limit'))
      .prepare('queue_heads'),
  );
  // A placeholder is not mapped by a column: times go as text.
  return query.execute({ recipient, now: now.toISOString(), limit });
}

/**
 * Claims one row for a job: a pending row whose 429 wait is over (or that this job itself was
 * told to wait with); a row being sent only by the same job (its earlier attempt died mid-send) or
 * once the claim is stale. Undefined when it is not this job's to send now.
 */
export async function claimDelivery(db: Executor, id: string, claimer: string, now: Date, staleBefore: Date): Promise<DeliveryRow | undefined> {
  const query = prepared(db, 'claim_delivery', (db) =>
    db
      .update(deliveries)
      .set({ status: 'sending', claimedBy: sql`${sql.placeholder('claimer')}`, claimedAt: sql`${sql.placeholder('now')}` })
      .where(
        and(
          eq(deliveries.id, sql.placeholder('id')),
          or(
            and(eq(deliveries.status, 'pending'), or(isNull(deliveries.retryAt), lte(deliveries.retryAt, sql.placeholder('now')), eq(deliveries.claimedBy, sql.placeholder('claimer')))),
            and(eq(deliveries.status, 'sending'), or(eq(deliveries.claimedBy, sql.placeholder('claimer')), lt(deliveries.claimedAt, sql.placeholder('staleBefore')))),
          ),
        ),
      )
      .returning()
      .prepare('claim_delivery'),
  );
  const [row] = await query.execute({ id, claimer, now: now.toISOString(), staleBefore: staleBefore.toISOString() });
  return row;
}

/** Ends claimed deliveries in their final state. */
export async function finishDeliveries(
  db: Executor,
  ids: string[],
  patch: { status: 'sent' | 'unreachable' | 'failed'; channel?: string | null; error?: string | null; sentAt?: Date | null; messageRef?: string | null },
): Promise<void> {
  if (!ids.length) return;
  if (ids.length === 1 && patch.status === 'sent' && patch.channel !== undefined && patch.sentAt && patch.error === null) {
    // The common case (a message sent), as a statement built once.
    const query = prepared(db, 'delivery_sent', (db) =>
      db
        .update(deliveries)
        .set({ status: 'sent', channel: sql`${sql.placeholder('channel')}`, sentAt: sql`${sql.placeholder('sentAt')}`, error: null, messageRef: sql`${sql.placeholder('messageRef')}`, retryAt: null, attempts: sql`${deliveries.attempts} + 1` })
        .where(eq(deliveries.id, sql.placeholder('id')))
        .prepare('delivery_sent'),
    );
    await query.execute({ id: ids[0]!, channel: patch.channel, sentAt: patch.sentAt.toISOString(), messageRef: patch.messageRef ?? null });
    return;
  }
  await db
    .update(deliveries)
    .set({ ...patch, retryAt: null, attempts: sql`${deliveries.attempts} + 1` })
    .where(inArray(deliveries.id, ids));
}

/**
 * Gives a claimed row back after a failed attempt. With `retryAt` (the platform asked us to wait)
 * the claimer stays named: that job takes it again when its wait is over; others wait until then.
 * Only a row still being sent under this claimer's claim is given back: one recorded as sent (the
 * platform has it) or taken over by another job after the lease ran out stays as it is. Returns
 * whether it was given back.
 */
export async function releaseDelivery(db: Executor, id: string, claimer: string, error: string, retryAt: Date | null = null): Promise<boolean> {
  const rows = await db
    .update(deliveries)
    .set({
      status: 'pending',
      retryAt,
      ...(retryAt ? {} : { claimedBy: null }),
      claimedAt: null,
      attempts: sql`${deliveries.attempts} + 1`,
      error: error.slice(0, 500),
    })
    .where(and(eq(deliveries.id, id), eq(deliveries.status, 'sending'), eq(deliveries.claimedBy, claimer)))
    .returning({ id: deliveries.id });
  return rows.length > 0;
}

/** Gives a claimed row up after its last attempt: only while still being sent under this claim (a row recorded as sent stays sent). */
export async function failClaimedDelivery(db: Executor, id: string, claimer: string, error: string): Promise<boolean> {
  const rows = await db
    .update(deliveries)
    .set({ status: 'failed', error: error.slice(0, 500), retryAt: null, attempts: sql`${deliveries.attempts} + 1` })
    .where(and(eq(deliveries.id, id), eq(deliveries.status, 'sending'), eq(deliveries.claimedBy, claimer)))
    .returning({ id: deliveries.id });
  return rows.length > 0;
}

/**
 * Takes back a matter's receipt that is still waiting to be sent (status 'superseded'): the
 * caller sends a fuller one instead. Returns false when it went out or is going out already
 * (claimed by a sender, even one whose lease ran out, or given back after a failed attempt: it
 * may have reached the platform, and is sent again rather than withdrawn). This and the sender's
 * claim (claimDelivery) are each one statement on the same row, so exactly one of them wins: a
 * receipt is either taken back before any sender touched it, or it is sent.
 */
export async function supersedeWaiting(db: Executor, matterId: string, template: string): Promise<boolean> {
  const rows = await db
    .update(deliveries)
    .set({ status: 'superseded' })
    .where(and(eq(deliveries.matterId, matterId), eq(deliveries.template, template), eq(deliveries.status, 'pending'), eq(deliveries.attempts, 0)))
    .returning({ id: deliveries.id })
    .prepare('supersede_waiting')
    .execute();
  return rows.length > 0;
}

/** A matter's notices of `templates` still waiting in their queues, not yet claimed by a sender. */
export async function waitingNoticesOf(db: Executor, matterId: string, templates: readonly string[]): Promise<DeliveryRow[]> {
  if (!templates.length) return [];
  return db
    .select()
    .from(deliveries)
    .where(and(eq(deliveries.matterId, matterId), inArray(deliveries.template, [...templates]), eq(deliveries.status, 'pending')));
}

/**
 * New parameters for a notice while it still waits: one statement, as the sender's claim
 * (claimDelivery) is, so a notice being sent keeps what it was claimed with. False when it was not waiting.
 */
export async function rewriteWaitingParams(db: Executor, id: string, params: Record<string, unknown>): Promise<boolean> {
  const rows = await db
    .update(deliveries)
    .set({ params })
    .where(and(eq(deliveries.id, id), eq(deliveries.status, 'pending')))
    .returning({ id: deliveries.id });
  return rows.length > 0;
}

export interface StrandedRow {
  id: string;
  recipient: string;
  attempts: number;
  claimedAt: Date | null;
  dueAt: Date | null;
  retryAt: Date | null;
  /** A broadcast's copy: queued again in the broadcast lane, behind the matters' messages. */
  broadcastId: string | null;
}

/**
 * Rows whose job may have been lost: pending since before `pendingBefore`, or claimed by a sender
 * whose lease ran out before `leaseBefore` (it died mid-send). A page after `afterId`.
 */
/**
 * Rows whose send job may be lost: pending since before `pendingBefore` (a broadcast's copy since
 * before `bulkPendingBefore`: thousands of them wait their turn at the platform's rate, for minutes,
 * with their jobs in the queue), or claimed by a sender whose lease ran out.
 */
export async function strandedDeliveries(db: Executor, o: { pendingBefore: Date; bulkPendingBefore?: Date; leaseBefore: Date; afterId: string | null; limit: number }): Promise<StrandedRow[]> {
  return db
    .select({ id: deliveries.id, recipient: deliveries.recipient, attempts: deliveries.attempts, claimedAt: deliveries.claimedAt, dueAt: deliveries.dueAt, retryAt: deliveries.retryAt, broadcastId: deliveries.broadcastId })
    .from(deliveries)
    .where(
      and(
        or(
          and(eq(deliveries.status, 'pending'), lt(deliveries.createdAt, o.pendingBefore), o.bulkPendingBefore ? or(isNull(deliveries.broadcastId), lt(deliveries.createdAt, o.bulkPendingBefore)) : undefined),
          and(eq(deliveries.status, 'sending'), lt(deliveries.claimedAt, o.leaseBefore)),
        ),
        o.afterId ? gt(deliveries.id, o.afterId) : undefined,
      ),
    )
    .orderBy(asc(deliveries.id))
    .limit(o.limit);
}

/** A conversation's outputs for one update, in written order. */
export async function chatOutputsOf(db: Executor, eventId: string): Promise<DeliveryRow[]> {
  return db.select().from(deliveries).where(and(isNotNull(deliveries.output), eq(deliveries.eventId, eventId))).orderBy(asc(deliveries.seq));
}

export async function deliveriesByIds(db: Executor, ids: string[]): Promise<DeliveryRow[]> {
  if (!ids.length) return [];
  return db.select().from(deliveries).where(inArray(deliveries.id, ids));
}
