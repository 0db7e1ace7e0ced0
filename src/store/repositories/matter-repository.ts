// Every query on matters, their events and messages. No business rules here.
import { and, asc, desc, eq, gt, inArray, is, like, lt, or, sql, type SQL } from 'drizzle-orm';
import { alias, PgTransaction } from 'drizzle-orm/pg-core';
import type { EventKind } from '../../domain/lifecycle.js';
import type { Executor } from '../db.js';
import { deliveries, departments, gridNodes, matterEvents, matters, messages, people, processedEvents, refCounters } from '../schema.js';

export type MatterRow = typeof matters.$inferSelect;
export type NewMatter = typeof matters.$inferInsert;
export type MatterEventRow = typeof matterEvents.$inferSelect;
export type NewMatterEvent = typeof matterEvents.$inferInsert;
export type NewMessage = typeof messages.$inferInsert;

/** Records an inbound event id as handled; false when it was already recorded. */
export async function recordEvent(db: Executor, eventId: string, matterId: string | null = null): Promise<boolean> {
  const rows = await db.insert(processedEvents).values({ id: eventId, matterId }).onConflictDoNothing().returning({ id: processedEvents.id });
  return rows.length === 1;
}

/**
 * The next number for a matter reference: the counter row raised by one. Call it first in the
 * transaction that stores the matter: the row stays locked until that commits, so concurrent
 * reports take numbers in turn, and a rollback gives the number back (no gaps, no doubles).
 * The first call seeds the row from the highest reference stored.
 */
export async function nextRefSeq(tx: Executor): Promise<number> {
  const raise = () =>
    tx
      .update(refCounters)
      .set({ last: sql`${refCounters.last} + 1` })
      .where(eq(refCounters.scope, 'matters'))
      .returning({ last: refCounters.last });
  let [row] = await raise();
  if (!row) {
    // References are 7+ digits and a check digit, grouped by "-": the number is all but the last digit.
    await tx
      .insert(refCounters)
      .values({ scope: 'matters', last: sql`(select coalesce(max(left(replace(${matters.ref}, '-', ''), -1)::bigint), 0) from ${matters})` })
      .onConflictDoNothing();
    [row] = await raise();
  }
  return Number(row!.last);
}

/** Inserts a matter; undefined when one from the same source event exists already. */
export async function insertMatter(db: Executor, values: NewMatter): Promise<MatterRow | undefined> {
  const [row] = await db.insert(matters).values(values).onConflictDoNothing({ target: matters.sourceEventId }).returning();
  return row;
}

export async function appendEvents(db: Executor, events: NewMatterEvent[]): Promise<void> {
  if (events.length) await db.insert(matterEvents).values(events);
}

/** appendEvents' statement, not run (for store/together.ts's writeTogether); null for none. */
export function eventsWrite(db: Executor, events: NewMatterEvent[]): SQL | null {
  return events.length ? db.insert(matterEvents).values(events).getSQL() : null;
}

export async function insertMessage(db: Executor, msg: NewMessage): Promise<void> {
  await db.insert(messages).values(msg);
}

/** insertMessage's statement, not run (for writeTogether). */
export function messageWrite(db: Executor, msg: NewMessage): SQL {
  return db.insert(messages).values(msg).getSQL();
}

/** recordEvent's statement, not run (for writeTogether: whether it was recorded before is not told). */
export function eventRecordWrite(db: Executor, eventId: string, matterId: string | null = null): SQL {
  return db.insert(processedEvents).values({ id: eventId, matterId }).onConflictDoNothing().getSQL();
}

export async function findMatter(db: Executor, id: string): Promise<MatterRow | undefined> {
  const [row] = await db.select().from(matters).where(eq(matters.id, id));
  return row;
}

/** Locks the matter's row until the transaction ends: one worker moves a matter at a time. */
export async function lockMatter(db: Executor, id: string): Promise<MatterRow | undefined> {
  const [row] = await db.select().from(matters).where(eq(matters.id, id)).for('update');
  return row;
}

/** Locks these matters' rows in id order (two callers locking many never wait on each other in a ring). */
export async function findMatterByRef(db: Executor, ref: string): Promise<MatterRow | undefined> {
  const [row] = await db.select().from(matters).where(eq(matters.ref, ref));
  return row;
}

export async function findMatterBySourceEvent(db: Executor, eventId: string): Promise<MatterRow | undefined> {
  const [row] = await db.select().from(matters).where(eq(matters.sourceEventId, eventId));
  return row;
}

export async function updateMatter(db: Executor, id: string, patch: Partial<NewMatter>): Promise<void> {
  await db.update(matters).set({ ...patch, updatedAt: new Date() }).where(eq(matters.id, id));
}

/** updateMatter's statement, not run (for writeTogether). */
export function matterWrite(db: Executor, id: string, patch: Partial<NewMatter>): SQL {
  return db.update(matters).set({ ...patch, updatedAt: new Date() }).where(eq(matters.id, id)).getSQL();
}

/** The matter's events, oldest first, with the names of the actor, the assignee and the department a department's event is about. */
export async function matterEventsOf(db: Executor, matterId: string): Promise<Array<MatterEventRow & { actorName: string | null; assigneeName: string | null; departmentName: string | null }>> {
  const actor = alias(people, 'actor');
  const assignee = alias(people, 'assignee');
  const rows = await db
    .select({ e: matterEvents, actorName: actor.name, assigneeName: assignee.name, departmentName: departments.name })
    .from(matterEvents)
    .leftJoin(actor, eq(actor.id, matterEvents.actorId))
    .leftJoin(assignee, eq(assignee.id, matterEvents.assigneeId))
    .leftJoin(departments, sql`${departments.id}::text = ${matterEvents.data}->>'departmentId'`)
    .where(eq(matterEvents.matterId, matterId))
    .orderBy(asc(matterEvents.id));
  return rows.map((r) => ({ ...r.e, actorName: r.actorName, assigneeName: r.assigneeName, departmentName: r.departmentName }));
}

export async function messagesOf(db: Executor, matterId: string) {
  return db.select().from(messages).where(eq(messages.matterId, matterId)).orderBy(asc(messages.createdAt));
}

export async function deliveriesOf(db: Executor, matterId: string) {
  return db
    .select({
      id: deliveries.id,
      personId: deliveries.personId,
      // A group alert has no person: its chat stands in for the name.
      personName: sql<string>`coalesce(${people.name}, ${deliveries.chatPlatform}::text || ' ' || ${deliveries.chatId})`,
      template: deliveries.template,
      status: deliveries.status,
      channel: deliveries.channel,
      sentAt: deliveries.sentAt,
    })
    .from(deliveries)
    .leftJoin(people, eq(people.id, deliveries.personId))
    .where(eq(deliveries.matterId, matterId))
    .orderBy(asc(deliveries.createdAt));
}

export interface MatterListFilter {
  /** Only matters in this node's subtree (by path prefix). */
  gridPath?: string;
  state?: MatterRow['state'];
  assigneeId?: string;
  reporterId?: string;
  limit?: number;
}

export interface MatterListItem {
  id: string;
  ref: string;
  category: MatterRow['category'];
  size: MatterRow['size'];
  step: MatterRow['step'];
  state: MatterRow['state'];
  level: MatterRow['level'];
  supervised: boolean;
  summary: string;
  grid: string;
  gridName: string;
  reporter: string | null;
  assignee: string | null;
  assigneeCode: string | null;
  dueAt: Date | null;
  createdAt: Date;
  notified: number;
  pendingDeliveries: number;
}

export async function listMatters(db: Executor, filter: MatterListFilter = {}): Promise<MatterListItem[]> {
  const reporter = alias(people, 'reporter');
  const assignee = alias(people, 'assignee');
  const where: SQL[] = [];
  if (filter.gridPath) where.push(or(eq(gridNodes.path, filter.gridPath), like(gridNodes.path, `${filter.gridPath}/%`))!);
  if (filter.state) where.push(eq(matters.state, filter.state));
  if (filter.assigneeId) where.push(eq(matters.assigneeId, filter.assigneeId));
  if (filter.reporterId) where.push(eq(matters.reporterId, filter.reporterId));
  const rows = await db
    .select({
      id: matters.id,
      ref: matters.ref,
      category: matters.category,
      size: matters.size,
      step: matters.step,
      state: matters.state,
      level: matters.level,
      supervised: matters.supervised,
      summary: matters.summary,
      grid: gridNodes.code,
      gridName: gridNodes.name,
      reporter: reporter.name,
      assignee: assignee.name,
      assigneeCode: assignee.code,
      dueAt: matters.dueAt,
      createdAt: matters.createdAt,
      notified: sql<number>`(select count(*)::int from ${deliveries} d where d.matter_id = ${matters.id} and d.status = 'sent')`,
      pendingDeliveries: sql<number>`(select count(*)::int from ${deliveries} d where d.matter_id = ${matters.id} and d.status = 'pending')`,
    })
    .from(matters)
    .innerJoin(gridNodes, eq(gridNodes.id, matters.gridNodeId))
    .leftJoin(reporter, eq(reporter.id, matters.reporterId))
    .leftJoin(assignee, eq(assignee.id, matters.assigneeId))
    .where(where.length ? and(...where) : undefined)
    .orderBy(desc(matters.createdAt), desc(matters.ref))
    .limit(filter.limit ?? 200);
  return rows.map((r) => ({ ...r, notified: Number(r.notified), pendingDeliveries: Number(r.pendingDeliveries) }));
}

/** When the matter last saw this action, if ever. */
export async function lastEventAt(db: Executor, matterId: string, action: EventKind): Promise<Date | null> {
  const [row] = await db
    .select({ at: matterEvents.at })
    .from(matterEvents)
    .where(and(eq(matterEvents.matterId, matterId), eq(matterEvents.action, action)))
    .orderBy(desc(matterEvents.id))
    .limit(1);
  return row?.at ?? null;
}

/** Open matters still waiting for routing since before `before`: their job may have been lost. */
export async function unroutedSince(db: Executor, before: Date, limit = 500, afterId: string | null = null): Promise<string[]> {
  const rows = await db
    .select({ id: matters.id })
    .from(matters)
    .where(and(eq(matters.state, 'open'), eq(matters.step, 'accept'), lt(matters.createdAt, before), afterId ? gt(matters.id, afterId) : undefined))
    .orderBy(asc(matters.id))
    .limit(limit);
  return rows.map((r) => r.id);
}
