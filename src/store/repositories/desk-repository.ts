// What one person sees in a chat: the matters they reported, the open ones they hold, the
// villagers they may file for, the departments a whistle may summon. No rules here.
import { and, asc, desc, eq, inArray, like, or, sql, type SQL } from 'drizzle-orm';
import type { Category, MatterLevel, MatterState, Step } from '../../domain/types.js';
import type { Executor } from '../db.js';
import { departments, gridNodes, matterEvents, matters, people, roles, summons } from '../schema.js';

export interface DeskMatter {
  id: string;
  ref: string;
  category: Category;
  step: Step;
  state: MatterState;
  level: MatterLevel;
  summary: string;
  gridName: string;
  supervised: boolean;
  dueAt: Date | null;
  createdAt: Date;
}

const columns = {
  id: matters.id,
  ref: matters.ref,
  category: matters.category,
  step: matters.step,
  state: matters.state,
  level: matters.level,
  summary: matters.summary,
  gridName: gridNodes.name,
  supervised: matters.supervised,
  dueAt: matters.dueAt,
  createdAt: matters.createdAt,
};

/** Matters the person reported, or an officer filed for them; open ones first, newest first. */
export async function mattersReportedBy(db: Executor, personId: string, limit = 48): Promise<DeskMatter[]> {
  return db
    .select(columns)
    .from(matters)
    .innerJoin(gridNodes, eq(gridNodes.id, matters.gridNodeId))
    .where(eq(matters.reporterId, personId))
    .orderBy(sql`case when ${matters.state} in ('open', 'settled') then 0 else 1 end`, desc(matters.createdAt))
    .limit(limit);
}

/** Open matters the person holds: the most overdue first, those without a limit last. */
export async function openMattersAssignedTo(db: Executor, personId: string, limit = 96): Promise<DeskMatter[]> {
  return db
    .select(columns)
    .from(matters)
    .innerJoin(gridNodes, eq(gridNodes.id, matters.gridNodeId))
    .where(and(eq(matters.assigneeId, personId), eq(matters.state, 'open')))
    .orderBy(sql`${matters.dueAt} asc nulls last`, asc(matters.createdAt))
    .limit(limit);
}

/**
 * Open matters the person helps on without holding them: relieved of them by a climb or a cadre
 * (an event names them `relieved`), or summoned on them as a department's liaison whose part is
 * not signed off. The rule of who keeps helping is the domain's (keepsHelping); this reads it back.
 */
export async function openMattersHelpedBy(db: Executor, personId: string, limit = 48): Promise<DeskMatter[]> {
  const relieved = sql`exists (select 1 from ${matterEvents} e where e.matter_id = ${matters.id} and e.data->>'relieved' = ${personId})`;
  const liaison = sql`exists (select 1 from ${summons} s join ${roles} r on r.department_id = s.department_id and r.role = 'liaison' where s.matter_id = ${matters.id} and s.signed_off_at is null and r.person_id = ${personId})`;
  return db
    .select(columns)
    .from(matters)
    .innerJoin(gridNodes, eq(gridNodes.id, matters.gridNodeId))
    .where(and(eq(matters.state, 'open'), sql`${matters.assigneeId} is distinct from ${personId}`, or(relieved, liaison)))
    .orderBy(sql`${matters.dueAt} asc nulls last`, asc(matters.createdAt))
    .limit(limit);
}

export interface Resident {
  personId: string;
  name: string;
  unitName: string;
}

/** Villagers and household heads of the unit grids at or under the given paths. */
export async function residentsUnder(db: Executor, paths: readonly string[], limit = 500): Promise<Resident[]> {
  if (!paths.length) return [];
  const within: SQL[] = paths.flatMap((p) => [eq(gridNodes.path, p), like(gridNodes.path, `${p}/%`)]);
  const rows = await db
    .selectDistinct({ personId: people.id, name: people.name, unitName: gridNodes.name, path: gridNodes.path })
    .from(roles)
    .innerJoin(people, eq(people.id, roles.personId))
    .innerJoin(gridNodes, eq(gridNodes.id, roles.gridNodeId))
    .where(and(inArray(roles.role, ['villager', 'household_head']), eq(gridNodes.level, 'unit'), or(...within)))
    .orderBy(asc(gridNodes.path), asc(people.name))
    .limit(limit);
  return rows.map(({ personId, name, unitName }) => ({ personId, name, unitName }));
}

export interface DepartmentChoice {
  id: string;
  code: string;
  name: string;
}

/** Departments serving any of the nodes. */
export async function departmentsOn(db: Executor, nodeIds: readonly string[]): Promise<DepartmentChoice[]> {
  if (!nodeIds.length) return [];
  return db
    .select({ id: departments.id, code: departments.code, name: departments.name })
    .from(departments)
    .where(inArray(departments.gridNodeId, [...nodeIds]))
    .orderBy(asc(departments.code));
}

/** Whether a climb or a cadre relieved the person of this matter (they keep helping on it). */
export async function relievedOn(db: Executor, personId: string, matterId: string): Promise<boolean> {
  const [row] = await db
    .select({ id: matterEvents.id })
    .from(matterEvents)
    .where(and(eq(matterEvents.matterId, matterId), sql`${matterEvents.data}->>'relieved' = ${personId}`))
    .limit(1);
  return Boolean(row);
}
