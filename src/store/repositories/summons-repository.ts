// Queries on summons (网格吹哨、部门报到) and on the departments and liaisons they reach.
import { and, asc, desc, eq, inArray, isNotNull, isNull, lte, or, sql } from 'drizzle-orm';
import type { Executor } from '../db.js';
import { departments, matters, people, roles, summons } from '../schema.js';

export type SummonsRow = typeof summons.$inferSelect;
export type NewSummons = typeof summons.$inferInsert;
export type DepartmentRow = typeof departments.$inferSelect;

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Departments named by id or by code; unknown keys are left out. */
export async function findDepartments(db: Executor, keys: readonly string[]): Promise<DepartmentRow[]> {
  if (!keys.length) return [];
  const ids = keys.filter((k) => UUID_RE.test(k));
  const codes = keys.filter((k) => !UUID_RE.test(k));
  const where = [ids.length ? inArray(departments.id, ids) : undefined, codes.length ? inArray(departments.code, codes) : undefined].filter((w) => w !== undefined);
  return db.select().from(departments).where(or(...where));
}

export async function insertSummons(db: Executor, rows: NewSummons[]): Promise<void> {
  if (rows.length) await db.insert(summons).values(rows);
}

export async function updateSummons(db: Executor, id: string, patch: Partial<NewSummons>): Promise<void> {
  await db.update(summons).set(patch).where(eq(summons.id, id));
}

export type SummonsWithDepartment = SummonsRow & { departmentCode: string; departmentName: string };

/** A matter's summons with their departments, oldest first. */
export async function summonsOf(db: Executor, matterId: string): Promise<SummonsWithDepartment[]> {
  const rows = await db
    .select({ s: summons, code: departments.code, name: departments.name })
    .from(summons)
    .innerJoin(departments, eq(departments.id, summons.departmentId))
    .where(eq(summons.matterId, matterId))
    .orderBy(asc(summons.summonedAt), asc(departments.code));
  return rows.map((r) => ({ ...r.s, departmentCode: r.code, departmentName: r.name }));
}

/** Locks one summons until the transaction ends; with its department. */
export async function lockSummons(db: Executor, id: string): Promise<SummonsWithDepartment | undefined> {
  // Locked alone: drizzle qualifies `for update of` with the schema, which Postgres refuses.
  const [row] = await db.select().from(summons).where(eq(summons.id, id)).for('update');
  if (!row) return undefined;
  const [dept] = await db.select({ code: departments.code, name: departments.name }).from(departments).where(eq(departments.id, row.departmentId));
  return { ...row, departmentCode: dept?.code ?? '', departmentName: dept?.name ?? '' };
}

/** How many summoned departments have not signed off yet. */
export async function openSummonsCount(db: Executor, matterId: string): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(summons)
    .where(and(eq(summons.matterId, matterId), isNull(summons.signedOffAt)));
  return Number(row?.n ?? 0);
}

/** The departments summoned on the matter (ever) for which the person is a liaison. */
export async function liaisonDepartmentsOn(db: Executor, personId: string, matterId: string): Promise<string[]> {
  const rows = await db
    .selectDistinct({ id: roles.departmentId })
    .from(roles)
    .innerJoin(summons, and(eq(summons.departmentId, roles.departmentId), eq(summons.matterId, matterId)))
    .where(and(eq(roles.personId, personId), eq(roles.role, 'liaison'), isNotNull(roles.departmentId)));
  return rows.map((r) => r.id!).filter(Boolean);
}

/** The liaisons of the departments, with their department. */
export async function liaisonsOf(db: Executor, departmentIds: readonly string[]): Promise<Array<{ personId: string; name: string; departmentId: string; onLeave: boolean }>> {
  if (!departmentIds.length) return [];
  const rows = await db
    .select({ personId: people.id, name: people.name, departmentId: roles.departmentId, onLeave: people.onLeave })
    .from(roles)
    .innerJoin(people, eq(people.id, roles.personId))
    .where(and(eq(roles.role, 'liaison'), inArray(roles.departmentId, [...departmentIds])))
    .orderBy(asc(people.id));
  return rows.map((r) => ({ ...r, departmentId: r.departmentId! }));
}

/** The latest summons of a department on a matter. */
export async function latestSummons(db: Executor, matterId: string, departmentId: string): Promise<SummonsRow | undefined> {
  const [row] = await db
    .select()
    .from(summons)
    .where(and(eq(summons.matterId, matterId), eq(summons.departmentId, departmentId)))
    .orderBy(desc(summons.summonedAt))
    .limit(1);
  return row;
}

/** Summons of open matters due by `dueBy` whose department has not reported in and whose township was not yet alerted. */
export async function summonsAwaitingReportIn(db: Executor, dueBy: Date): Promise<Array<Pick<SummonsRow, 'id' | 'reportDueAt'>>> {
  return db
    .select({ id: summons.id, reportDueAt: summons.reportDueAt })
    .from(summons)
    .innerJoin(matters, eq(matters.id, summons.matterId))
    .where(and(isNull(summons.reportedInAt), isNull(summons.signedOffAt), isNull(summons.overdueAlertedAt), eq(matters.state, 'open'), lte(summons.reportDueAt, dueBy)))
    .orderBy(asc(summons.reportDueAt));
}
