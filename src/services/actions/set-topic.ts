import { topicChoices } from '../matter-defaults.js';
import type { ActionHandler } from './handler.js';

/** The topic grid (多网合一): a code from the roster's topic list. */
export const setTopic: ActionHandler<'set_topic', string | null> = {
  async check(s, r) {
    const topic = (await topicChoices(s.db)).find((t) => t.code === r.topic);
    return topic ? { ok: true, value: topic.name } : { ok: false, code: 'invalid_target' };
  },
  apply(w, r, name) {
    w.patch.topic = r.topic;
    w.events.push({ ...w.base, action: 'set_topic', data: { topic: r.topic, from: w.matter.topic, ...(name ? { name } : {}) } });
  },
};
