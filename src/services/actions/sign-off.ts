import { signOff as signOffFor } from '../whistle-service.js';
import { trimmed, type ActionHandler } from './handler.js';

/** A summoned department's liaison signs its part off. */
export const signOff: ActionHandler<'sign_off'> = {
  text: (r) => trimmed(r.note),
  async apply(w, r) {
    w.summonsDone(await signOffFor(w.summonsScope(), r.department, w.s.text));
  },
};
