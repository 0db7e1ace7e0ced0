// The /broadcast form's choices for a platform's own dialog (Slack's modal): the places the person
// may send to, read when the dialog opens. What they submit goes through the flows (form content).
import { isLocale, isStaff } from '../domain/index.js';
import type { Platform } from '../domain/types.js';
import type { BroadcastFormFields } from '../ports/forms.js';
import type { Executor } from '../store/db.js';
import { broadcastPlaces } from './broadcast-service.js';
import { senderOf } from './directory-service.js';

export async function broadcastFormFields(db: Executor, platform: Platform, userId: string): Promise<BroadcastFormFields | null> {
  const sender = await senderOf(db, platform, userId);
  if (!sender || !isStaff(sender.placements)) return null;
  const places = await broadcastPlaces(db, sender);
  if (!places.length) return null;
  return { locale: isLocale(sender.person.locale) ? sender.person.locale : 'zh-CN', places: places.map((n) => ({ value: n.id, label: n.name })) };
}
