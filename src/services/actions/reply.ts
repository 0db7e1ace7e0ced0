import { insertMessage } from '../../store/repositories/matter-repository.js';
import { trimmed, type ActionHandler } from './handler.js';

/** 回复: words or files to the villager; from dispatch it takes the matter too. */
export const reply: ActionHandler<'reply'> = {
  text: (r) => trimmed(r.text),
  needs: 'text_or_files',
  async apply(w, r) {
    const { now, text } = w.s;
    if (!w.matter.handledAt) w.patch.handledAt = now;
    w.patch.trackedAt = now;
    await insertMessage(w.tx, { matterId: w.matter.id, authorId: w.s.actorId, direction: 'out', text: text || null, attachments: r.attachments ?? [], createdAt: now });
    w.events.push({ ...w.base, action: 'reply', note: text.slice(0, 500) || null });
    w.tell(w.reporter, 'reply', { ...w.who, text, attachments: r.attachments ?? [] });
  },
};
