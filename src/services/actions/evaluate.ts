import { deadlineFor, reopenLevel, resolveTimeLimit } from '../../domain/index.js';
import type { ActionHandler } from './handler.js';
import { nodeAtLevel, responsibleAt } from './line.js';

/** 评价: the villager rates the settlement; 不满意 reopens it one level above the level that settled it. */
export const evaluate: ActionHandler<'evaluate'> = {
  async apply(w, r) {
    const { tx, matter, s } = w;
    w.patch.evaluatedAt = s.now;
    w.events.push({ ...w.base, action: 'evaluate', data: { rating: r.rating }, note: r.comment ?? null });
    if (r.rating !== 'unsatisfied') return;
    const to = reopenLevel(matter.size, matter.level);
    const node = nodeAtLevel(s.chain, to);
    const next = node ? await responsibleAt(tx, node) : null;
    const limit = resolveTimeLimit(s.limits, { category: matter.category, size: matter.size, level: to });
    const dueAt = deadlineFor('settle', s.now, limit, matter.category, s.rules);
    Object.assign(w.patch, { state: 'open', step: 'dispatch', level: to, dispatchedAt: s.now, dueAt, ...(next ? { assigneeId: next.personId } : {}) });
    w.events.push({ ...w.base, actorId: null, action: 'reopen', stepFrom: 'evaluate', stepTo: 'dispatch', levelTo: to, assigneeId: next?.personId ?? matter.assigneeId, note: r.comment ?? null });
    w.tell(next?.personId ?? matter.assigneeId, 'reopened', { grid: w.grid, comment: r.comment ?? '', dueAt: dueAt.toISOString() });
    // Whoever settled it and loses it now is told who has it.
    if (next && next.personId !== matter.assigneeId) w.tell(matter.assigneeId, 'reopened_elsewhere', { to: next.name, level: to, comment: r.comment ?? '' });
    w.notice = 'reopened';
    w.restartClocks = true;
  },
};
