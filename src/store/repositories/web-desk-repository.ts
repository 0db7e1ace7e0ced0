// The web desk's queries: a subtree of the grid tree with its staff, and matters found by filters.
// No business rules here: who may see what is decided by the services.
import { and, asc, count, desc, eq, exists, gte, ilike, inArray, isNotNull, lt, lte, or, sql, type SQL } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { Category, GridLevel, MatterLevel, MatterState, Role, Size } from '../../domain/types.js';
import type { Executor } from '../db.js';
import { gridNodes, identities, matters, messages, people, roles } from '../schema.js';
import type { GridNodeRow } from './grid-repository.js';
import type { StaffMember } from './people-repository.js';

const under = (path: string): SQL => or(eq(gridNodes.path, path), sql`${gridNodes.path} like ${`${path.replace(/[\\%_]/g, '\\$&')}/%`}`)!;

/** The node and every node below it, in tree order. */
export async function nodesUnder(db: Executor, path: string): Promise<GridNodeRow[]> {
  return db.select().from(gridNodes).where(under(path)).orderBy(asc(gridNodes.path));
}

/** The nodes directly below. */
export async function childNodes(db: Executor, nodeId: string): Promise<GridNodeRow[]> {
  return db.select().from(gridNodes).where(eq(gridNodes.parentId, nodeId)).orderBy(asc(gridNodes.path));
}

/** A member of staff with the node they are placed at. */
export type PlacedPerson = StaffMember & { nodeId: string };

/** Everyone holding a role among `roleList` at the node or below. */
export async function peopleUnder(db: Executor, path: string, roleList: readonly Role[]): Promise<PlacedPerson[]> {
  const rows = await db
    .select({
      nodeId: roles.gridNodeId,
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
    .innerJoin(gridNodes, eq(gridNodes.id, roles.gridNodeId))
    .where(and(under(path), inArray(roles.role, [...roleList])))
    .orderBy(asc(gridNodes.path), asc(people.name));
  return rows.map(({ identityCount, reachableCount, ...r }) => ({ ...r, reachable: Number(identityCount) === 0 || Number(reachableCount) > 0 }));
}

export interface MatterSearch {
  /** Matters of grids at or under this path. */
  gridPath: string;
  category?: Category;
  topic?: string;
  state?: MatterState;
  level?: MatterLevel;
  size?: Size;
  supervised?: boolean;
  /** Open and past their due time at `now`. */
  overdueAt?: Date;
  /** Reported on or after / on or before these days (YYYY-MM-DD) in `timezone`. */
  from?: string;
  to?: string;
  timezone: string;
  ref?: string;
  /** Words in the summary or in what was said on it. */
  words?: string;
  offset: number;
  limit: number;
}

export interface FoundMatter {
  id: string;
  ref: string;
  category: Category;
  topic: string;
  size: Size;
  step: string;
  state: string;
  level: MatterLevel;
  supervised: boolean;
  summary: string;
  gridCode: string;
  gridName: string;
  gridLevel: GridLevel;
  assignee: string | null;
  dueAt: Date | null;
  createdAt: Date;
}

export async function searchMatters(db: Executor, f: MatterSearch): Promise<{ total: number; items: FoundMatter[] }> {
  const assignee = alias(people, 'assignee');
  const where: SQL[] = [under(f.gridPath)];
  if (f.category) where.push(eq(matters.category, f.category));
  if (f.topic) where.push(eq(matters.topic, f.topic));
  if (f.state) where.push(eq(matters.state, f.state));
  if (f.level) where.push(eq(matters.level, f.level));
  if (f.size) where.push(eq(matters.size, f.size));
  if (f.supervised !== undefined) where.push(eq(matters.supervised, f.supervised));
  if (f.overdueAt) where.push(and(eq(matters.state, 'open'), isNotNull(matters.dueAt), lt(matters.dueAt, f.overdueAt))!);
  const day = sql`(${matters.createdAt} at time zone ${f.timezone})::date`;
  if (f.from) where.push(gte(day, sql`${f.from}::date`));
  if (f.to) where.push(lte(day, sql`${f.to}::date`));
  if (f.ref) where.push(eq(matters.ref, f.ref));
  if (f.words) {
    const pattern = `%${f.words.replace(/[\\%_]/g, '\\$&')}%`;
    where.push(or(ilike(matters.summary, pattern), exists(db.select({ one: sql`1` }).from(messages).where(and(eq(messages.matterId, matters.id), ilike(messages.text, pattern)))))!);
  }
  const cond = and(...where);
  const [total] = await db.select({ n: count() }).from(matters).innerJoin(gridNodes, eq(gridNodes.id, matters.gridNodeId)).where(cond);
  const items = await db
    .select({
      id: matters.id,
      ref: matters.ref,
      category: matters.category,
      topic: matters.topic,
      size: matters.size,
      step: matters.step,
      state: matters.state,
      level: matters.level,
      supervised: matters.supervised,
      summary: matters.summary,
      gridCode: gridNodes.code,
      gridName: gridNodes.name,
      gridLevel: gridNodes.level,
      assignee: assignee.name,
      dueAt: matters.dueAt,
      createdAt: matters.createdAt,
    })
    .from(matters)
    .innerJoin(gridNodes, eq(gridNodes.id, matters.gridNodeId))
    .leftJoin(assignee, eq(assignee.id, matters.assigneeId))
    .where(cond)
    .orderBy(desc(matters.createdAt), desc(matters.ref))
    .offset(f.offset)
    .limit(f.limit);
  return { total: Number(total?.n ?? 0), items };
}
