import { isCadreOf } from '../../domain/index.js';
import { rateDepartment as rate } from '../whistle-service.js';
import { trimmed, type ActionHandler } from './handler.js';

/** A department's part rated 1–5: by the holder, the whistler, or a cadre at township level or above in the line (mayRateDepartment). */
export const rateDepartment: ActionHandler<'rate_department', boolean> = {
  text: (r) => trimmed(r.comment),
  check: async (s) => ({ ok: true, value: isCadreOf(s.placements, s.chain, 'township') }),
  async apply(w, r, townshipCadre) {
    w.summonsDone(await rate(w.summonsScope(), r.department, r.rating, w.s.text, townshipCadre));
  },
};
