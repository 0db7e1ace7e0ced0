// What an adapter hands the inbox: one platform update, keyed by the platform's own id, with the
// job that will work it. A type only: adapters build it, the inbox service commits it.
import type { ChatUpdate } from './chat-update.js';
import type { Platform } from '../domain/types.js';

export type InboxQueue = 'chat';

export interface InboundItem {
  /** The platform's id for it, scoped: `telegram:<bot>:update:<update_id>`, `slack:event:<event_id>`. */
  id: string;
  platform: Platform;
  queue: InboxQueue;
  /** The job's data (a ChatUpdate), carrying `inboxId: id`. */
  payload: Record<string, unknown>;
  /** Whose conversation it continues (the turn's lock key); a person's updates are handled in the order admitted. */
  conversation?: string | null;
  /** For the redacted summary: what kind of update it is (text, photo, action…). */
  kind: string;
  /** Who to tell when it cannot be read (ids only). */
  answer?: Pick<ChatUpdate, 'platform' | 'eventId' | 'userId' | 'chatId' | 'chatType' | 'languageCode' | 'content'>;
}
