import { insertMessage } from '../../store/repositories/matter-repository.js';
import { openSummonsCount } from '../../store/repositories/summons-repository.js';
import { pendingDepartments } from '../whistle-service.js';
import { Refused, type ActionHandler } from './handler.js';
import { followUpJob, followUpPolicyOf } from '../follow-up.js';

/** 办结: the result goes to the villager; with departments summoned, only once all signed off (吹哨报到). */
export const settle: ActionHandler<'settle'> = {
  text: (r) => r.result.trim(),
  needs: 'text',
  async apply(w) {
    const { tx, matter, s } = w;
    if ((await openSummonsCount(tx, matter.id)) > 0) throw new Refused('departments_pending', await pendingDepartments(tx, matter.id));
    w.patch.feedbackAt = s.now;
    await insertMessage(tx, { matterId: matter.id, authorId: s.actorId, direction: 'out', text: s.text, createdAt: s.now });
    w.events.push({ ...w.base, action: 'settle', note: s.text.slice(0, 500) });
    w.tell(w.reporter, 'settled', { ...w.who, result: s.text });
    // 回访: looked at again in the grid's number of days (roster follow_up.days, default 3).
    w.outbox.push(followUpJob(matter.id, s.now, followUpPolicyOf(s.chain[0]).days));
  },
};
