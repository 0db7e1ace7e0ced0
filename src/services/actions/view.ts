import { randomUUID } from 'node:crypto';
import { messagesOf } from '../../store/repositories/matter-repository.js';
import type { ActionHandler } from './handler.js';

const WORDS_SHOWN = 1500;

/** The villager's words, sent to the staff member who asked, privately; the log says who looked. */
export const view: ActionHandler<'view'> = {
  keepsCard: true,
  async apply(w) {
    const { tx, matter, s } = w;
    const said = (await messagesOf(tx, matter.id)).filter((m) => m.direction === 'in');
    const words = said.map((m) => m.text ?? '').filter(Boolean).join('\n');
    w.events.push({ ...w.base, action: 'view' });
    if (!s.actorId) return;
    const text = [...words].length > WORDS_SHOWN ? `${[...words].slice(0, WORDS_SHOWN - 1).join('')}…` : words || matter.summary;
    // Not through tell: the asker is the actor, and this goes to them.
    w.deliveries.push({ id: randomUUID(), personId: s.actorId, matterId: matter.id, template: 'matter_words', params: { ref: matter.ref, category: matter.category, grid: w.grid, text } });
  },
};
