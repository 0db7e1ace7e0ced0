import { deadlineFor, keepsHelping, mayReceiveTransfer, resolveTimeLimit } from '../../domain/index.js';
import { findPerson, placementsOf } from '../../store/repositories/people-repository.js';
import type { ActionHandler } from './handler.js';
import type { Responsible } from './line.js';

/** 转办: to someone who may receive it (mayReceiveTransfer); the settle clock starts again. */
export const transfer: ActionHandler<'transfer', Responsible> = {
  async check(s, r) {
    const fit = mayReceiveTransfer({ personId: r.toPersonId, places: await placementsOf(s.db, r.toPersonId) }, s.matter, s.chain);
    const person = fit.ok ? await findPerson(s.db, r.toPersonId) : undefined;
    if (!fit.ok || !person) return { ok: false, code: 'invalid_target' };
    return { ok: true, value: { personId: person.id, name: person.name, title: fit.place.title } };
  },
  apply(w, r, t) {
    const { matter, s } = w;
    const limit = resolveTimeLimit(s.limits, matter);
    const dueAt = deadlineFor('settle', s.now, limit, matter.category, s.rules);
    Object.assign(w.patch, { assigneeId: t.personId, dispatchedAt: s.now, dueAt });
    w.restartClocks = true;
    // Whoever loses it is told by name; relieved by someone else, they keep helping on it.
    const relieved = keepsHelping({ action: 'transfer', actorId: s.actorId, previousHolder: matter.assigneeId, nextHolder: t.personId }) ? matter.assigneeId : null;
    w.events.push({ ...w.base, action: 'transfer', assigneeId: t.personId, note: r.reason ?? null, ...(relieved ? { data: { relieved } } : {}) });
    w.tell(matter.assigneeId, t.personId === s.actorId ? 'taken_over' : 'transferred_away', { to: t.name, byName: s.actorName });
    w.tell(t.personId, 'assigned', { grid: w.grid, dueAt: dueAt.toISOString(), from: s.actorName, reason: r.reason ?? '' });
    w.tell(w.reporter, 'routed', { assignee: t.name, title: t.title ?? '', dueAt: dueAt.toISOString() });
  },
};
