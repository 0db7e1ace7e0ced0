// 咨询: a question in the villager's words is matched against the roster's FAQ. An answer comes
// with "did this help?"; "no" (or no answer at all) passes the question to the grid officer as a
// consultation matter, so nobody is left with a machine's guess.
import { homeOf } from '../domain/roles.js';
import type { Attachment } from '../domain/types.js';
import { askFaq, faqAnswerBecameMatter, faqEntry, noteFaqAnswered } from '../services/faq-service.js';
import { intake } from '../services/intake-service.js';
import { done, goto, literal, rosterText, say, startFlow, stay } from './next.js';
import type { Choice, Expect, Flow, FlowContext, FlowData, Next } from './types.js';

export interface AskData extends FlowData {
  question?: string;
  /** A question asked by voice: it cannot be matched, only passed on. */
  voice?: Attachment;
  /** Entries offered to choose from. */
  codes?: string[];
  /** The entry whose answer was shown. */
  code?: string;
  /** The record of that answer (答疑), marked if the question still goes to the officer. */
  answerId?: string;
}

type C = FlowContext<AskData>;

const NONE = 'none';
const MAX_QUESTION = 500;

/** Yes or no as buttons, one a row; another question may be typed instead. */
function yesNo(yes: string, no: string): Expect<AskData> {
  return {
    choices: () => [
      { value: 'yes', label: say(yes) },
      { value: 'no', label: say(no) },
    ],
    columns: 1,
    accepts: ['text'],
    maxChars: MAX_QUESTION,
  };
}

/** Where a question leads: straight to an answer, to a choice of likely ones, or to the officer. */
async function placeOf(c: FlowContext, question: string): Promise<{ step: string; data: AskData }> {
  const verdict = await askFaq(c.db, question);
  const data: AskData = { question, voice: undefined, code: undefined, codes: undefined, answerId: undefined };
  if (verdict.kind === 'answer') return { step: 'answered', data: { ...data, ...(await answered(c, verdict.match.entry.code)) } };
  if (verdict.kind === 'choose') return { step: 'pick', data: { ...data, codes: verdict.matches.map((m) => m.entry.code) } };
  return { step: 'forward', data };
}

/** An answer is about to be shown: counted (答疑) at the asker's unit grid. */
async function answered(c: FlowContext, code: string): Promise<AskData> {
  const answerId = await noteFaqAnswered(c.db, { gridNodeId: homeOf(c.sender?.placements ?? [])?.node.id ?? null, code, at: c.now });
  return { code, answerId };
}

async function answerOrOffer(c: C, question: string): Promise<Next> {
  const { step, data } = await placeOf(c, question);
  return goto(step, { data });
}

/** The question becomes a consultation matter for the grid officer. */
async function forward(c: C): Promise<Next> {
  const question = c.data.question ?? '';
  const shown = c.data.code ? await faqEntry(c.db, c.data.code) : undefined;
  const text = shown ? c.t('flows:ask.consult_text', { question, faq: shown.question }) : question;
  const result = await intake(c.svc, {
    eventId: c.update.eventId,
    platform: c.update.platform,
    externalUserId: c.update.userId,
    kind: 'report',
    category: 'consult',
    text,
    attachments: c.data.voice ? [c.data.voice] : [],
    receivedAt: c.now.toISOString(),
  }, { sender: c.sender });
  if (result.status === 'rejected') return done({ say: [say(`intake:rejected.${result.reason}`)], menu: true });
  // The answer shown did not settle it: the question is a matter now, not an answer of the FAQ.
  if (c.data.answerId) await faqAnswerBecameMatter(c.db, c.data.answerId, result.matter.id);
  // 四个一: the one receipt (reference, the officer who will answer, by when) comes once routing is done.
  return done();
}

export const askFlow: Flow<AskData> = {
  name: 'ask',
  first: 'question',
  timeoutMinutes: 60,
  steps: {
    question: {
      prompt: () => say('flows:ask.question'),
      expect: { accepts: ['text', 'voice'], maxChars: MAX_QUESTION },
      next: (input, c) => {
        if (input.kind === 'voice') return goto('forward', { data: { question: '', voice: input.attachment } });
        if (input.kind !== 'text') return stay();
        return answerOrOffer(c, input.text);
      },
    },

    pick: {
      prompt: () => say('flows:ask.pick'),
      expect: {
        choices: async (c): Promise<Choice[]> => {
          const out: Choice[] = [];
          for (const code of c.data.codes ?? []) {
            const e = await faqEntry(c.db, code);
            if (e) out.push({ value: code, label: rosterText(e.question) });
          }
          out.push({ value: NONE, label: say('flows:ask.none_of_these') });
          return out;
        },
        columns: 1,
        accepts: ['text'],
        maxChars: MAX_QUESTION,
      },
      next: async (input, c) => {
        if (input.kind === 'text') return answerOrOffer(c, input.text);
        if (input.kind !== 'choice') return stay();
        if (input.value === NONE) return goto('forward');
        // Button data is the client's: only an entry that exists is shown (and counted).
        if (!(await faqEntry(c.db, input.value))) return stay();
        return goto('answered', { data: await answered(c, input.value) });
      },
    },

    answered: {
      prompt: async (c) => {
        const e = c.data.code ? await faqEntry(c.db, c.data.code) : undefined;
        if (!e) return say('flows:ask.gone');
        return [say('flows:ask.answer', { faq: e.question, answer: e.answer }), say('flows:ask.helpful')];
      },
      expect: yesNo('flows:ask.yes', 'flows:ask.no'),
      next: (input, c) => {
        // Another question typed straight away.
        if (input.kind === 'text') return answerOrOffer(c, input.text);
        if (input.kind !== 'choice') return stay();
        return input.value === 'yes' ? done({ say: [say('flows:ask.glad')], menu: true }) : forward(c);
      },
    },

    forward: {
      prompt: (c) => say(c.data.voice ? 'flows:ask.forward_voice' : c.data.code ? 'flows:ask.forward_after' : 'flows:ask.forward'),
      expect: yesNo('flows:ask.forward_yes', 'flows:ask.forward_no'),
      next: (input, c) => {
        if (input.kind === 'text') return answerOrOffer(c, input.text);
        if (input.kind !== 'choice') return stay();
        return input.value === 'yes' ? forward(c) : done({ say: [say('flows:ask.fine')], menu: true });
      },
    },
  },
};

/** Starts 咨询, with a question already typed (a message sent outside any flow) or by asking for one. */
export async function startAsk(c: FlowContext, question?: string): Promise<Next> {
  if (!question?.trim()) return startFlow('ask');
  const { step, data } = await placeOf(c, question.trim().slice(0, MAX_QUESTION));
  return startFlow('ask', { step, data });
}
