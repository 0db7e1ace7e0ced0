// Picks the officer for a received matter and tells them, the villager, and (when nobody can
// take it) the village cadres. Idempotent: a matter already routed is left as it is.
import { chooseAssignee, dueAt, resolveTimeLimit, transition, type RoutingCandidate } from '../domain/index.js';
import type { JobOutcome } from '../queue/jobs.js';
import { createDeliveries, type NewDelivery } from '../store/repositories/delivery-repository.js';
import { findNode } from '../store/repositories/grid-repository.js';
import { appendEvents, lockMatter, openMatterCounts, updateMatter } from '../store/repositories/matter-repository.js';
import { enqueue } from '../store/repositories/outbox-repository.js';
import { staffAt } from '../store/repositories/people-repository.js';
import type { ServiceContext } from './context.js';
import { policies } from './intake-service.js';

export async function routeMatter(ctx: ServiceContext, matterId: string): Promise<JobOutcome> {
  const limits = await policies(ctx.db);
  const outcome = await ctx.db.transaction(async (tx): Promise<JobOutcome> => {
    const matter = await lockMatter(tx, matterId);
    if (!matter) return { outcome: 'missing' };
    if (matter.step !== 'accept' || matter.state !== 'open') return { outcome: 'already_routed', step: matter.step };

    const unit = await findNode(tx, matter.gridNodeId);
    if (!unit) return { outcome: 'missing_grid' };
    const village = unit.parentId ? await findNode(tx, unit.parentId) : undefined;
    const officers = await staffAt(tx, unit.id, ['officer_full', 'officer_part']);
    const leaders = village ? await staffAt(tx, village.id, ['grid_leader']) : [];
    const staff = [...officers, ...leaders];
    const counts = await openMatterCounts(tx, [...new Set(staff.map((s) => s.personId))]);
    const candidates: RoutingCandidate[] = staff.map((s) => ({
      personId: s.personId,
      name: s.name,
      role: s.role as RoutingCandidate['role'],
      onLeave: s.onLeave,
      reachable: s.reachable,
      openMatters: counts.get(s.personId) ?? 0,
    }));
    const decision = chooseAssignee(candidates);
    const now = ctx.now();
    const explanation = { rule: decision.rule, considered: decision.considered };
    const deliveries: NewDelivery[] = [];

    if (!decision.assigneeId) {
      // Nobody on duty: the matter waits at the village and its cadres are told at once.
      await updateMatter(tx, matter.id, { level: 'village' });
      await appendEvents(tx, [
        { matterId: matter.id, at: now, action: 'route_failed', stepFrom: matter.step, stepTo: matter.step, levelFrom: matter.level, levelTo: 'village', data: explanation },
      ]);
      const cadres = village ? await staffAt(tx, village.id, ['grid_leader', 'cadre']) : [];
      for (const c of cadres) {
        deliveries.push({ personId: c.personId, matterId: matter.id, template: 'unassigned', params: { ref: matter.ref, category: matter.category, grid: unit.name, summary: matter.summary } });
      }
    } else {
      const next = transition(matter, 'route', ['system']);
      const chosen = staff.find((s) => s.personId === decision.assigneeId)!;
      const limit = resolveTimeLimit(limits, { category: matter.category, size: matter.size, level: decision.level });
      const due = dueAt(matter.createdAt, limit.settleMinutes);
      await updateMatter(tx, matter.id, {
        step: next.step,
        state: next.state,
        level: decision.level,
        assigneeId: decision.assigneeId,
        firstAssigneeId: matter.firstAssigneeId ?? decision.assigneeId,
        dispatchedAt: now,
        dueAt: due,
      });
      await appendEvents(tx, [
        {
          matterId: matter.id,
          at: now,
          action: 'route',
          stepFrom: matter.step,
          stepTo: next.step,
          levelFrom: matter.level,
          levelTo: decision.level,
          assigneeId: decision.assigneeId,
          data: explanation,
        },
      ]);
      const title = chosen.title ?? '';
      deliveries.push({
        personId: decision.assigneeId,
        matterId: matter.id,
        template: 'assigned',
        params: { ref: matter.ref, category: matter.category, grid: unit.name, summary: matter.summary, dueAt: due.toISOString(), rule: decision.rule },
      });
      const told = matter.reporterId ?? matter.recordedById;
      if (told && told !== decision.assigneeId) {
        deliveries.push({
          personId: told,
          matterId: matter.id,
          template: 'routed',
          params: { ref: matter.ref, assignee: chosen.name, title, dueAt: due.toISOString() },
        });
      }
    }
    const ids = await createDeliveries(tx, deliveries);
    await enqueue(tx, ids.map((id) => ({ queue: 'notify', job: 'notify', payload: { deliveryId: id } })));
    return { outcome: decision.assigneeId ? 'routed' : 'unassigned', assigneeId: decision.assigneeId, rule: decision.rule };
  });
  if (outcome.outcome === 'routed' || outcome.outcome === 'unassigned') ctx.outboxWritten();
  return outcome;
}
