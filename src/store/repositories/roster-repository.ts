// The queries that apply a roster. No rules here: the importer decides what to write.
import { and, eq, inArray, isNotNull, sql } from 'drizzle-orm';
import type { Executor } from '../db.js';
import { departments, faqEntries, gridNodes, identities, people, roles, timeLimits } from '../schema.js';
import type { Platform } from '../../domain/types.js';

export type GridNodeRow = typeof gridNodes.$inferSelect;
export type NewGridNode = typeof gridNodes.$inferInsert;
export type DepartmentRow = typeof departments.$inferSelect;
export type NewDepartment = typeof departments.$inferInsert;
export type PersonRow = typeof people.$inferSelect;
export type NewPerson = typeof people.$inferInsert;
export type IdentityRow = typeof identities.$inferSelect;
export type NewIdentity = typeof identities.$inferInsert;
export type RoleRow = typeof roles.$inferSelect;
export type NewRole = typeof roles.$inferInsert;
export type TimeLimitRow = typeof timeLimits.$inferSelect;
export type NewTimeLimit = typeof timeLimits.$inferInsert;
export type FaqRow = typeof faqEntries.$inferSelect;
export type NewFaq = typeof faqEntries.$inferInsert;

const CHUNK = 500;
const ROSTER_LOCK = 7_401_553_201;

function chunks<T>(rows: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += CHUNK) out.push(rows.slice(i, i + CHUNK));
  return out;
}

/** Serialises roster imports until the transaction ends. */
export async function lockRosterImport(ex: Executor): Promise<void> {
  await ex.execute(sql`select pg_advisory_xact_lock(${ROSTER_LOCK})`);
}

/** The channel a roster change is announced on (Store.listen): running services reload what they hold of it. */
export const ROSTER_CHANGED = 'gridline_roster_changed';

/** Announces a roster change to every process listening; sent when the import's transaction commits. */
export async function announceRosterChange(ex: Executor, at: Date): Promise<void> {
  await ex.execute(sql`select pg_notify(${ROSTER_CHANGED}, ${at.toISOString()})`);
}

export function listGridNodes(ex: Executor): Promise<GridNodeRow[]> {
  return ex.select().from(gridNodes);
}

export async function insertGridNodes(ex: Executor, rows: NewGridNode[]): Promise<void> {
  for (const chunk of chunks(rows)) await ex.insert(gridNodes).values(chunk);
}

export async function updateGridNode(ex: Executor, id: string, patch: Partial<NewGridNode>): Promise<void> {
  await ex.update(gridNodes).set(patch).where(eq(gridNodes.id, id));
}

export async function clearJoinCodes(ex: Executor, ids: string[]): Promise<void> {
  if (ids.length) await ex.update(gridNodes).set({ joinCode: null }).where(inArray(gridNodes.id, ids));
}

export function listDepartments(ex: Executor): Promise<DepartmentRow[]> {
  return ex.select().from(departments);
}

export async function insertDepartments(ex: Executor, rows: NewDepartment[]): Promise<void> {
  for (const chunk of chunks(rows)) await ex.insert(departments).values(chunk);
}

export async function updateDepartment(ex: Executor, id: string, patch: Partial<NewDepartment>): Promise<void> {
  await ex.update(departments).set(patch).where(eq(departments.id, id));
}

/** Everyone the roster has ever described (people who registered through a bot have no code). */
export function listCodedPeople(ex: Executor): Promise<PersonRow[]> {
  return ex.select().from(people).where(isNotNull(people.code));
}

export async function listPeopleByIds(ex: Executor, ids: string[]): Promise<PersonRow[]> {
  const out: PersonRow[] = [];
  for (const chunk of chunks(ids)) out.push(...(await ex.select().from(people).where(inArray(people.id, chunk))));
  return out;
}

export async function insertPeople(ex: Executor, rows: NewPerson[]): Promise<void> {
  for (const chunk of chunks(rows)) await ex.insert(people).values(chunk);
}

export async function updatePerson(ex: Executor, id: string, patch: Partial<NewPerson>): Promise<void> {
  await ex.update(people).set(patch).where(eq(people.id, id));
}

/** Identities with one of the given platform ids, whoever owns them. */
export async function listIdentitiesByKeys(
  ex: Executor,
  keys: Array<{ platform: Platform; externalId: string }>,
): Promise<IdentityRow[]> {
  const byPlatform = new Map<Platform, string[]>();
  for (const k of keys) byPlatform.set(k.platform, [...(byPlatform.get(k.platform) ?? []), k.externalId]);
  const out: IdentityRow[] = [];
  for (const [platform, ids] of byPlatform) {
    for (const chunk of chunks(ids)) {
      out.push(...(await ex.select().from(identities).where(and(eq(identities.platform, platform), inArray(identities.externalId, chunk)))));
    }
  }
  return out;
}

/** Identities of coded people. */
export async function listIdentitiesOfCodedPeople(ex: Executor): Promise<IdentityRow[]> {
  const rows = await ex
    .select({ identity: identities })
    .from(identities)
    .innerJoin(people, eq(people.id, identities.personId))
    .where(isNotNull(people.code));
  return rows.map((r) => r.identity);
}

export async function insertIdentities(ex: Executor, rows: NewIdentity[]): Promise<void> {
  for (const chunk of chunks(rows)) await ex.insert(identities).values(chunk);
}

export async function updateIdentity(ex: Executor, id: string, patch: Partial<NewIdentity>): Promise<void> {
  await ex.update(identities).set(patch).where(eq(identities.id, id));
}

export async function deleteIdentities(ex: Executor, ids: string[]): Promise<void> {
  for (const chunk of chunks(ids)) await ex.delete(identities).where(inArray(identities.id, chunk));
}

/** Roles held by coded people. */
export async function listRolesOfCodedPeople(ex: Executor): Promise<RoleRow[]> {
  const rows = await ex
    .select({ role: roles })
    .from(roles)
    .innerJoin(people, eq(people.id, roles.personId))
    .where(isNotNull(people.code));
  return rows.map((r) => r.role);
}

export async function insertRoles(ex: Executor, rows: NewRole[]): Promise<void> {
  for (const chunk of chunks(rows)) await ex.insert(roles).values(chunk);
}

export async function updateRole(ex: Executor, id: string, patch: Partial<NewRole>): Promise<void> {
  await ex.update(roles).set(patch).where(eq(roles.id, id));
}

export async function deleteRoles(ex: Executor, ids: string[]): Promise<void> {
  for (const chunk of chunks(ids)) await ex.delete(roles).where(inArray(roles.id, chunk));
}

export function listTimeLimits(ex: Executor): Promise<TimeLimitRow[]> {
  return ex.select().from(timeLimits);
}

export async function insertTimeLimits(ex: Executor, rows: NewTimeLimit[]): Promise<void> {
  for (const chunk of chunks(rows)) await ex.insert(timeLimits).values(chunk);
}

export async function updateTimeLimit(ex: Executor, id: string, patch: Partial<NewTimeLimit>): Promise<void> {
  await ex.update(timeLimits).set(patch).where(eq(timeLimits.id, id));
}

export async function deleteTimeLimits(ex: Executor, ids: string[]): Promise<void> {
  for (const chunk of chunks(ids)) await ex.delete(timeLimits).where(inArray(timeLimits.id, chunk));
}

export function listFaqEntries(ex: Executor): Promise<FaqRow[]> {
  return ex.select().from(faqEntries);
}

export async function insertFaqEntries(ex: Executor, rows: NewFaq[]): Promise<void> {
  for (const chunk of chunks(rows)) await ex.insert(faqEntries).values(chunk);
}

export async function updateFaqEntry(ex: Executor, id: string, patch: Partial<NewFaq>): Promise<void> {
  await ex.update(faqEntries).set(patch).where(eq(faqEntries.id, id));
}

export async function deleteFaqEntries(ex: Executor, ids: string[]): Promise<void> {
  for (const chunk of chunks(ids)) await ex.delete(faqEntries).where(inArray(faqEntries.id, chunk));
}
