import { insertMessage } from '../../store/repositories/matter-repository.js';
import { trimmed, type ActionHandler } from './handler.js';

/** An internal note: staff only, nobody told, the card unchanged. */
export const note: ActionHandler<'note'> = {
  text: (r) => trimmed(r.text),
  needs: 'text',
  keepsCard: true,
  async apply(w) {
    const { now, text } = w.s;
    await insertMessage(w.tx, { matterId: w.matter.id, authorId: w.s.actorId, direction: 'internal', text, createdAt: now });
    w.events.push({ ...w.base, action: 'note', note: text.slice(0, 500) });
  },
};
