// Queries on deadline clocks, pauses and dispute cut-offs. No business rules here.
import { and, asc, eq, gt, inArray, isNull, lte, notExists, or, sql, type SQL } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { Executor } from '../db.js';
import type { OutboxJob } from '../../ports/jobs.js';
import type { MatterRow, NewMatterEvent } from './matter-repository.js';
import { deadlineClocks, disputeCutoffs, gridNodes, matterEvents, matterPauses, matters, outbox } from '../schema.js';

export type ClockRow = typeof deadlineClocks.$inferSelect;
export type NewClockRow = typeof deadlineClocks.$inferInsert;
export type DisputeCutoffRow = typeof disputeCutoffs.$inferSelect;

export async function clocksOf(db: Executor, matterId: string): Promise<ClockRow[]> {
  return db.select().from(deadlineClocks).where(eq(deadlineClocks.matterId, matterId));
}

/** Inserts or replaces each (matter, kind) clock. */
export async function saveClocks(db: Executor, rows: NewClockRow[]): Promise<void> {
  if (!rows.length) return;
  const now = new Date();
  await db
    .insert(deadlineClocks)
    .values(rows.map((r) => ({ ...r, updatedAt: now })))
    .onConflictDoUpdate({
      target: [deadlineClocks.matterId, deadlineClocks.kind],
      set: {
        status: sql`excluded.status`,
        version: sql`excluded.version`,
        startedAt: sql`excluded.started_at`,
        dueAt: sql`excluded.due_at`,
        warnAt: sql`excluded.warn_at`,
        pausedMs: sql`excluded.paused_ms`,
        pausedAt: sql`excluded.paused_at`,
        step: sql`excluded.step`,
        level: sql`excluded.level`,
        assigneeId: sql`excluded.assignee_id`,
        warnedAt: sql`excluded.warned_at`,
        firedAt: sql`excluded.fired_at`,
        updatedAt: sql`excluded.updated_at`,
      },
    });
}

export async function markClock(db: Executor, matterId: string, kind: string, patch: Partial<Pick<NewClockRow, 'status' | 'firedAt' | 'warnedAt'>>): Promise<void> {
  await db
    .update(deadlineClocks)
    .set({ ...patch, updatedAt: new Date() })
    .where(and(eq(deadlineClocks.matterId, matterId), eq(deadlineClocks.kind, kind)));
}

export async function pausedSince(db: Executor, matterId: string): Promise<Date | null> {
  const [row] = await db.select({ at: matterPauses.pausedAt }).from(matterPauses).where(eq(matterPauses.matterId, matterId));
  return row?.at ?? null;
}

export async function startPause(db: Executor, matterId: string, at: Date, byId: string | null): Promise<void> {
  await db.insert(matterPauses).values({ matterId, pausedAt: at, pausedById: byId }).onConflictDoNothing();
}

export async function endPause(db: Executor, matterId: string): Promise<void> {
  await db.delete(matterPauses).where(eq(matterPauses.matterId, matterId));
}

export async function disputeCutoffOf(db: Executor, gridNodeId: string): Promise<DisputeCutoffRow | undefined> {
  const [row] = await db.select().from(disputeCutoffs).where(eq(disputeCutoffs.gridNodeId, gridNodeId));
  return row;
}

export async function listDisputeCutoffs(db: Executor): Promise<DisputeCutoffRow[]> {
  return db.select().from(disputeCutoffs);
}

export async function upsertDisputeCutoffs(db: Executor, rows: DisputeCutoffRow[]): Promise<void> {
  if (!rows.length) return;
  await db
    .insert(disputeCutoffs)
    .values(rows)
    .onConflictDoUpdate({ target: disputeCutoffs.gridNodeId, set: { evening: sql`excluded.evening`, morning: sql`excluded.morning` } });
}

export async function deleteDisputeCutoffs(db: Executor, gridNodeIds: string[]): Promise<void> {
  if (gridNodeIds.length) await db.delete(disputeCutoffs).where(inArray(disputeCutoffs.gridNodeId, gridNodeIds));
}

/** Open matters past receipt that have no clock at all (reported before timers, or never synced). */
export async function openMattersWithoutClocks(db: Executor, limit: number): Promise<string[]> {
  const rows = await db
    .select({ id: matters.id })
    .from(matters)
    .where(
      and(
        eq(matters.state, 'open'),
        sql`${matters.step} <> 'discover'`,
        notExists(db.select({ one: sql`1` }).from(deadlineClocks).where(eq(deadlineClocks.matterId, matters.id))),
      ),
    )
    .orderBy(asc(matters.id))
    .limit(limit);
  return rows.map((r) => r.id);
}

export type ClockedMatterRow = Pick<
  typeof matters.$inferSelect,
  'id' | 'state' | 'step' | 'level' | 'category' | 'size' | 'assigneeId' | 'createdAt' | 'dispatchedAt' | 'handledAt' | 'trackedAt' | 'supervisedAt' | 'gridNodeId'
> & { timezone: string; evening: string | null; morning: string | null; pausedAt: Date | null };

/**
 * One page of matters that have a live (running or paused) clock, ordered by id, with what their
 * clocks are computed from: the grid's zone and cut-off, and the pause.
 */
export async function mattersWithLiveClocks(db: Executor, afterId: string | null, limit: number): Promise<ClockedMatterRow[]> {
  const live = db
    .selectDistinct({ matterId: deadlineClocks.matterId })
    .from(deadlineClocks)
    .where(and(inArray(deadlineClocks.status, ['running', 'paused']), afterId ? gt(deadlineClocks.matterId, afterId) : undefined))
    .orderBy(asc(deadlineClocks.matterId))
    .limit(limit)
    .as('live');
  return db
    .select({
      id: matters.id,
      state: matters.state,
      step: matters.step,
      level: matters.level,
      category: matters.category,
      size: matters.size,
      assigneeId: matters.assigneeId,
      createdAt: matters.createdAt,
      dispatchedAt: matters.dispatchedAt,
      handledAt: matters.handledAt,
      trackedAt: matters.trackedAt,
      supervisedAt: matters.supervisedAt,
      gridNodeId: matters.gridNodeId,
      timezone: gridNodes.timezone,
      evening: disputeCutoffs.evening,
      morning: disputeCutoffs.morning,
      pausedAt: matterPauses.pausedAt,
    })
    .from(live)
    .innerJoin(matters, eq(matters.id, live.matterId))
    .innerJoin(gridNodes, eq(gridNodes.id, matters.gridNodeId))
    .leftJoin(disputeCutoffs, eq(disputeCutoffs.gridNodeId, matters.gridNodeId))
    .leftJoin(matterPauses, eq(matterPauses.matterId, matters.id))
    .orderBy(asc(matters.id));
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A list of ids as one `uuid[]` parameter: a page of thousands costs one bound value and the
 * statement's text stays the same for every page (one plan, prepared once), where `inArray` would
 * bind a parameter per id.
 */
function uuidArray(ids: readonly string[]): SQL {
  for (const id of ids) if (!UUID.test(id)) throw new Error('not a uuid');
  return sql`${`{${ids.join(',')}}`}::uuid[]`;
}

export async function clocksOfMatters(db: Executor, matterIds: string[]): Promise<ClockRow[]> {
  if (!matterIds.length) return [];
  return db.select().from(deadlineClocks).where(sql`${deadlineClocks.matterId} = any(${uuidArray(matterIds)})`);
}

/**
 * One page (ordered by id, after `afterId`) of the matters with a running clock whose limit or
 * whose warning not yet given is due by `upTo`: what the tick of a due second settles.
 */
export async function mattersWithDueClocks(db: Executor, upTo: Date, afterId: string | null, limit: number): Promise<string[]> {
  const c = deadlineClocks;
  const rows = await db
    .selectDistinct({ id: c.matterId })
    .from(c)
    .where(
      and(
        eq(c.status, 'running'),
        or(lte(c.dueAt, upTo), and(isNull(c.warnedAt), lte(c.warnAt, upTo))),
        afterId ? gt(c.matterId, afterId) : undefined,
      ),
    )
    .orderBy(asc(c.matterId))
    .limit(limit);
  return rows.map((r) => r.id);
}

/** What a matter's clocks are computed from: the grid's zone and cut-off, and the pause. */
export interface ClockRules {
  timezone: string;
  evening: string | null;
  morning: string | null;
  pausedAt: Date | null;
}

/**
 * Locks these matters (in id order, so pages and single actions never wait on each other in a
 * cycle) and reads them with what their clocks are computed from, in one statement.
 */
export async function lockMattersWithClockRules(db: Executor, ids: string[]): Promise<Array<{ matter: MatterRow } & ClockRules>> {
  if (!ids.length) return [];
  // Aliased: FOR UPDATE OF names the relation unqualified.
  const m = alias(matters, 'm');
  return db
    .select({ matter: m, timezone: gridNodes.timezone, evening: disputeCutoffs.evening, morning: disputeCutoffs.morning, pausedAt: matterPauses.pausedAt })
    .from(m)
    .innerJoin(gridNodes, eq(gridNodes.id, m.gridNodeId))
    .leftJoin(disputeCutoffs, eq(disputeCutoffs.gridNodeId, m.gridNodeId))
    .leftJoin(matterPauses, eq(matterPauses.matterId, m.id))
    .where(sql`${m.id} = any(${uuidArray(ids)})`)
    .orderBy(asc(m.id))
    .for('update', { of: m });
}

/** What a tick sets on a clock it settled. */
export interface ClockMark {
  matterId: string;
  kind: string;
  status: string;
  firedAt: Date | null;
  warnedAt: Date | null;
}

/**
 * A tick's page in one statement: the clocks marked, the misses recorded and the outbox rows
 * (climbs, warnings' sends, timers handed on), each list passed as one JSON value rather than a
 * parameter per value, so a page of hundreds costs one round trip and one plan.
 */
export async function writeTickPage(db: Executor, p: { now: Date; marks: ClockMark[]; events: NewMatterEvent[]; jobs: readonly OutboxJob[] }): Promise<void> {
  if (!p.marks.length && !p.events.length && !p.jobs.length) return;
  const c = deadlineClocks;
  const e = matterEvents;
  const marks = JSON.stringify(p.marks);
  const events = JSON.stringify(p.events.map((x) => ({ ...x, at: x.at ?? p.now })));
  const jobs = JSON.stringify(p.jobs.map((j) => ({ queue: j.queue, job: j.job, payload: j.payload, runAt: j.runAt ?? null })));
  await db.execute(sql`
    with marks as (
      select * from jsonb_to_recordset(${marks}::jsonb) as m("matterId" uuid, kind text, status text, "firedAt" timestamptz, "warnedAt" timestamptz)
    ), clocks as (
      update ${c} set ${sql.identifier(c.status.name)} = marks.status, ${sql.identifier(c.firedAt.name)} = marks."firedAt", ${sql.identifier(c.warnedAt.name)} = marks."warnedAt", ${sql.identifier(c.updatedAt.name)} = ${p.now.toISOString()}::timestamptz
      from marks where ${c.matterId} = marks."matterId" and ${c.kind} = marks.kind
      returning 1
    ), events as (
      insert into ${e} (matter_id, at, actor_id, action, step_from, step_to, level_from, level_to, assignee_id, data)
      select "matterId", at, "actorId", action, "stepFrom", "stepTo", "levelFrom", "levelTo", "assigneeId", data
      from jsonb_to_recordset(${events}::jsonb) as x("matterId" uuid, at timestamptz, "actorId" uuid, action text, "stepFrom" gridline.step, "stepTo" gridline.step, "levelFrom" gridline.matter_level, "levelTo" gridline.matter_level, "assigneeId" uuid, data jsonb)
      returning 1
    ), jobs as (
      insert into ${outbox} (queue, job, payload, run_at)
      select queue, job, payload, "runAt" from jsonb_to_recordset(${jobs}::jsonb) as j(queue text, job text, payload jsonb, "runAt" timestamptz)
      returning 1
    )
    select (select count(*) from clocks) as clocks, (select count(*) from events) as events, (select count(*) from jobs) as jobs`);
}
