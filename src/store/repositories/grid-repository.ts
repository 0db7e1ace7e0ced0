// Queries on the grid tree.
import { asc, eq, inArray, sql } from 'drizzle-orm';
import type { Executor } from '../db.js';
import { gridNodes, roles } from '../schema.js';

export type GridNodeRow = typeof gridNodes.$inferSelect;

export async function findNode(db: Executor, id: string): Promise<GridNodeRow | undefined> {
  const [row] = await db.select().from(gridNodes).where(eq(gridNodes.id, id));
  return row;
}

export async function findNodeByCode(db: Executor, code: string): Promise<GridNodeRow | undefined> {
  const [row] = await db.select().from(gridNodes).where(eq(gridNodes.code, code));
  return row;
}

/**
 * The node a person names: by its code (shuichuan-g03), or, failing that, by the join code printed
 * on its poster (SC03, any case), which is what people see and type.
 */
export async function findNodeNamed(db: Executor, name: string): Promise<GridNodeRow | undefined> {
  const wanted = name.trim();
  if (!wanted) return undefined;
  return (await findNodeByCode(db, wanted)) ?? (await db.select().from(gridNodes).where(eq(gridNodes.joinCode, wanted.toUpperCase())))[0];
}

/** The nodes with these codes (in one query), in tree order. */
export async function findNodesByCodes(db: Executor, codes: readonly string[]): Promise<GridNodeRow[]> {
  if (!codes.length) return [];
  return db.select().from(gridNodes).where(inArray(gridNodes.code, [...codes])).orderBy(asc(gridNodes.path));
}

/** The node and every node above it, nearest first. */
/**
 * A node and the line above it in one statement: `node` (undefined when it is gone) and `line`,
 * what ancestry(node) gives (the node and every node above it, nearest first).
 */
export async function nodeWithLine(db: Executor, id: string): Promise<{ node: GridNodeRow | undefined; line: GridNodeRow[] }> {
  const rows = await db
    .select()
    .from(gridNodes)
    .where(sql`${gridNodes.id} = ${id} or ${gridNodes.code} = any(string_to_array((select n.path from ${gridNodes} n where n.id = ${id}), '/'))`);
  const node = rows.find((r) => r.id === id);
  if (!node) return { node: undefined, line: [] };
  const byCode = new Map(rows.map((r) => [r.code, r]));
  return { node, line: lineOf(node, byCode) };
}

const lineOf = (node: GridNodeRow, byCode: Map<string, GridNodeRow>): GridNodeRow[] =>
  node.path
    .split('/')
    .reverse()
    .map((c) => byCode.get(c))
    .filter((r): r is GridNodeRow => Boolean(r));

export async function ancestry(db: Executor, node: GridNodeRow): Promise<GridNodeRow[]> {
  const codes = node.path.split('/');
  const rows = await db.select().from(gridNodes).where(inArray(gridNodes.code, codes));
  const byCode = new Map(rows.map((r) => [r.code, r]));
  return codes
    .reverse()
    .map((c) => byCode.get(c))
    .filter((r): r is GridNodeRow => Boolean(r));
}

export async function allNodes(db: Executor): Promise<GridNodeRow[]> {
  return db.select().from(gridNodes).orderBy(asc(gridNodes.path));
}

/** How many people hold each role at each node: node id → role → count. */
export async function staffCountsByNode(db: Executor): Promise<Map<string, Record<string, number>>> {
  const rows = await db
    .select({ nodeId: roles.gridNodeId, role: roles.role, n: sql<number>`count(*)::int` })
    .from(roles)
    .groupBy(roles.gridNodeId, roles.role);
  const out = new Map<string, Record<string, number>>();
  for (const r of rows) out.set(r.nodeId, { ...(out.get(r.nodeId) ?? {}), [r.role]: Number(r.n) });
  return out;
}
