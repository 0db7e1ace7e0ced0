// Queries behind cadre alerts: alerts held for the digest, the daily runs done, and the small counts the sweep and the digest show. No rules here.
import { and, asc, eq, inArray, or, sql } from 'drizzle-orm';
import type { GridLevel } from '../../domain/types.js';
import type { Executor } from '../db.js';
import { queryRows } from '../raw.js';
import { alertRuns, deliveries, gridNodes, matterEvents, matters, people } from '../schema.js';
import type { DeliveryRow } from './delivery-repository.js';

export type GridNodeRow = typeof gridNodes.$inferSelect;

/** Records a daily run for a node; false when that run was already done. */
export async function claimAlertRun(db: Executor, kind: string, nodeId: string, day: string, at: Date): Promise<boolean> {
  const rows = await db.insert(alertRuns).values({ kind, gridNodeId: nodeId, day, at }).onConflictDoNothing().returning({ day: alertRuns.day });
  return rows.length === 1;
}

/** Takes the node's held alerts for its digest: they are marked 'digested' and returned, oldest first. */
export async function takeHeldAlerts(db: Executor, nodeId: string): Promise<DeliveryRow[]> {
  const rows = await db
    .update(deliveries)
    .set({ status: 'digested' })
    .where(and(eq(deliveries.gridNodeId, nodeId), eq(deliveries.status, 'held')))
    .returning();
  return rows.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
}

/** Nodes of the given levels whose zone is `zone`, top of the tree first. */
export function nodesInZone(db: Executor, zone: string, levels: readonly GridLevel[]): Promise<GridNodeRow[]> {
  return db
    .select()
    .from(gridNodes)
    .where(and(eq(gridNodes.timezone, zone), inArray(gridNodes.level, [...levels])))
    .orderBy(asc(gridNodes.path));
}

/** Every zone a node of the tree is in. */
export async function zonesInUse(db: Executor): Promise<string[]> {
  const rows = await db.selectDistinct({ zone: gridNodes.timezone }).from(gridNodes).orderBy(asc(gridNodes.timezone));
  return rows.map((r) => r.zone);
}

const under = (path: string) => or(eq(gridNodes.path, path), sql`starts_with(${gridNodes.path}, ${`${path}/`})`)!;

export interface OpenDispute {
  id: string;
  ref: string;
  summary: string;
  gridName: string;
  /** The path of the matter's grid (to tell which village it is in). */
  gridPath: string;
  level: GridLevel;
  assignee: string | null;
  createdAt: Date;
  dueAt: Date | null;
}

/** Disputes not yet settled in the node's subtree, oldest first. */
export async function openDisputesUnder(db: Executor, path: string): Promise<OpenDispute[]> {
  return db
    .select({
      id: matters.id,
      ref: matters.ref,
      summary: matters.summary,
      gridName: gridNodes.name,
      gridPath: gridNodes.path,
      level: matters.level,
      assignee: people.name,
      createdAt: matters.createdAt,
      dueAt: matters.dueAt,
    })
    .from(matters)
    .innerJoin(gridNodes, eq(gridNodes.id, matters.gridNodeId))
    .leftJoin(people, eq(people.id, matters.assigneeId))
    .where(and(under(path), eq(matters.category, 'dispute'), eq(matters.state, 'open')))
    .orderBy(asc(matters.createdAt), asc(matters.ref));
}

export interface NodeCounts extends Record<string, unknown> {
  open: number;
  overdue: number;
  supervised: number;
  openDisputes: number;
  settledOnDay: number;
}

/**
 * Counts for a node's subtree: open matters, of which overdue (due before `now`) and supervised,
 * open disputes, and matters settled on `day` (YYYY-MM-DD in `zone`).
 */
export async function nodeCounts(db: Executor, path: string, now: Date, day: string, zone: string): Promise<NodeCounts> {
  const [row] = await queryRows<NodeCounts>(
    db,
    sql`select
      count(*) filter (where m.state = 'open')::int as open,
      count(*) filter (where m.state = 'open' and m.due_at < ${now.toISOString()}::timestamptz)::int as overdue,
      count(*) filter (where m.state = 'open' and m.supervised)::int as supervised,
      count(*) filter (where m.state = 'open' and m.category = 'dispute')::int as "openDisputes",
      count(*) filter (where exists (
        select 1 from ${matterEvents} e where e.matter_id = m.id and e.action = 'settle'
          and e.at >= ((${day}::date)::timestamp at time zone ${zone})
          and e.at < ((${day}::date + 1)::timestamp at time zone ${zone})
      ))::int as "settledOnDay"
    from ${matters} m join ${gridNodes} g on g.id = m.grid_node_id
    where g.path = ${path} or starts_with(g.path, ${`${path}/`})`,
  );
  return {
    open: Number(row?.open ?? 0),
    overdue: Number(row?.overdue ?? 0),
    supervised: Number(row?.supervised ?? 0),
    openDisputes: Number(row?.openDisputes ?? 0),
    settledOnDay: Number(row?.settledOnDay ?? 0),
  };
}
