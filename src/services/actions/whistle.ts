import type { DepartmentRow } from '../../store/repositories/summons-repository.js';
import { resolveSummonable, whistle as summon } from '../whistle-service.js';
import type { ActionHandler } from './handler.js';

/** 吹哨: departments of the line are summoned to report in. */
export const whistle: ActionHandler<'whistle', DepartmentRow[]> = {
  text: (r) => r.reason.trim(),
  needs: 'text',
  async check(s, r) {
    const depts = await resolveSummonable(s.db, r.departments, s.chain);
    return depts ? { ok: true, value: depts } : { ok: false, code: 'invalid_target' };
  },
  async apply(w, _r, depts) {
    w.summonsDone(await summon(w.summonsScope(), depts, w.s.text));
  },
};
