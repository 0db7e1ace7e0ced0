// 大事/小事 and the topic grid (多网合一), decided from a matter's card by whoever holds it or a cadre
// above it; and the villager's words, sent privately to staff who ask from a group alert. Each is
// authorised again by performAction when it acts.
import type { Size } from '../domain/types.js';
import { openMatter } from '../services/desk-service.js';
import { topicChoices } from '../services/matter-defaults.js';
import { act } from './act.js';
import { done, goto, literal, rosterText, say, stay } from './next.js';
import type { Choice, Flow, FlowContext, FlowData, Say } from './types.js';

export interface SizeData extends FlowData {
  ref?: string;
  size?: Size;
}

type C = FlowContext<SizeData>;

const inGroup = (c: FlowContext) => c.update.chatType === 'group';

/** Ready reasons, so a cadre can mark from a group chat (whose typing never reaches the bot). */
const REASONS: Record<Size, readonly string[]> = {
  big: ['danger', 'many', 'beyond'],
  small: ['village', 'minor'],
};

async function matterOf(c: FlowContext<{ ref?: string } & FlowData>) {
  if (!c.sender || !c.data.ref) return null;
  const access = await openMatter(c.db, c.sender.person.id, c.data.ref, c.sender.placements);
  return access.ok ? access.matter : null;
}

/** 定大小事: which it is, then why; the ladder's top and the time limits follow. */
export const markSizeFlow: Flow<SizeData> = {
  name: 'mark_size',
  first: 'pick',
  timeoutMinutes: 60,
  steps: {
    pick: {
      prompt: async (c) => {
        const matter = await matterOf(c);
        return say('flows:size.pick', { ref: c.data.ref ?? '', size: matter ? c.t(`common:size.${matter.size}`) : '' });
      },
      expect: {
        choices: () => (['big', 'small'] as const).map((s) => ({ value: s, label: say(`flows:size.choose.${s}`) })),
        columns: 2,
      },
      next: (input) => (input.kind === 'choice' && (input.value === 'big' || input.value === 'small') ? goto('reason', { data: { size: input.value } }) : stay()),
    },
    reason: {
      prompt: (c) => say(inGroup(c) ? 'flows:size.reason_group' : 'flows:size.reason', { size: c.t(`common:size.${c.data.size ?? 'small'}`) }),
      expect: {
        choices: (c): Choice[] => REASONS[c.data.size ?? 'small'].map((r) => ({ value: r, label: say(`flows:size.reasons.${r}`) })),
        columns: 1,
        accepts: ['text'],
        maxChars: 500,
      },
      next: async (input, c) => {
        const size = c.data.size ?? 'small';
        const reason = input.kind === 'text' ? input.text : input.kind === 'choice' ? c.t(`flows:size.reasons.${input.value}`) : '';
        if (!reason.trim()) return stay();
        const r = await act(c, c.data.ref ?? '', { action: 'mark_size', size, reason });
        const said: Say = r.ok ? say('flows:act.done.mark_size', { ref: c.data.ref ?? '', size: c.t(`common:size.${size}`), reason }) : r.said;
        return done({ say: [said] });
      },
    },
  },
};

export interface TopicData extends FlowData {
  ref?: string;
}

/** The topic's name: the roster's, else the locale's, else its code. */
export function topicLabel(c: FlowContext, code: string, name: string | null | undefined): string {
  if (name) return name;
  const key = `common:topic.${code}`;
  const t = c.t(key);
  return t === key || t === `topic.${code}` ? code : t;
}

/** 选专题 (多网合一): one of the roster's topics. */
export const setTopicFlow: Flow<TopicData> = {
  name: 'set_topic',
  first: 'pick',
  timeoutMinutes: 60,
  steps: {
    pick: {
      prompt: async (c) => {
        const matter = await matterOf(c);
        const list = await topicChoices(c.db);
        const current = matter ? topicLabel(c, matter.topic, list.find((t) => t.code === matter.topic)?.name) : '';
        return say('flows:topic.pick', { ref: c.data.ref ?? '', topic: current });
      },
      expect: {
        choices: async (c) => (await topicChoices(c.db)).map((t) => ({ value: t.code, label: rosterText(topicLabel(c, t.code, t.name)) })),
        columns: 2,
      },
      next: async (input, c) => {
        if (input.kind !== 'choice') return stay();
        const r = await act(c, c.data.ref ?? '', { action: 'set_topic', topic: input.value });
        const name = (await topicChoices(c.db)).find((t) => t.code === input.value)?.name;
        return done({ say: [r.ok ? say('flows:act.done.set_topic', { ref: c.data.ref ?? '', topic: topicLabel(c, input.value, name) }) : r.said] });
      },
    },
  },
};
