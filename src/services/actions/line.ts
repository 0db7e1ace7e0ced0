// The matter's line of the tree, as the climbing actions need it.
import { answerableFor, CADRE_ROLES, type MatterLevel } from '../../domain/index.js';
import type { Executor } from '../../store/db.js';
import type { GridNodeRow } from '../../store/repositories/grid-repository.js';
import { staffAt } from '../../store/repositories/people-repository.js';

export interface Responsible {
  personId: string;
  name: string;
  title: string | null;
}

/** Who answers for a level: its grid leader, else a cadre; never someone on leave. */
export async function responsibleAt(db: Executor, node: GridNodeRow): Promise<Responsible | null> {
  const [head] = answerableFor(await staffAt(db, node.id, CADRE_ROLES), { onDutyOnly: true });
  return head ? { personId: head.personId, name: head.name, title: head.title } : null;
}

export const nodeAtLevel = (chain: readonly GridNodeRow[], level: MatterLevel): GridNodeRow | undefined => chain.find((n) => n.level === level);
