// Matters in conversation: 反映问题, 咨询, 我的事项 for villagers; /mine, /patrol, /leave, /back and
// the cards' buttons for officers and cadres; answers by reply-to; edits of what was filed.
import { homeOf } from '../services/registration-service.js';
import { setPersonOnLeave } from '../services/directory-service.js';
import { askFlow, startAsk } from './ask-flow.js';
import { coreModule } from './core-module.js';
import { home, status } from './desk-commands.js';
import { edited, idle, triageFlow } from './inbox.js';
import { matterButtons } from './matter-buttons.js';
import { mineFlow } from './mine-flow.js';
import { nodeButtons } from './node-buttons.js';
import { done, say, startFlow } from './next.js';
import {
  deskFlow,
  escalateFlow,
  isStaffSender,
  patrolFlow,
  replyFlow,
  setDuty,
  settleFlow,
  signOffFlow,
  rateDepartmentFlow,
  startPatrol,
  superviseFlow,
  transferFlow,
  whistleFlow,
} from './officer-flows.js';
import { reportFlow } from './report-flow.js';
import { markSizeFlow, setTopicFlow } from './size-topic-flows.js';
import { stats, statsFlow } from './stats-flow.js';
import type { Entry, FlowContext, FlowModule, Next } from './types.js';

/** Villagers' matters are theirs alone: these never run in a group. */
const privately =
  (entry: Entry): Entry =>
  (c) => {
    if (c.update.chatType === 'group') return done({ say: [say('flows:act.private_only')] });
    if (!c.sender) return coreModule.stranger ? coreModule.stranger(c) : done();
    return entry(c);
  };

/** A matter's detail and a desk show the villagers' words: never said in a group. */
const notInGroups =
  (entry: Entry): Entry =>
  (c) =>
    c.update.chatType === 'group' ? done({ say: [say('flows:act.private_only')] }) : entry(c);

/** What a person had already sent (a message the bot asked about) goes into the report. */
const keptParts = (c: FlowContext) => (Array.isArray(c.data.parts) ? { parts: c.data.parts } : {});

const report: Entry = privately((c): Next => {
  if (!homeOf(c.sender!.placements) && isStaffSender(c.sender)) return startPatrol(c);
  return startFlow('report', { data: keptParts(c) });
});

const ask: Entry = privately((c) => startAsk(c, c.update.content.kind === 'command' ? c.update.content.args : undefined));

const mine: Entry = privately((c) => (isStaffSender(c.sender) ? startFlow('desk') : startFlow('mine')));

const patrol: Entry = privately(startPatrol);

const duty =
  (onLeave: boolean): Entry =>
  (c) =>
    setDuty(c, onLeave, (personId, value) => setPersonOnLeave(c.db, personId, value));

export const matterModule: FlowModule = {
  flows: [reportFlow, askFlow, mineFlow, triageFlow, deskFlow, replyFlow, transferFlow, escalateFlow, settleFlow, superviseFlow, whistleFlow, signOffFlow, rateDepartmentFlow, patrolFlow, markSizeFlow, setTopicFlow, statsFlow],
  commands: { report, ask, mine, patrol, leave: duty(true), back: duty(false), status: notInGroups(status), stats, home: notInGroups(home) },
  menu: { report, ask, mine },
  callbacks: { mx: matterButtons, nx: nodeButtons },
  idle,
  edited,
};
