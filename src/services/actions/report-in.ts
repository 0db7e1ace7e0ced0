import { reportIn as reportInFor } from '../whistle-service.js';
import type { ActionHandler } from './handler.js';

/** 报到: a summoned department's liaison reports in. */
export const reportIn: ActionHandler<'report_in'> = {
  async apply(w, r) {
    w.summonsDone(await reportInFor(w.summonsScope(), r.department));
  },
};
