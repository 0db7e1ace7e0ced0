// People along a matter's line of the grid tree (for choosing whom to transfer to). No rules here.
import { and, asc, eq, inArray } from 'drizzle-orm';
import type { Role } from '../../domain/types.js';
import type { Executor } from '../db.js';
import { departments, gridNodes, people, roles } from '../schema.js';

export interface LineStaff {
  personId: string;
  name: string;
  role: Role;
  title: string | null;
  nodeId: string;
  onLeave: boolean;
}

export async function childNodeIds(db: Executor, parentId: string): Promise<string[]> {
  const rows = await db.select({ id: gridNodes.id }).from(gridNodes).where(eq(gridNodes.parentId, parentId));
  return rows.map((r) => r.id);
}

/** Everyone holding one of `roleList` at any of the nodes. */
export async function staffOnNodes(db: Executor, nodeIds: string[], roleList: readonly Role[]): Promise<LineStaff[]> {
  if (!nodeIds.length) return [];
  return db
    .select({ personId: people.id, name: people.name, role: roles.role, title: roles.title, nodeId: roles.gridNodeId, onLeave: people.onLeave })
    .from(roles)
    .innerJoin(people, eq(people.id, roles.personId))
    .where(and(inArray(roles.gridNodeId, nodeIds), inArray(roles.role, [...roleList])))
    .orderBy(asc(people.name));
}

/** Departments serving any of the nodes (those a whistle on the line may summon). */
export async function departmentsOnNodes(db: Executor, nodeIds: string[]): Promise<Array<{ id: string; code: string; name: string }>> {
  if (!nodeIds.length) return [];
  return db.select({ id: departments.id, code: departments.code, name: departments.name }).from(departments).where(inArray(departments.gridNodeId, nodeIds)).orderBy(asc(departments.name));
}
