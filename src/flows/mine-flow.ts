// 我的事项 for a villager: the matters they reported, each with where it stands and its timeline;
// add more to one, urge it (催办), withdraw it, rate it once settled. Only their own matters are
// listed, and every press is checked against the store again.
import type { Rating } from '../services/matter-actions.js';
import { audienceOf, openMatter, reportedMatters } from '../services/desk-service.js';
import { act } from './act.js';
import { composeSteps } from './compose.js';
import type { DraftPart } from './draft.js';
import { matterDetail } from './matter-detail.js';
import { matterButton, matterLine } from './matter-words.js';
import { done, goto, literal, say, stay } from './next.js';
import type { Choice, Flow, FlowContext, FlowData, Next, Say } from './types.js';

export interface MineData extends FlowData {
  ref?: string;
  parts?: DraftPart[];
}

type C = FlowContext<MineData>;

const LISTED = 10;

export async function listPrompt(c: FlowContext): Promise<Say[]> {
  const list = c.sender ? await reportedMatters(c.db, c.sender.person.id) : [];
  if (!list.length) return [say('flows:mine.none')];
  return [say('flows:mine.title', { count: list.length }), literal(list.slice(0, LISTED).map((m) => matterLine(c, m)).join('\n'))];
}

async function detailChoices(c: C): Promise<Choice[]> {
  const back: Choice = { value: 'back', label: say('flows:mine.back') };
  if (!c.sender || !c.data.ref) return [back];
  const access = await openMatter(c.db, c.sender.person.id, c.data.ref, c.sender.placements);
  if (!access.ok || !access.relations.includes('reporter')) return [back];
  const m = access.matter;
  const out: Choice[] = [];
  if (m.state === 'open') {
    out.push({ value: 'add', label: say('flows:mine.add') }, { value: 'urge', label: say('flows:mine.urge') });
  }
  if (m.state === 'settled' && m.step === 'feedback') {
    for (const r of ['satisfied', 'basically_satisfied', 'unsatisfied'] as const) out.push({ value: `rate_${r}`, label: say(`flows:rate.${r}`) });
  }
  if (m.state === 'open' || m.state === 'settled') out.push({ value: 'withdraw', label: say('flows:mine.withdraw') });
  out.push(back);
  return out;
}

/** 不满意: asks what is wrong, then reopens it one level up (performAction does the reopening). */
export async function rateUnsatisfied(c: C, comment: string | undefined): Promise<Next> {
  const r = await act(c, c.data.ref ?? '', { action: 'evaluate', rating: 'unsatisfied', ...(comment ? { comment } : {}) });
  return done({ say: [r.said], menu: true });
}

export const mineFlow: Flow<MineData> = {
  name: 'mine',
  first: 'list',
  timeoutMinutes: 60,
  steps: {
    list: {
      prompt: listPrompt,
      expect: {
        choices: async (c) => {
          const list = c.sender ? await reportedMatters(c.db, c.sender.person.id) : [];
          return list.map((m) => ({ value: m.ref, label: literal(matterButton(c, m)) }));
        },
        columns: 1,
      },
      next: (input) => (input.kind === 'choice' ? goto('detail', { data: { ref: input.value } }) : stay()),
    },

    detail: {
      prompt: async (c) => {
        if (!c.sender || !c.data.ref) return say('flows:act.failed.not_found');
        const access = await openMatter(c.db, c.sender.person.id, c.data.ref, c.sender.placements);
        if (!access.ok || !audienceOf(access.relations)) return say('flows:act.failed.not_found');
        return matterDetail(c, access.matter, 'resident');
      },
      expect: { choices: detailChoices, columns: 2 },
      next: async (input, c) => {
        if (input.kind !== 'choice') return stay();
        const ref = c.data.ref ?? '';
        switch (input.value) {
          case 'back':
            return goto('list', { data: { ref: undefined } });
          case 'add':
            return goto('add', { data: { parts: [] } });
          case 'withdraw':
            return goto('withdraw');
          case 'urge': {
            const r = await act(c, ref, { action: 'urge' });
            return stay({ say: [r.said], quiet: true });
          }
          case 'rate_unsatisfied':
            return goto('rate_comment');
          case 'rate_satisfied':
          case 'rate_basically_satisfied': {
            const r = await act(c, ref, { action: 'evaluate', rating: input.value.slice(5) as Rating });
            return done({ say: [r.said], menu: true });
          }
          default:
            return stay();
        }
      },
    },

    ...composeSteps<MineData>({ write: 'add', more: 'add_more', writePrompt: 'flows:mine.add_prompt', morePrompt: 'flows:mine.add_more', action: 'add_info', menu: true }),

    withdraw: {
      prompt: (c) => say('flows:mine.withdraw_confirm', { ref: c.data.ref ?? '' }),
      expect: {
        choices: () => [
          { value: 'yes', label: say('flows:mine.withdraw_yes') },
          { value: 'no', label: say('flows:mine.withdraw_no') },
        ],
        columns: 1,
      },
      next: async (input, c) => {
        if (input.kind !== 'choice') return stay();
        if (input.value !== 'yes') return goto('detail');
        const r = await act(c, c.data.ref ?? '', { action: 'withdraw' });
        return done({ say: [r.said], menu: true });
      },
    },

    rate_comment: {
      prompt: (c) => say('flows:rate.ask_comment', { ref: c.data.ref ?? '' }),
      expect: { accepts: ['text'], skippable: true, maxChars: 1000 },
      next: (input, c) => rateUnsatisfied(c, input.kind === 'text' ? input.text : undefined),
    },
  },
};
