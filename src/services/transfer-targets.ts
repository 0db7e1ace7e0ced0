// Whom a matter may be handed to: for a transfer, the staff of its grid line (its unit grid and
// the levels above, and the other unit grids of its village); for a whistle, the departments
// serving its line. performAction checks both again, with the same rules.
import { mayReceiveTransfer, STAFF_ROLES, type GridLevel } from '../domain/index.js';
import type { Executor } from '../store/db.js';
import { ancestry, findNode } from '../store/repositories/grid-repository.js';
import { childNodeIds, departmentsOnNodes, staffOnNodes, type LineStaff } from '../store/repositories/line-repository.js';
import type { MatterRow } from '../store/repositories/matter-repository.js';

/** Nearest first (the matter's own grid, its village's other grids, then upwards); at most `limit`. */
export async function transferTargets(db: Executor, matter: Pick<MatterRow, 'gridNodeId' | 'assigneeId'>, limit = 100): Promise<LineStaff[]> {
  const node = await findNode(db, matter.gridNodeId);
  if (!node) return [];
  const chain = await ancestry(db, node);
  const village = chain.find((n) => n.level === 'village');
  const siblings = village ? (await childNodeIds(db, village.id)).filter((id) => id !== node.id) : [];
  const order = [node.id, ...siblings, ...chain.slice(1).map((n) => n.id)];
  const rank = new Map(order.map((id, i) => [id, i]));
  // The nodes as the rule sees them: the line itself, and the village's other unit grids.
  const nodes = new Map<string, { id: string; level: GridLevel; parentId: string | null }>([
    ...siblings.map((id) => [id, { id, level: 'unit' as const, parentId: village!.id }] as const),
    ...chain.map((n) => [n.id, n] as const),
  ]);
  const staff = await staffOnNodes(db, order, STAFF_ROLES);
  const seen = new Set<string>();
  const fits = (s: LineStaff) => {
    const node = nodes.get(s.nodeId);
    return node !== undefined && mayReceiveTransfer({ personId: s.personId, places: [{ role: s.role, node }] }, matter, chain).ok;
  };
  return staff
    .sort((a, b) => (rank.get(a.nodeId) ?? 99) - (rank.get(b.nodeId) ?? 99))
    .filter((s) => fits(s) && !seen.has(s.personId) && seen.add(s.personId))
    .slice(0, limit);
}

/** Departments a whistle on the matter may summon (those of the township's or the county's line). */
export async function summonableDepartments(db: Executor, matter: Pick<MatterRow, 'gridNodeId'>): Promise<Array<{ id: string; code: string; name: string }>> {
  const node = await findNode(db, matter.gridNodeId);
  return node ? departmentsOnNodes(db, (await ancestry(db, node)).map((n) => n.id)) : [];
}
