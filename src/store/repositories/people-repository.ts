// Queries on people, their identities and their places in the grid tree.
import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import { ROUTING_ROLES } from '../../domain/routing.js';
import type { Platform, Role } from '../../domain/types.js';
import type { Executor } from '../db.js';
import { gridNodes, identities, matters, people, roles } from '../schema.js';

export type PersonRow = typeof people.$inferSelect;
export type IdentityRow = typeof identities.$inferSelect;
export type GridNodeRow = typeof gridNodes.$inferSelect;

export async function findPerson(db: Executor, id: string): Promise<PersonRow | undefined> {
  const [row] = await db.select().from(people).where(eq(people.id, id));
  return row;
}

export async function findPersonByCode(db: Executor, code: string): Promise<PersonRow | undefined> {
  const [row] = await db.select().from(people).where(eq(people.code, code));
  return row;
}

export async function findByIdentity(db: Executor, platform: Platform, externalId: string): Promise<{ person: PersonRow; identity: IdentityRow } | undefined> {
  const [row] = await db
    .select({ person: people, identity: identities })
    .from(identities)
    .innerJoin(people, eq(people.id, identities.personId))
    .where(and(eq(identities.platform, platform), eq(identities.externalId, externalId)));
  return row;
}

export async function identitiesOf(db: Executor, personId: string): Promise<IdentityRow[]> {
  return db.select().from(identities).where(eq(identities.personId, personId)).orderBy(asc(identities.createdAt));
}

export async function markIdentityUnreachable(db: Executor, identityId: string, at: Date): Promise<void> {
  await db.update(identities).set({ unreachableAt: at }).where(eq(identities.id, identityId));
}

export async function setOnLeave(db: Executor, personId: string, onLeave: boolean): Promise<void> {
  await db.update(people).set({ onLeave }).where(eq(people.id, personId));
}

export interface Placement {
  role: Role;
  title: string | null;
  node: GridNodeRow;
}

/** Every role a person holds, with the node it is held at. */
export async function placementsOf(db: Executor, personId: string): Promise<Placement[]> {
  const rows = await db
    .select({ role: roles.role, title: roles.title, node: gridNodes })
    .from(roles)
    .innerJoin(gridNodes, eq(gridNodes.id, roles.gridNodeId))
    .where(eq(roles.personId, personId));
  return rows;
}

export interface StaffMember {
  personId: string;
  name: string;
  role: Role;
  title: string | null;
  onLeave: boolean;
  /** True while at least one identity may be written to, or the person has none yet. */
  reachable: boolean;
}

// The columns every staff query reads, and how a row becomes a StaffMember.
const staffColumns = {
  personId: people.id,
  name: people.name,
  role: roles.role,
  title: roles.title,
  onLeave: people.onLeave,
  nodeId: roles.gridNodeId,
  identityCount: sql<number>`(select count(*)::int from ${identities} i where i.person_id = ${people.id})`,
  reachableCount: sql<number>`(select count(*)::int from ${identities} i where i.person_id = ${people.id} and i.unreachable_at is null)`,
};

function toStaffMember(r: { personId: string; name: string; role: Role; title: string | null; onLeave: boolean; identityCount: number; reachableCount: number }): StaffMember {
  return {
    personId: r.personId,
    name: r.name,
    role: r.role,
    title: r.title,
    onLeave: r.onLeave,
    reachable: Number(r.identityCount) === 0 || Number(r.reachableCount) > 0,
  };
}

/** A person's name, leave and whether any identity still reaches them (none yet counts as reachable). */
export async function availabilityOf(db: Executor, personId: string): Promise<{ name: string; onLeave: boolean; reachable: boolean } | undefined> {
  const [row] = await db
    .select({ name: people.name, onLeave: people.onLeave, identityCount: staffColumns.identityCount, reachableCount: staffColumns.reachableCount })
    .from(people)
    .where(eq(people.id, personId));
  return row && { name: row.name, onLeave: row.onLeave, reachable: Number(row.identityCount) === 0 || Number(row.reachableCount) > 0 };
}

/** People holding any of `roleList` at the node. */
export async function staffAt(db: Executor, nodeId: string, roleList: readonly Role[]): Promise<StaffMember[]> {
  const rows = await db
    .select(staffColumns)
    .from(roles)
    .innerJoin(people, eq(people.id, roles.personId))
    .where(and(eq(roles.gridNodeId, nodeId), inArray(roles.role, [...roleList])))
    .orderBy(asc(people.id));
  return rows.map(toStaffMember);
}

export async function titleOf(db: Executor, personId: string, nodeIds: string[]): Promise<string | null> {
  if (!nodeIds.length) return null;
  const [row] = await db
    .select({ title: roles.title })
    .from(roles)
    .where(and(eq(roles.personId, personId), inArray(roles.gridNodeId, nodeIds)))
    .limit(1);
  return row?.title ?? null;
}

/** The person behind a platform identity with every role they hold, in one query. */
export async function senderByIdentity(db: Executor, platform: Platform, externalId: string): Promise<{ person: PersonRow; placements: Placement[] } | undefined> {
  const rows = await db
    .select({ person: people, role: roles.role, title: roles.title, node: gridNodes })
    .from(identities)
    .innerJoin(people, eq(people.id, identities.personId))
    .leftJoin(roles, eq(roles.personId, people.id))
    .leftJoin(gridNodes, eq(gridNodes.id, roles.gridNodeId))
    .where(and(eq(identities.platform, platform), eq(identities.externalId, externalId)));
  if (!rows.length) return undefined;
  return {
    person: rows[0]!.person,
    placements: rows.filter((r) => r.role && r.node).map((r) => ({ role: r.role!, title: r.title, node: r.node! })),
  };
}

/** People with all their identities, for sending to them. */
export async function recipients(db: Executor, personIds: string[]): Promise<Map<string, { person: PersonRow; identities: IdentityRow[] }>> {
  const out = new Map<string, { person: PersonRow; identities: IdentityRow[] }>();
  if (!personIds.length) return out;
  const rows = await db
    .select({ person: people, identity: identities })
    .from(people)
    .leftJoin(identities, eq(identities.personId, people.id))
    .where(inArray(people.id, personIds))
    .orderBy(asc(identities.createdAt));
  for (const r of rows) {
    const entry = out.get(r.person.id) ?? { person: r.person, identities: [] };
    if (r.identity) entry.identities.push(r.identity);
    out.set(r.person.id, entry);
  }
  return out;
}

/**
 * Who may take a matter in a unit grid: its officers and its village's grid leaders, each with
 * how many open matters they hold, in one query.
 */
export async function routingStaff(
  db: Executor,
  unitId: string,
  villageId: string | null,
): Promise<Array<StaffMember & { openMatters: number; code: string | null; lastAssignedAt: string | null }>> {
  const nodeIds = villageId ? [unitId, villageId] : [unitId];
  const rows = await db
    .select({
      ...staffColumns,
      code: people.code,
      openMatters: sql<number>`(select count(*)::int from ${matters} m where m.assignee_id = ${people.id} and m.state = 'open')`,
      // Epoch milliseconds: the same plain number from postgres-js and PGlite.
      lastAssignedMs: sql<number | string | null>`(select (extract(epoch from max(m.dispatched_at)) * 1000)::float8 from ${matters} m where m.first_assignee_id = ${people.id})`,
    })
    .from(roles)
    .innerJoin(people, eq(people.id, roles.personId))
    .where(and(inArray(roles.gridNodeId, nodeIds), inArray(roles.role, [...ROUTING_ROLES])))
    .orderBy(asc(people.id));
  return rows
    .filter((r) => (r.role === 'grid_leader' ? r.nodeId === villageId : r.nodeId === unitId))
    .map((r) => ({
      ...toStaffMember(r),
      code: r.code,
      openMatters: Number(r.openMatters),
      lastAssignedAt: r.lastAssignedMs === null ? null : new Date(Number(r.lastAssignedMs)).toISOString(),
    }));
}
