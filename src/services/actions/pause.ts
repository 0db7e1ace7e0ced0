import { insertMessage } from '../../store/repositories/matter-repository.js';
import { trimmed, type ActionHandler } from './handler.js';

/** 等村民答复: the clocks stop (performAction's pauseFor); the question counts as the officer's reply. */
export const pause: ActionHandler<'pause'> = {
  text: (r) => trimmed(r.text),
  async apply(w) {
    const { now, text } = w.s;
    if (!text) return;
    if (!w.matter.handledAt) w.patch.handledAt = now;
    w.patch.trackedAt = now;
    await insertMessage(w.tx, { matterId: w.matter.id, authorId: w.s.actorId, direction: 'out', text, createdAt: now });
    w.tell(w.reporter, 'paused', { ...w.who, text });
  },
};

