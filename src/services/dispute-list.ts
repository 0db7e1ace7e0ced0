// 查看清单 on an evening sweep: the open disputes under a node, sent privately to the cadre who
// pressed it. The button's node id is forgeable: the presser's place in the tree is checked here
// (mayReadNodeMatters), and each matter's words only for a cadre at its level or above.
import { randomUUID } from 'node:crypto';
import { isCadreOf, mayReadNodeMatters } from '../domain/roles.js';
import type { ServiceContext } from '../ports/context.js';
import { openDisputesUnder } from '../store/repositories/alert-repository.js';
import { ancestry, findNode } from '../store/repositories/grid-repository.js';
import { placementsOf } from '../store/repositories/people-repository.js';
import { disputeList } from './daily-alerts.js';
import { writeDeliveries } from './alert-service.js';

export type DisputeListResult = { ok: true; count: number } | { ok: false; code: 'not_found' | 'not_permitted' };

/** Sends `personId` the open disputes under the node, when they may read them. */
export async function sendDisputeList(ctx: ServiceContext, personId: string, nodeId: string): Promise<DisputeListResult> {
  const node = await findNode(ctx.db, nodeId);
  if (!node) return { ok: false, code: 'not_found' };
  const [places, line] = await Promise.all([placementsOf(ctx.db, personId), ancestry(ctx.db, node)]);
  if (!mayReadNodeMatters(places, line)) return { ok: false, code: 'not_permitted' };
  const disputes = await openDisputesUnder(ctx.db, node.path);
  const list = disputeList(disputes, (d) => isCadreOf(places, line, d.level));
  const wrote = await ctx.db.transaction((tx) =>
    writeDeliveries(tx, [{ id: randomUUID(), personId, matterId: null, template: 'open_disputes', params: { grid: node.name, count: disputes.length, ...list } }]),
  );
  if (wrote) ctx.outboxWritten();
  // Who looked, never what they read.
  ctx.logger.info({ personId, nodeId, count: disputes.length }, 'open disputes listed to a cadre');
  return { ok: true, count: disputes.length };
}
