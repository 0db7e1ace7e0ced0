// Matter cards on a platform that edits its messages (Telegram): when a matter moves, each card
// message about it is brought up to date. The adapter honours the hint; the service behind this
// port knows which messages are cards and what they should say now.
import type { Platform } from '../domain/types.js';

export interface CardEdits {
  /**
   * Queues an edit of every card message `platform` holds about the matter (each to its reader's
   * send queue, after what was already written there); returns how many. `eventId`: the event
   * that moved it; a card that event's turn edited already keeps what the turn said was done.
   */
  queueEdits(platform: Platform, matterId: string, eventId?: string): Promise<number>;
}
