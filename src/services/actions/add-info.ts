import { insertMessage } from '../../store/repositories/matter-repository.js';
import { trimmed, type ActionHandler } from './handler.js';

/** 补充: the villager adds words or files; the holder is told. */
export const addInfo: ActionHandler<'add_info'> = {
  text: (r) => trimmed(r.text),
  needs: 'text_or_files',
  async apply(w, r) {
    const { now, text } = w.s;
    await insertMessage(w.tx, { matterId: w.matter.id, authorId: w.s.actorId, direction: 'in', text: text || null, attachments: r.attachments ?? [], createdAt: now });
    w.events.push({ ...w.base, action: 'add_info', note: text.slice(0, 500) || null });
    w.tell(w.matter.assigneeId, 'villager_added', { name: w.s.actorName, text, attachments: r.attachments ?? [] });
  },
};
