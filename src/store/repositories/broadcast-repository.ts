// Broadcasts (主动服务): the row, its ledger, its audience and its counts. Queries only; the rules
// live in domain/broadcast.ts and services/broadcast-service.ts.
import { and, asc, desc, eq, inArray, isNull, ne, sql } from 'drizzle-orm';
import type { Role } from '../../domain/types.js';
import type { Executor } from '../db.js';
import { queryRows } from '../raw.js';
import { broadcastEvents, broadcastResponses, broadcasts, deliveries, gridNodes, identities, matterEvents, people, roles } from '../schema.js';
import { letGoClaim, recipientKey, type DeliveryRow } from './delivery-repository.js';

export type BroadcastRow = typeof broadcasts.$inferSelect;
export type NewBroadcast = Pick<typeof broadcasts.$inferInsert, 'authorId' | 'gridNodeId' | 'roles' | 'locale' | 'texts' | 'defaultLocale' | 'buttons' | 'status' | 'audienceSize' | 'scheduledAt' | 'attachments' | 'holiday' | 'sendTime' | 'yearlyOfId' | 'year'>;

/** Who a broadcast goes to: everyone placed at or under `path`, narrowed by role and language. */
export interface Audience {
  path: string;
  roles: readonly Role[] | null;
  locale: string | null;
  /** The author does not get their own notice. */
  excludePersonId: string | null;
}

export async function insertBroadcast(db: Executor, row: NewBroadcast): Promise<BroadcastRow> {
  const [out] = await db.insert(broadcasts).values(row).returning();
  return out!;
}

/** A yearly order's copy for one year; undefined when that year's was written already. */
export async function insertYearlyCopy(db: Executor, row: NewBroadcast & { approvedById?: string | null }): Promise<BroadcastRow | undefined> {
  const [out] = await db.insert(broadcasts).values(row).onConflictDoNothing({ target: [broadcasts.yearlyOfId, broadcasts.year] }).returning();
  return out;
}

/** The standing yearly orders, with their node's zone. */
export async function standingYearly(db: Executor): Promise<Array<{ id: string; holiday: string | null; sendTime: string | null; zone: string }>> {
  return db
    .select({ id: broadcasts.id, holiday: broadcasts.holiday, sendTime: broadcasts.sendTime, zone: gridNodes.timezone })
    .from(broadcasts)
    .innerJoin(gridNodes, eq(gridNodes.id, broadcasts.gridNodeId))
    .where(and(eq(broadcasts.status, 'yearly'), isNull(broadcasts.yearlyOfId)))
    .orderBy(asc(broadcasts.createdAt));
}

/** An author's notices still to come: standing yearly orders and one-off ones scheduled (or awaiting approval). */
export async function scheduledBroadcastsBy(db: Executor, authorId: string) {
  return db
    .select({ id: broadcasts.id, holiday: broadcasts.holiday, scheduledAt: broadcasts.scheduledAt, texts: broadcasts.texts, defaultLocale: broadcasts.defaultLocale, nodeName: gridNodes.name, zone: gridNodes.timezone })
    .from(broadcasts)
    .innerJoin(gridNodes, eq(gridNodes.id, broadcasts.gridNodeId))
    .where(
      and(
        eq(broadcasts.authorId, authorId),
        isNull(broadcasts.yearlyOfId),
        sql`(${broadcasts.status} = 'yearly' or (${broadcasts.status} in ('scheduled', 'awaiting_approval') and (${broadcasts.holiday} is not null or ${broadcasts.scheduledAt} is not null)))`,
      ),
    )
    .orderBy(asc(broadcasts.createdAt))
    .limit(20);
}

export async function findBroadcast(db: Executor, id: string): Promise<BroadcastRow | undefined> {
  const [row] = await db.select().from(broadcasts).where(eq(broadcasts.id, id));
  return row;
}

/** Moves a broadcast from one of `from` to its next state; false when another hand moved it first. */
export async function moveBroadcast(db: Executor, id: string, from: readonly string[], patch: Partial<typeof broadcasts.$inferInsert>): Promise<BroadcastRow | undefined> {
  const [row] = await db
    .update(broadcasts)
    .set(patch)
    .where(and(eq(broadcasts.id, id), inArray(broadcasts.status, [...from])))
    .returning();
  return row;
}

export async function recordBroadcastEvent(db: Executor, e: { broadcastId: string; actorId: string | null; action: string; at: Date; data?: Record<string, unknown> }): Promise<void> {
  await db.insert(broadcastEvents).values({ broadcastId: e.broadcastId, actorId: e.actorId, action: e.action, at: e.at, data: e.data ?? null });
}

export async function broadcastLedger(db: Executor, id: string) {
  return db.select().from(broadcastEvents).where(eq(broadcastEvents.broadcastId, id)).orderBy(asc(broadcastEvents.id));
}

export async function listBroadcasts(db: Executor, limit = 50): Promise<BroadcastRow[]> {
  return db.select().from(broadcasts).orderBy(desc(broadcasts.createdAt)).limit(limit);
}

/**
 * The audience in one set-based query: people holding a role (of `roles`, or any) at a node of
 * the subtree, reading `locale` (or any), who have not said /stop and whom some platform still
 * reaches. Each person once, with the zone their quiet hours are read in.
 */
function audienceQuery(db: Executor, a: Audience) {
  const reachable = sql`exists (select 1 from ${identities} where ${identities.personId} = ${people.id} and ${identities.unreachableAt} is null)`;
  return db
    .selectDistinctOn([people.id], { personId: people.id, zone: sql<string | null>`coalesce(${people.timezone}, ${gridNodes.timezone})`, quietFrom: gridNodes.quietFrom, quietTo: gridNodes.quietTo })
    .from(roles)
    .innerJoin(gridNodes, eq(gridNodes.id, roles.gridNodeId))
    .innerJoin(people, eq(people.id, roles.personId))
    .where(
      and(
        sql`(${gridNodes.path} = ${a.path} or starts_with(${gridNodes.path}, ${`${a.path}/`}))`,
        a.roles?.length ? inArray(roles.role, [...a.roles]) : undefined,
        a.locale ? eq(people.locale, a.locale) : undefined,
        a.excludePersonId ? ne(people.id, a.excludePersonId) : undefined,
        isNull(people.broadcastsStoppedAt),
        reachable,
      ),
    )
    .orderBy(people.id);
}

export async function audienceSize(db: Executor, a: Audience): Promise<number> {
  const q = audienceQuery(db, a).as('audience');
  const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(q);
  return row?.n ?? 0;
}

/** The audience, each with their zone and the quiet hours of their grid (the roster's, 22:00–07:00 unless it says otherwise). */
export async function audienceOf(db: Executor, a: Audience): Promise<Array<{ personId: string; zone: string | null; quiet: { from: string; to: string } }>> {
  const rows = await audienceQuery(db, a);
  return rows.map((r) => ({ personId: r.personId, zone: r.zone, quiet: { from: r.quietFrom, to: r.quietTo } }));
}

/**
 * One delivery per recipient, tagged with the broadcast; a person who has one already gets no
 * second (a release run twice, two processes releasing at once). Returns the queues written to.
 */
export async function writeBroadcastDeliveries(
  db: Executor,
  broadcastId: string,
  rows: ReadonlyArray<{ personId: string; dueAt: Date | null }>,
  params: Record<string, unknown>,
): Promise<string[]> {
  const queues: string[] = [];
  for (let i = 0; i < rows.length; i += 1000) {
    const out = await db
      .insert(deliveries)
      .values(rows.slice(i, i + 1000).map((r) => ({ recipient: recipientKey({ personId: r.personId }), personId: r.personId, template: 'broadcast', params, broadcastId, dueAt: r.dueAt })))
      .onConflictDoNothing({ target: [deliveries.broadcastId, deliveries.personId] })
      .returning({ recipient: deliveries.recipient });
    queues.push(...out.map((r) => r.recipient));
  }
  return queues;
}

/** How a broadcast's copies stand: by status, pending ones split into due and waiting (quiet hours). */
export async function broadcastCounts(db: Executor, id: string, now: Date): Promise<Record<string, number>> {
  const rows = await db
    .select({
      status: sql<string>`case when ${deliveries.status} = 'pending' and ${deliveries.dueAt} > ${now.toISOString()}::timestamptz then 'waiting' else ${deliveries.status} end`.as('state'),
      n: sql<number>`count(*)::int`,
    })
    .from(deliveries)
    .where(eq(deliveries.broadcastId, id))
    .groupBy(sql`1`);
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}

/**
 * Takes the turn to look at a broadcast's progress: false when another progress job looked less
 * than `minGapMs` ago (two chains of them after a restart: the later one stops).
 */
export async function takeProgressTurn(db: Executor, id: string, now: Date, minGapMs: number): Promise<boolean> {
  const rows = await db
    .update(broadcasts)
    .set({ progressAt: now })
    .where(and(eq(broadcasts.id, id), sql`(${broadcasts.progressAt} is null or ${broadcasts.progressAt} <= ${new Date(now.getTime() - minGapMs).toISOString()}::timestamptz)`))
    .returning({ id: broadcasts.id });
  return rows.length > 0;
}

/** Broadcasts whose jobs only a queue holds: those sending (their progress) and those scheduled and approved (their release). */
export async function broadcastsInFlight(db: Executor): Promise<Array<{ id: string; status: string; scheduledAt: Date | null }>> {
  return db
    .select({ id: broadcasts.id, status: broadcasts.status, scheduledAt: broadcasts.scheduledAt })
    .from(broadcasts)
    .where(inArray(broadcasts.status, ['sending', 'scheduled']));
}

/** The earliest time a copy still waiting is due (quiet hours), or null. */
export async function nextBroadcastDue(db: Executor, id: string): Promise<Date | null> {
  const [row] = await db
    .select({ at: sql<Date | null>`min(${deliveries.dueAt})` })
    .from(deliveries)
    .where(and(eq(deliveries.broadcastId, id), eq(deliveries.status, 'pending')));
  return row?.at ? new Date(row.at) : null;
}

export async function setBroadcastsStopped(db: Executor, personId: string, at: Date | null): Promise<boolean> {
  const rows = await db
    .update(people)
    .set({ broadcastsStoppedAt: at })
    .where(and(eq(people.id, personId), at ? isNull(people.broadcastsStoppedAt) : sql`${people.broadcastsStoppedAt} is not null`))
    .returning({ id: people.id });
  return rows.length > 0;
}

export async function broadcastsStopped(db: Executor, personId: string): Promise<boolean> {
  const [row] = await db.select({ at: people.broadcastsStoppedAt }).from(people).where(eq(people.id, personId));
  return Boolean(row?.at);
}

/** A recipient's answer to a button; the last one pressed counts. */
export async function recordResponse(db: Executor, broadcastId: string, personId: string, answer: string, at: Date): Promise<void> {
  await db
    .insert(broadcastResponses)
    .values({ broadcastId, personId, answer, at })
    .onConflictDoUpdate({ target: [broadcastResponses.broadcastId, broadcastResponses.personId], set: { answer, at } });
}

export async function responseCounts(db: Executor, broadcastId: string): Promise<Record<string, number>> {
  const rows = await db
    .select({ answer: broadcastResponses.answer, n: sql<number>`count(*)::int` })
    .from(broadcastResponses)
    .where(eq(broadcastResponses.broadcastId, broadcastId))
    .groupBy(broadcastResponses.answer);
  return Object.fromEntries(rows.map((r) => [r.answer, r.n]));
}

/** Whether the person was sent this broadcast (only they may answer it). */
export async function wasSentTo(db: Executor, broadcastId: string, personId: string): Promise<boolean> {
  const [row] = await db
    .select({ id: deliveries.id })
    .from(deliveries)
    .where(and(eq(deliveries.broadcastId, broadcastId), eq(deliveries.personId, personId)))
    .limit(1);
  return Boolean(row);
}

/** The cadres who may approve a broadcast to a node: cadre roles at the node or above it, not the author. */
export async function approversOf(db: Executor, ancestorIds: readonly string[], authorId: string | null): Promise<string[]> {
  if (!ancestorIds.length) return [];
  const rows = await db
    .selectDistinct({ personId: roles.personId })
    .from(roles)
    .where(and(inArray(roles.gridNodeId, [...ancestorIds]), inArray(roles.role, ['cadre', 'grid_leader']), authorId ? ne(roles.personId, authorId) : undefined));
  return rows.map((r) => r.personId);
}

/** Whether a person said /stop, and the zone their quiet hours are read in (theirs, else their grid's). */
/** Whether the person said /stop, their zone, and the quiet hours of their grid (null: the default's). */
export async function recipientState(db: Executor, personId: string): Promise<{ stopped: boolean; zone: string | null; quiet: { from: string; to: string } | null }> {
  const [row] = await queryRows<{ stopped: unknown; zone: string | null; quiet_from: string | null; quiet_to: string | null }>(
    db,
    sql`select p.broadcasts_stopped_at as stopped, coalesce(p.timezone, n.timezone) as zone, n.quiet_from, n.quiet_to
        from gridline.people p
        left join lateral (select g.timezone, g.quiet_from, g.quiet_to from gridline.roles r join gridline.grid_nodes g on g.id = r.grid_node_id where r.person_id = p.id order by g.path limit 1) n on true
        where p.id = ${personId}`,
  );
  return { stopped: Boolean(row?.stopped), zone: row?.zone ?? null, quiet: row?.quiet_from && row.quiet_to ? { from: row.quiet_from, to: row.quiet_to } : null };
}

/** A claimed copy not sent: the person said /stop since (status 'stopped'). Only while still this claimer's. */
export function dropClaimedCopy(db: Executor, id: string, claimer: string): Promise<boolean> {
  return letGoClaim(db, id, claimer, 'stopped');
}

/** A claimed copy put back until `dueAt` (the person's quiet hours began): the rest of their queue goes on. */
export async function holdClaimedCopy(db: Executor, id: string, claimer: string, dueAt: Date): Promise<boolean> {
  const rows = await db
    .update(deliveries)
    .set({ status: 'pending', claimedBy: null, claimedAt: null, dueAt })
    .where(and(eq(deliveries.id, id), eq(deliveries.status, 'sending'), eq(deliveries.claimedBy, claimer)))
    .returning({ id: deliveries.id });
  return rows.length > 0;
}

/** The nodes directly under these, in code order (a cadre's villages, a village's unit grids). */
export async function childNodes(db: Executor, parentIds: readonly string[]) {
  if (!parentIds.length) return [];
  return db.select().from(gridNodes).where(inArray(gridNodes.parentId, [...parentIds])).orderBy(asc(gridNodes.path));
}

/** The ratings a matter was given (评价), oldest first. */
export async function ratingsOf(db: Executor, matterId: string): Promise<string[]> {
  const rows = await db
    .select({ data: matterEvents.data })
    .from(matterEvents)
    .where(and(eq(matterEvents.matterId, matterId), eq(matterEvents.action, 'evaluate')))
    .orderBy(asc(matterEvents.id));
  return rows.map((r) => (typeof r.data?.rating === 'string' ? r.data.rating : '')).filter(Boolean);
}

/** Whether this settlement's follow-up reminder was written already (a job run twice). */
export async function followUpWritten(db: Executor, matterId: string, settledAt: string): Promise<boolean> {
  const [row] = await db
    .select({ id: deliveries.id })
    .from(deliveries)
    .where(and(eq(deliveries.matterId, matterId), eq(deliveries.template, 'follow_up'), sql`${deliveries.params}->>'settledAt' = ${settledAt}`))
    .limit(1);
  return Boolean(row);
}

/** 回访: the newest question put to `personId` about the matter (its settlement in params.settledAt). */
export async function followUpAsked(db: Executor, matterId: string, personId: string): Promise<DeliveryRow | undefined> {
  const [row] = await db
    .select()
    .from(deliveries)
    .where(and(eq(deliveries.matterId, matterId), eq(deliveries.personId, personId), eq(deliveries.template, 'follow_up_ask')))
    .orderBy(desc(deliveries.seq))
    .limit(1);
  return row;
}

/** 回访: whether the villager answered the question about this settlement already. */
export async function followUpAnswered(db: Executor, matterId: string, settledAt: string): Promise<boolean> {
  const [row] = await db
    .select({ id: matterEvents.id })
    .from(matterEvents)
    .where(and(eq(matterEvents.matterId, matterId), eq(matterEvents.action, 'follow_up_answer'), sql`${matterEvents.data}->>'settledAt' = ${settledAt}`))
    .limit(1);
  return Boolean(row);
}
