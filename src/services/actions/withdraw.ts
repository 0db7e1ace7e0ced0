import type { ActionHandler } from './handler.js';

/** 撤回: the villager withdraws the report; the holder is told. */
export const withdraw: ActionHandler<'withdraw'> = {
  apply(w, r) {
    w.events.push({ ...w.base, action: 'withdraw', note: r.reason ?? null });
    w.tell(w.matter.assigneeId, 'withdrawn', { name: w.s.actorName, reason: r.reason ?? '' });
  },
};
