// Buttons on notifications (`mx:<action>:<ref>[:arg]`): accept, reply, transfer, escalate,
// whistle, settle, take over, supervise, report in, sign off, rate. Button data is forgeable: each
// press is authorised against the presser's place in the tree before anything is asked, and again
// by performAction when it acts. A refusal is a short notice on the button, nothing more.
import type { Action } from '../domain/index.js';
import { openMatter } from '../services/desk-service.js';
import { answerFollowUp } from '../services/follow-up-answer.js';
import { parseActionData, RATINGS, type Rating } from '../services/matter-actions.js';
import { act, failureWords, precheck } from './act.js';
import { cardAfter } from './card-buttons.js';
import { done, say, startFlow } from './next.js';
import { ACTION_FLOWS, settleRefusal, takeOver } from './officer-flows.js';
import type { CallbackHandler, FlowContext, Next, PressedEdit, Say } from './types.js';

type Answer = { notice?: Say; next?: Next; edit?: PressedEdit };

/** Actions that need a text or a choice and cannot be finished in a group (its chatter never reaches us). */
const PRIVATE_ONLY = new Set(['reply', 'settle', 'add_info', 'withdraw']);
/** A villager's own buttons, answered in 我的事项. */
const VILLAGER_STEPS: Partial<Record<string, string>> = { add_info: 'add', withdraw: 'withdraw' };

export const matterButtons: CallbackHandler = async (data, c) => {
  const parsed = parseActionData(data);
  if (!parsed || !c.sender) return { notice: say('flows:act.failed.not_found') };
  const { action, ref, arg } = parsed;
  const group = c.update.chatType === 'group';

  switch (action) {
    case 'take':
      return pressed(c, ref, 'take', () => act(c, ref, { action: 'take' }));
    case 'takeover': {
      const check = await precheck(c, ref, 'transfer');
      if (!check.ok) return { notice: failureWords(c, check) };
      return pressed(c, ref, 'takeover', () => takeOver(c, ref));
    }
    case 'report_in':
      // Reported in, the department's remaining button is its sign-off.
      return pressed(c, ref, 'report_in', () => act(c, ref, { action: 'report_in', ...(arg ? { department: arg } : {}) }), { actions: ['sign_off'], arg });
    case 'urge':
      return { notice: (await act(c, ref, { action: 'urge' })).said };
    case 'evaluate':
      return rate(c, ref, arg);
    case 'follow_up':
      return followUp(c, ref, arg);
    case 'open':
      // A matter's detail shows the villager's words: in a private chat only.
      return group ? { notice: say('flows:act.private_only') } : open(c, ref);
    case 'view':
      // The words go to the presser privately (a group never sees them); performAction authorises it.
      return { notice: (await act(c, ref, { action: 'view' })).said };
    default:
      break;
  }

  const villagerStep = VILLAGER_STEPS[action];
  const flow = villagerStep ? 'mine' : ACTION_FLOWS[action];
  if (!flow) return { notice: say('flows:common.stale') };
  const check = await precheck(c, ref, action as Action);
  if (!check.ok) return { notice: failureWords(c, check) };
  // 吹哨报到: refused before the holder writes a word while a summoned department has not signed off.
  if (action === 'settle') {
    const refused = await settleRefusal(c, check.matter.id, ref);
    if (refused) return { notice: refused, next: done({ say: [refused] }) };
  }
  if (group && PRIVATE_ONLY.has(action)) return { notice: say('flows:act.private_only') };
  if (villagerStep) return { next: startFlow('mine', { step: villagerStep, data: { ref, parts: [] } }) };
  return { next: startFlow(flow, { data: { ref, ...(arg ? { dept: arg } : {}) } }) };
};

/** An action taken at once: the notice on the button, and the card marked (its buttons renewed). */
async function pressed(c: FlowContext, ref: string, what: string, run: () => Promise<{ ok: boolean; said: Say }>, keep?: { actions: string[]; arg?: string }): Promise<Answer> {
  const r = await run();
  if (!r.ok) return { notice: r.said };
  const status = c.t(`flows:card.${what}`, { name: c.sender?.person.name ?? '' });
  const after = c.sender ? await openMatter(c.db, c.sender.person.id, ref, c.sender.placements) : null;
  const edit = cardAfter(c, status, after?.ok ? { ...after, ...keep } : undefined);
  // In a group everyone sees who took it; in a private chat the card says so.
  return c.update.chatType === 'group' ? { notice: r.said, next: done({ say: [say('flows:card.group_note', { status, ref })] }) } : { notice: r.said, ...(edit ? { edit } : {}) };
}

/** 满意 / 基本满意 at once; 不满意 asks what is wrong first (and reopens it above). */
async function rate(c: FlowContext, ref: string, arg: string | undefined): Promise<Answer> {
  if (!arg || !(RATINGS as readonly string[]).includes(arg)) return { notice: say('flows:common.stale') };
  const rating = arg as Rating;
  const check = await precheck(c, ref, 'evaluate');
  if (!check.ok) return { notice: failureWords(c, check) };
  if (rating === 'unsatisfied') return { next: startFlow('mine', { step: 'rate_comment', data: { ref } }) };
  const r = await act(c, ref, { action: 'evaluate', rating });
  if (!r.ok) return { notice: r.said };
  const edit = cardAfter(c, c.t(`flows:rate.${rating}`));
  return { ...(edit ? { edit } : {}), next: done({ say: [r.said], menu: true }) };
}

/**
 * 回访: the villager says how it is now. Only the person asked may answer, once: anyone else, or
 * forged data, gets the stale-button words; a second press is thanked and changes nothing.
 */
async function followUp(c: FlowContext, ref: string, arg: string | undefined): Promise<Answer> {
  if (!c.sender || !arg) return { notice: say('flows:common.stale') };
  const r = await answerFollowUp(c.svc, { personId: c.sender.person.id, ref, answer: arg, eventId: c.update.eventId });
  if (!r.ok) return { notice: say(r.code === 'answered' ? 'flows:follow_up.answered' : 'flows:common.stale') };
  // 还没解决 that reopened it is told as a 不满意 rating is.
  const words =
    r.answer === 'unsolved' && r.reopened
      ? say('flows:act.done.evaluate_unsatisfied', { ref: r.ref, level: c.t(`notify:level_names.${r.level}`) })
      : say(r.answer === 'unsolved' ? 'flows:follow_up.thanks_unsolved_alerted' : `flows:follow_up.thanks_${r.answer}`, { ref: r.ref });
  const edit = cardAfter(c, c.t(`notify:follow_up_answer.${r.answer}`));
  return { ...(edit ? { edit } : {}), next: done({ say: [words], menu: true }) };
}

/** A matter's detail, for whoever has a part in it. */
async function open(c: FlowContext, ref: string): Promise<Answer> {
  if (!c.sender) return { notice: say('flows:act.failed.not_found') };
  const access = await openMatter(c.db, c.sender.person.id, ref, c.sender.placements);
  if (!access.ok) return { notice: failureWords(c, access) };
  const staff = access.relations.some((r) => r !== 'reporter');
  return { next: startFlow(staff ? 'desk' : 'mine', { step: 'detail', data: { ref: access.matter.ref } }) };
}
