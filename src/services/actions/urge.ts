import { mayUrge, resolveTimeLimit } from '../../domain/index.js';
import { lastEventAt } from '../../store/repositories/matter-repository.js';
import type { ActionHandler } from './handler.js';

/** 催办: at most once per reply period (mayUrge); the holder is told. */
export const urge: ActionHandler<'urge'> = {
  async check(s) {
    const limit = resolveTimeLimit(s.limits, s.matter);
    const may = mayUrge(await lastEventAt(s.db, s.matter.id, 'urge'), s.now, limit.replyMinutes);
    return may.ok ? { ok: true, value: undefined } : { ok: false, code: 'too_soon', retryAt: may.retryAt };
  },
  apply(w) {
    w.events.push({ ...w.base, action: 'urge' });
    w.tell(w.matter.assigneeId, 'urged', { name: w.s.actorName });
  },
};
