// How a person stands to a matter (reporter, holder, officer of its grid, cadre above, summoned
// liaison, helper), worked out from the store: what every action and every card is decided on.
import { isCadreOf, isOfficerOf, type Relation } from '../domain/index.js';
import type { Executor } from '../store/db.js';
import { relievedOn } from '../store/repositories/desk-repository.js';
import { ancestry, findNode, type GridNodeRow } from '../store/repositories/grid-repository.js';
import type { MatterRow } from '../store/repositories/matter-repository.js';
import { placementsOf, type Placement } from '../store/repositories/people-repository.js';
import { liaisonDepartmentsOn } from '../store/repositories/summons-repository.js';

/** How the person stands to the matter, from their roles in the tree. */
export async function relationsOf(db: Executor, personId: string, matter: MatterRow, placements?: Placement[], chain?: GridNodeRow[]): Promise<Relation[]> {
  const rel: Relation[] = [];
  if (matter.reporterId === personId) rel.push('reporter');
  if (matter.recordedById === personId) rel.push('recorder');
  if (matter.assigneeId === personId) rel.push('assignee');
  const places = placements ?? (await placementsOf(db, personId));
  if (!places.length) return rel;
  const line = chain ?? (await ancestryOf(db, matter.gridNodeId));
  if (isOfficerOf(places, matter.gridNodeId)) rel.push('grid_officer');
  // A cadre at the matter's level or above, in its line of the tree.
  if (isCadreOf(places, line, matter.level)) rel.push('cadre_above');
  // The liaison of a department summoned on this matter (吹哨报到).
  if (places.some((p) => p.role === 'liaison') && (await liaisonDepartmentsOn(db, personId, matter.id)).length) rel.push('liaison');
  if (!rel.some((r) => r !== 'reporter' && r !== 'recorder') && (await relievedOn(db, personId, matter.id))) rel.push('helper');
  return rel;
}

/** The grid node and every node above it, nearest first; none when the node is gone. */
export async function ancestryOf(db: Executor, nodeId: string): Promise<GridNodeRow[]> {
  const node = await findNode(db, nodeId);
  return node ? ancestry(db, node) : [];
}
