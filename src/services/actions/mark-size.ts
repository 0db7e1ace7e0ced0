import { ladderTop } from '../../domain/index.js';
import type { ActionHandler } from './handler.js';

/** 大事/小事, with the reason: the ladder's top and the limits follow (the clocks are synced after). */
export const markSize: ActionHandler<'mark_size'> = {
  text: (r) => r.reason.trim(),
  needs: 'text',
  apply(w, r) {
    const { matter, s } = w;
    w.patch.size = r.size;
    w.events.push({ ...w.base, action: 'mark_size', note: s.text.slice(0, 500), data: { size: r.size, from: matter.size, top: ladderTop(r.size) } });
    w.tell(matter.assigneeId, 'size_marked', { by: s.actorName, size: r.size, reason: s.text });
  },
};
