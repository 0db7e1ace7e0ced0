// The inbox: updates from the platforms, committed before they are acknowledged.
import { and, asc, desc, eq, inArray, lt, sql } from 'drizzle-orm';
import type { Platform } from '../../domain/types.js';
import type { Executor } from '../db.js';
import { inbox, outbox, processedEvents } from '../schema.js';
import { queryRows } from '../raw.js';

export type InboxRow = typeof inbox.$inferSelect;
export type NewInboxRow = Pick<typeof inbox.$inferInsert, 'id' | 'platform' | 'queue' | 'payload'> & Partial<Pick<typeof inbox.$inferInsert, 'status' | 'summary' | 'doneAt' | 'conversation'>>;
export type InboxSummary = NonNullable<InboxRow['summary']>;

/** Adds the rows not there yet; returns the ids it added (a redelivery adds nothing). */
export async function insertInbox(db: Executor, rows: NewInboxRow[]): Promise<Set<string>> {
  if (!rows.length) return new Set();
  const out = await db.insert(inbox).values(rows).onConflictDoNothing({ target: inbox.id }).returning({ id: inbox.id });
  return new Set(out.map((r) => r.id));
}

/**
 * Inserts the rows and, for each row not already there, an outbox row for its job (`job`, its
 * payload the row's): one statement, atomic without a transaction of its own. Returns the ids added.
 */
export async function insertInboxWithJobs(db: Executor, rows: NewInboxRow[], job: string): Promise<Set<string>> {
  if (!rows.length) return new Set();
  // Every update a platform hands us comes through here: a fixed text, not built by the query builder, run prepared.
  const json = (v: unknown) => (v === null || v === undefined ? null : JSON.stringify(v));
  const values = rows.map(
    (r) => sql`(${r.id}, ${r.platform}, ${r.queue}, ${json(r.payload)}::jsonb, ${r.status ?? 'pending'}, ${json(r.summary)}::jsonb, ${r.doneAt ? r.doneAt.toISOString() : null}::timestamptz, ${r.conversation ?? null}::text)`,
  );
  const added = await queryRows<{ id: string }>(db, sql`with added as (insert into gridline.inbox (id, platform, queue, payload, status, summary, done_at, conversation) values ${sql.join(values, sql`, `)} on conflict (id) do nothing returning id, payload), jobs as (insert into gridline.outbox (queue, job, payload) select ${job}, ${job}, payload from added where payload is not null) select id from added`);
  return new Set(added.map((r) => r.id));
}

/**
 * Marks a pending row handled and records its update's event id (processed_events), in one
 * statement; true when the event was not recorded before (see matter-repository's recordEvent).
 */
export async function handleInboxEvent(db: Executor, inboxId: string, eventId: string, at: Date): Promise<boolean> {
  const handled = db
    .update(inbox)
    .set({ status: 'handled', doneAt: at })
    .where(and(eq(inbox.id, inboxId), eq(inbox.status, 'pending')));
  const recorded = db.insert(processedEvents).values({ id: eventId, matterId: null }).onConflictDoNothing().returning({ id: processedEvents.id });
  const result = await db.execute<{ id: string }>(sql`with handled as (${handled.getSQL()}) ${recorded.getSQL()}`);
  return rowsOf(result).length === 1;
}

/** postgres-js answers an execute with the rows; PGlite with { rows }. */
function rowsOf<T>(result: unknown): T[] {
  return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
}

export async function inboxStatus(db: Executor, id: string): Promise<string | null> {
  const [row] = await db.select({ status: inbox.status }).from(inbox).where(eq(inbox.id, id));
  return row?.status ?? null;
}

/** Marks a pending row handled (a failed one stays failed). */
export async function markInboxHandled(db: Executor, id: string, at: Date): Promise<void> {
  await db
    .update(inbox)
    .set({ status: 'handled', doneAt: at })
    .where(and(eq(inbox.id, id), eq(inbox.status, 'pending')));
}

/** Gives a row up: it stays, with a summary that holds no words of the person's (its payload is dropped). */
export async function markInboxFailed(db: Executor, id: string, summary: InboxSummary, at: Date): Promise<boolean> {
  const out = await db
    .update(inbox)
    .set({ status: 'failed', summary, payload: null, doneAt: at })
    .where(and(eq(inbox.id, id), eq(inbox.status, 'pending')))
    .returning({ id: inbox.id });
  return out.length > 0;
}

/** Rows still waiting to be handled, received before `before`, oldest first. */
export async function pendingInbox(db: Executor, before: Date, afterId: string | null, limit: number): Promise<Array<Pick<InboxRow, 'id' | 'queue' | 'payload'>>> {
  return db
    .select({ id: inbox.id, queue: inbox.queue, payload: inbox.payload })
    .from(inbox)
    .where(and(eq(inbox.status, 'pending'), lt(inbox.receivedAt, before), afterId ? sql`${inbox.id} > ${afterId}` : undefined))
    .orderBy(asc(inbox.id))
    .limit(limit);
}

/** What operators look at: updates given up, newest first. */
export async function failedInbox(db: Executor, limit = 100, platform?: Platform): Promise<Array<Pick<InboxRow, 'id' | 'platform' | 'queue' | 'summary' | 'receivedAt' | 'doneAt'>>> {
  return db
    .select({ id: inbox.id, platform: inbox.platform, queue: inbox.queue, summary: inbox.summary, receivedAt: inbox.receivedAt, doneAt: inbox.doneAt })
    .from(inbox)
    .where(and(eq(inbox.status, 'failed'), platform ? eq(inbox.platform, platform) : undefined))
    .orderBy(desc(inbox.receivedAt))
    .limit(limit);
}

export async function inboxCounts(db: Executor): Promise<Record<string, number>> {
  const rows = await db.select({ status: inbox.status, n: sql<number>`count(*)::int` }).from(inbox).groupBy(inbox.status);
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}

export async function inboxRows(db: Executor, ids: string[]): Promise<InboxRow[]> {
  if (!ids.length) return [];
  return db.select().from(inbox).where(inArray(inbox.id, ids));
}

/** Deletes up to `limit` rows handled before `before`; given-up rows stay for operators. Returns how many went. */
export async function deleteHandledInbox(db: Executor, before: Date, limit: number): Promise<number> {
  const page = db.select({ id: inbox.id }).from(inbox).where(and(eq(inbox.status, 'handled'), lt(inbox.doneAt, before))).limit(limit);
  const out = await db.delete(inbox).where(inArray(inbox.id, page)).returning({ id: inbox.id });
  return out.length;
}
