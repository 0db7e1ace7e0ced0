import type { ActionHandler } from './handler.js';

/** 督办: a cadre above presses whoever holds the matter, with their words when there are any. */
export const supervise: ActionHandler<'supervise'> = {
  apply(w, r) {
    const { now, actorName, title } = w.s;
    w.patch.supervised = true;
    w.patch.supervisedAt = now;
    w.events.push({ ...w.base, action: 'supervise', note: r.note ?? null });
    w.tell(w.matter.assigneeId, r.note?.trim() ? 'supervised' : 'supervised_plain', { by: actorName, assignee: actorName, title, note: r.note ?? '' });
  },
};
