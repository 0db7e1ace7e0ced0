// Messages to send, one queue per recipient: notifications (a locale key and its parameters) and
// what the bot says in a conversation. Queries only; the send rules live in send-service.ts.
import { and, asc, eq, getTableColumns, gt, inArray, isNotNull, isNull, lt, lte, or, sql, type SQL } from 'drizzle-orm';
import type { Platform } from '../../domain/types.js';
import type { Executor } from '../db.js';
import type { OutboxJob } from '../../ports/jobs.js';
import { deliveries, messageLinks, outbox } from '../schema.js';
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

/** A queue's head as a claim found it: the row, and whether the claim took it for this job. */
export interface QueueHead {
  row: DeliveryRow;
  claimed: boolean;
}

export interface HeadClaim {
  recipient: string;
  claimer: string;
  now: Date;
  /** Rows set for later (dueAt) are in the queue from then (the job's own time when it was delayed). */
  due: Date;
  /** A claim older than this has run out (its sender died). */
  staleBefore: Date;
  /**
   * A matter's row of this template on its first attempt, until `waitMs` after it was written (or
   * its dueAt), is never taken here: the caller looks at it first (a waiting receipt,
   * services/waiting-receipt.ts) and claims it with claimDelivery.
   */
  checkFirst: { template: string; waitMs: number };
}

/**
 * The first row of a recipient's queue not yet done (pending or being sent), in written order (a
 * broadcast's copy after the matters' messages written later; see broadcast-service.ts). A row set
 * for later (`dueAt`) is not in the queue until `due`, unless a sender has claimed it already: what
 * was written after it waits for it. A row being sent comes first (nobody overtakes it). `exclude`:
 * a row just recorded as sent in the same statement (still 'sending' in its snapshot).
 */
const headOf = (exclude: boolean) => sql`select ${deliveries.id} from ${deliveries}
  where ${deliveries.recipient} = ${sql.placeholder('recipient')}${exclude ? sql` and ${deliveries.id} <> ${sql.placeholder('sentId')}` : sql``}
    and (${deliveries.status} = 'sending' or (${deliveries.status} = 'pending' and (${deliveries.dueAt} is null or ${deliveries.dueAt} <= ${sql.placeholder('due')})))
  order by ${deliveries.status} <> 'sending', ${deliveries.broadcastId} is not null, ${deliveries.seq}
  limit 1`;

/**
 * The claim of claimDelivery on the head (`head`), as one UPDATE: taken only when it is this
 * job's to send now. `skipLocked`: a head locked by another transaction is left alone rather than
 * waited for (the caller claims it on its own), so the statement never waits on it.
 */
const claimHeadSql = (skipLocked: boolean) => sql`update ${deliveries}
  set ${sql.identifier(deliveries.status.name)} = 'sending', ${sql.identifier(deliveries.claimedBy.name)} = ${sql.placeholder('claimer')}::text, ${sql.identifier(deliveries.claimedAt.name)} = ${sql.placeholder('now')}::timestamptz
  where ${deliveries.id} = (select id from head)
    and ((${deliveries.status} = 'pending' and (${deliveries.retryAt} is null or ${deliveries.retryAt} <= ${sql.placeholder('now')}::timestamptz or ${deliveries.claimedBy} = ${sql.placeholder('claimer')}::text))
      or (${deliveries.status} = 'sending' and (${deliveries.claimedBy} = ${sql.placeholder('claimer')}::text or ${deliveries.claimedAt} < ${sql.placeholder('staleBefore')}::timestamptz)))
    and not (${deliveries.template} = ${sql.placeholder('checkFirst')}::text and ${deliveries.attempts} = 0 and ${deliveries.matterId} is not null
      and coalesce(${deliveries.dueAt}, ${deliveries.createdAt} + ${sql.placeholder('checkFirstMs')}::int * interval '1 millisecond') > ${sql.placeholder('now')}::timestamptz)${
      skipLocked ? sql` and ${deliveries.id} in (select l.id from ${deliveries} l where l.id = (select id from head) for update skip locked)` : sql``
    }
  returning ${deliveries.id}`;

/**
 * The head row as the statement's snapshot saw it (before its own writes), and whether the claim
 * took it; the caller puts in what the claim set.
 */
const headFields = () => ({ ...getTableColumns(deliveries), claimed: sql<boolean>`exists (select 1 from claimed)`.as('claimed') });

function headOfRows(rows: Array<DeliveryRow & { claimed: boolean }>, claimer: string, now: Date): QueueHead | null {
  const [r] = rows;
  if (!r) return null;
  const { claimed, ...row } = r;
  return claimed ? { row: { ...row, status: 'sending', claimedBy: claimer, claimedAt: now }, claimed: true } : { row, claimed: false };
}

const claimParams = (c: HeadClaim) => ({
  recipient: c.recipient,
  claimer: c.claimer,
  now: c.now.toISOString(),
  due: c.due.toISOString(),
  staleBefore: c.staleBefore.toISOString(),
  checkFirst: c.checkFirst.template,
  checkFirstMs: c.checkFirst.waitMs,
});

/**
 * Reads a queue's head (queueHead) and claims it (claimDelivery) in one statement. Null when the
 * queue is empty; a head not claimed is another job's now (or one for the caller to look at first).
 */
export async function claimQueueHead(db: Executor, c: HeadClaim): Promise<QueueHead | null> {
  const query = prepared(db, 'claim_queue_head', (db) => {
    const head = db.$with('head', { id: deliveries.id }).as(headOf(false));
    const claimed = db.$with('claimed', { id: deliveries.id }).as(claimHeadSql(false));
    return db.with(head, claimed).select(headFields()).from(deliveries).where(sql`${deliveries.id} = (select id from head)`).prepare('claim_queue_head');
  });
  return headOfRows((await query.execute(claimParams(c))) as Array<DeliveryRow & { claimed: boolean }>, c.claimer, c.now);
}

/** What was sent: the platform's channel and message id, and the chat a card's link to its matter names (none: no link). */
export interface SentMark {
  id: string;
  channel: string;
  sentAt: Date;
  messageRef: string | null;
  link: { platform: Platform; chatId: string } | null;
}

/**
 * Records a row as sent (finishDeliveries), links the card to its matter (linkMessages, when the
 * row has a matter and the platform gave a message id), and claims the queue's next head
 * (claimQueueHead, never waiting on a row another transaction holds): one statement.
 */
export async function markSentAndClaimNext(db: Executor, sent: SentMark, c: HeadClaim): Promise<QueueHead | null> {
  const query = prepared(db, 'delivery_sent_next', (db) => {
    const done = db.$with('done', { id: deliveries.id }).as(sql`update ${deliveries}
      set ${sql.identifier(deliveries.status.name)} = 'sent', ${sql.identifier(deliveries.channel.name)} = ${sql.placeholder('channel')}::text, ${sql.identifier(deliveries.sentAt.name)} = ${sql.placeholder('sentAt')}::timestamptz,
        ${sql.identifier(deliveries.error.name)} = null, ${sql.identifier(deliveries.messageRef.name)} = ${sql.placeholder('messageRef')}::text, ${sql.identifier(deliveries.retryAt.name)} = null,
        ${sql.identifier(deliveries.attempts.name)} = ${deliveries.attempts} + 1
      where ${deliveries.id} = ${sql.placeholder('sentId')}::uuid
      returning ${deliveries.id}, ${deliveries.matterId}, ${deliveries.personId}`);
    const link = db.$with('link', { id: deliveries.id }).as(sql`insert into ${messageLinks} (platform, chat_id, message_ref, matter_id, person_id, kind, delivery_id)
      select ${sql.placeholder('linkPlatform')}::text, ${sql.placeholder('linkChat')}::text, ${sql.placeholder('messageRef')}::text, done.matter_id, done.person_id, 'card', done.id from done
      where ${sql.placeholder('linkPlatform')}::text is not null and ${sql.placeholder('messageRef')}::text is not null and done.matter_id is not null
      on conflict do nothing
      returning delivery_id as id`);
    const head = db.$with('head', { id: deliveries.id }).as(headOf(true));
    const claimed = db.$with('claimed', { id: deliveries.id }).as(claimHeadSql(true));
    return db.with(done, link, head, claimed).select(headFields()).from(deliveries).where(sql`${deliveries.id} = (select id from head)`).prepare('delivery_sent_next');
  });
  const rows = await query.execute({
    ...claimParams(c),
    sentId: sent.id,
    channel: sent.channel,
    sentAt: sent.sentAt.toISOString(),
    messageRef: sent.messageRef,
    linkPlatform: sent.link?.platform ?? null,
    linkChat: sent.link?.chatId ?? null,
  });
  return headOfRows(rows as Array<DeliveryRow & { claimed: boolean }>, c.claimer, c.now);
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

/**
 * Lets a claimed row go unsent, only while still unsent under this claim: to `status`, its
 * attempts and error as they were.
 */
export async function letGoClaim(db: Executor, id: string, claimer: string, status: 'pending' | 'stopped'): Promise<boolean> {
  const rows = await db
    .update(deliveries)
    .set({ status, claimedBy: null, claimedAt: null })
    .where(and(eq(deliveries.id, id), eq(deliveries.status, 'sending'), eq(deliveries.claimedBy, claimer)))
    .returning({ id: deliveries.id });
  return rows.length > 0;
}

/** Gives a claimed row back untouched, pending for the next sender (this one is stopping). */
export const unclaimDelivery = (db: Executor, id: string, claimer: string): Promise<boolean> => letGoClaim(db, id, claimer, 'pending');

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
    .returning({ id: deliveries.id });
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
