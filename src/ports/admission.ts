// The inbound contract every chat adapter uses (compare bolt-js's Receiver, grammY's
// webhookCallback): the adapter turns its platform's requests into ChatUpdates and hands them to
// the one admission function the composition root gives it. Adapters import no service: what
// happens to an update after it is committed is not theirs to know.
import type { ChatUpdate } from './chat-update.js';

/** One update as the platform delivered it, with the id that makes a redelivery a duplicate. */
export interface Delivery {
  /**
   * The platform's own id for this delivery, scoped by the adapter so no two platforms or bots
   * collide (`telegram:<bot>:update:<update_id>`, `slack:event:<event_id>`, `wecom:kf:msg:<msgid>`).
   * The same id twice is admitted (and handled) once.
   */
  deliveryId: string;
  update: ChatUpdate;
}

/**
 * A platform's reading position (WeCom's kf/sync_msg cursor), stored in the same transaction as the
 * deliveries it follows: the position never moves past what was not committed. `expected` is the
 * position the adapter read before fetching; when the stored one moved meanwhile (another process
 * committed that page), nothing is stored and the result says `moved`.
 */
export interface CursorAdvance {
  key: string;
  expected: string | null;
  next: string;
}

export interface AdmitOutcome {
  /** Delivery ids committed now (the others were there already: redeliveries). */
  fresh: string[];
  /** Delivery ids the database refused as given: kept as failed, the person told once. */
  unreadable: string[];
  /** The cursor advance was refused: another process stored a different position first. */
  moved?: boolean;
}

export interface Admission {
  /**
   * Commits the deliveries (and the cursor, when given) and queues their work; resolves once they
   * are durable, so the adapter may then tell the platform "received". Throws when the database
   * could not take them: the platform should deliver again.
   */
  admit(deliveries: Delivery[], cursor?: CursorAdvance): Promise<AdmitOutcome>;
  /** The stored reading position for `key`, or null before the first. */
  cursor(key: string): Promise<string | null>;
}
