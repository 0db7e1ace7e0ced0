import { climb, climbReasonKey, deadlineFor, holderAfterClimb, isAway, keepsHelping, resolveTimeLimit } from '../../domain/index.js';
import { availabilityOf } from '../../store/repositories/people-repository.js';
import { alertDeliveries } from '../alert-service.js';
import { missedLimitParams } from '../deadline-sync.js';
import type { ActionHandler } from './handler.js';
import { nodeAtLevel, responsibleAt } from './line.js';

/** 上报 by hand or by a deadline timer: the matter climbs the ladder, or stays at its top and alerts. */
export const escalate: ActionHandler<'escalate'> = {
  async apply(w, r) {
    const { tx, matter, s } = w;
    const c = climb(matter.size, matter.level);
    const alertNode = nodeAtLevel(s.chain, c.alert);
    // One reason per climb: the limit that passed (a timer), or who escalated it and why.
    const timer = r.missed ? missedLimitParams(r.missed, matter.category) : null;
    const why = { reasonKey: timer?.reasonKey ?? climbReasonKey({ kind: 'hand', by: s.actorName, note: r.reason ?? '' }), byName: s.actorName, note: r.reason ?? '' };
    const cause = s.actorId ? 'hand' : 'timer';
    const by = { by: cause, ...(r.missed ? { limit: r.missed } : {}) };
    const holder = matter.assigneeId;
    const holderNow = holder ? await availabilityOf(tx, holder) : undefined;
    w.restartClocks = true;
    if (c.to) {
      const node = nodeAtLevel(s.chain, c.to);
      const responsible = node ? await responsibleAt(tx, node) : null;
      const next = holderAfterClimb({ cause, holder, holderAway: isAway(holderNow), responsible: responsible?.personId ?? null });
      const limit = resolveTimeLimit(s.limits, { category: matter.category, size: matter.size, level: c.to });
      const dueAt = deadlineFor('settle', s.now, limit, matter.category, s.rules);
      Object.assign(w.patch, { level: c.to, supervisedAt: s.now, dueAt, assigneeId: next });
      const due = dueAt.toISOString();
      const moved = next !== holder;
      const relieved = keepsHelping({ action: 'escalate', actorId: s.actorId, previousHolder: holder, nextHolder: next }) ? holder : null;
      w.events.push({ ...w.base, action: 'escalate', levelTo: c.to, assigneeId: next, note: r.reason ?? null, data: { ...by, ...(moved && holder ? { from: holder } : {}), ...(relieved ? { relieved } : {}) } });
      if (moved && next) {
        w.holderName = responsible?.name;
        if (cause === 'timer') w.tell(next, 'escalated_away', { grid: w.grid, previous: holderNow?.name ?? '', awayKey: holderNow?.onLeave ? 'ladder:away.leave' : 'ladder:away.unreachable', dueAt: due, ...why });
        else w.tell(next, 'escalated', { grid: w.grid, from: s.actorName, reason: r.reason ?? '', dueAt: due });
        w.tell(holder, 'handed_up', { to: responsible?.name ?? '', level: c.to, ...why });
      } else w.tell(holder, 'kept_after_climb', { level: c.to, dueAt: due, ...why });
      w.tell(w.reporter, 'escalated_notice', { level: c.to });
    } else {
      w.patch.supervisedAt = s.now;
      w.events.push({ ...w.base, action: 'escalate', note: r.reason ?? null, data: { ...by, stays: true, alerted: c.alert } });
      w.tell(holder, 'kept_alerted', { level: c.alert, ...why });
    }
    // To the node's group chat or its cadres' DMs; held for the digest in quiet hours unless it cannot wait.
    if (alertNode)
      w.deliveries.push(...(await alertDeliveries(tx, { node: alertNode, template: 'escalation_alert', params: { grid: w.grid, level: c.to ?? matter.level, reason: r.reason ?? '', ...why }, matter, exclude: s.actorId, now: s.now })));
  },
};
