// One handler per action a person (or a deadline timer) takes on a matter.
import type { ActionName } from '../../domain/index.js';
import { addInfo } from './add-info.js';
import { escalate } from './escalate.js';
import { evaluate } from './evaluate.js';
import type { ActionHandler } from './handler.js';
import { markSize } from './mark-size.js';
import { note } from './note.js';
import { pause } from './pause.js';
import { rateDepartment } from './rate-department.js';
import { reply } from './reply.js';
import { reportIn } from './report-in.js';
import { resume } from './resume.js';
import { setTopic } from './set-topic.js';
import { settle } from './settle.js';
import { signOff } from './sign-off.js';
import { supervise } from './supervise.js';
import { take } from './take.js';
import { transfer } from './transfer.js';
import { urge } from './urge.js';
import { view } from './view.js';
import { whistle } from './whistle.js';
import { withdraw } from './withdraw.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const ACTION_HANDLERS: { readonly [A in ActionName]: ActionHandler<A, any> } = {
  take,
  reply,
  add_info: addInfo,
  note,
  transfer,
  escalate,
  supervise,
  settle,
  evaluate,
  withdraw,
  urge,
  pause,
  resume,
  whistle,
  report_in: reportIn,
  sign_off: signOff,
  rate_department: rateDepartment,
  mark_size: markSize,
  set_topic: setTopic,
  view,
};
