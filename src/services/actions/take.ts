import type { ActionHandler } from './handler.js';

/** 接单: the holder takes the matter up; the villager is told who handles it. */
export const take: ActionHandler<'take'> = {
  apply(w) {
    w.patch.handledAt = w.s.now;
    w.events.push({ ...w.base, action: 'take' });
    w.tell(w.reporter, 'taken', w.who);
  },
};
