// Matters and their event log written straight to the store, for tests that need a history
// without running the pipeline.
import type { Db } from '../../src/store/db.js';
import { departments, matterEvents, matters } from '../../src/store/schema.js';
import type { Category, MatterLevel, MatterState, Step } from '../../src/domain/types.js';
import type { EventKind } from '../../src/domain/lifecycle.js';
import type { NodeRow, PersonRow } from './factories.js';

export type MatterRow = typeof matters.$inferSelect;
export type DepartmentRow = typeof departments.$inferSelect;

let refs = 0;
const MINUTE = 60_000;

export async function newDepartment(db: Db, opts: { code: string; name: string; at: NodeRow }): Promise<DepartmentRow> {
  const [row] = await db.insert(departments).values({ code: opts.code, name: opts.name, gridNodeId: opts.at.id }).returning();
  return row!;
}

export interface EventSpec {
  action: EventKind;
  /** Minutes after the report. */
  after: number;
  by?: PersonRow | null;
  levelFrom?: MatterLevel;
  levelTo?: MatterLevel;
  assignee?: PersonRow;
  data?: Record<string, unknown>;
}

/** Appends events in the order given (the ledger's order). */
export async function addEvents(db: Db, matter: MatterRow, specs: EventSpec[]): Promise<void> {
  for (const e of specs) {
    await db.insert(matterEvents).values({
      matterId: matter.id,
      at: new Date(matter.createdAt.getTime() + e.after * MINUTE),
      actorId: e.by?.id ?? null,
      action: e.action,
      levelFrom: e.levelFrom ?? null,
      levelTo: e.levelTo ?? null,
      assigneeId: e.assignee?.id ?? null,
      data: e.data ?? null,
    });
  }
}

/**
 * A matter as it stands now (state, level, assignees given), with its report, receive and route
 * events; add the rest of its history with addEvents.
 */
export async function reportedMatter(
  db: Db,
  opts: {
    grid: NodeRow;
    reporter: PersonRow;
    category: Category;
    at: Date;
    state?: MatterState;
    step?: Step;
    level?: MatterLevel;
    firstAssignee?: PersonRow;
    assignee?: PersonRow;
    summary?: string;
  },
): Promise<MatterRow> {
  refs += 1;
  const firstAssignee = opts.firstAssignee ?? null;
  const [m] = await db
    .insert(matters)
    .values({
      ref: `T${String(refs).padStart(6, '0')}-${Math.random().toString(36).slice(2, 8)}`,
      category: opts.category,
      step: opts.step ?? 'dispatch',
      state: opts.state ?? 'open',
      level: opts.level ?? 'unit',
      gridNodeId: opts.grid.id,
      reporterId: opts.reporter.id,
      firstAssigneeId: firstAssignee?.id ?? null,
      assigneeId: (opts.assignee ?? firstAssignee)?.id ?? null,
      summary: opts.summary ?? `${opts.category} ${refs}`,
      createdAt: opts.at,
    })
    .returning();
  const matter = m!;
  await addEvents(db, matter, [
    { action: 'report', after: 0, by: opts.reporter, levelTo: 'unit' },
    { action: 'receive', after: 0 },
    ...(firstAssignee ? [{ action: 'route', after: 1, levelFrom: 'unit', levelTo: 'unit', assignee: firstAssignee } satisfies EventSpec] : []),
  ]);
  return matter;
}
