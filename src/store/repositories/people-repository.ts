// Queries on people, their identities and their places in the grid tree.
import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { Platform, Role } from '../../domain/types.js';
import type { Executor } from '../db.js';
import { gridNodes, identities, people, roles } from '../schema.js';

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

/** People holding any of `roleList` at the node. */
export async function staffAt(db: Executor, nodeId: string, roleList: readonly Role[]): Promise<StaffMember[]> {
  const rows = await db
    .select({
      personId: people.id,
      name: people.name,
      role: roles.role,
      title: roles.title,
      onLeave: people.onLeave,
      identityCount: sql<number>`(select count(*)::int from ${identities} i where i.person_id = ${people.id})`,
      reachableCount: sql<number>`(select count(*)::int from ${identities} i where i.person_id = ${people.id} and i.unreachable_at is null)`,
    })
    .from(roles)
    .innerJoin(people, eq(people.id, roles.personId))
    .where(and(eq(roles.gridNodeId, nodeId), inArray(roles.role, [...roleList])))
    .orderBy(asc(people.id));
  return rows.map((r) => ({
    personId: r.personId,
    name: r.name,
    role: r.role,
    title: r.title,
    onLeave: r.onLeave,
    reachable: Number(r.identityCount) === 0 || Number(r.reachableCount) > 0,
  }));
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
