// Matter cards on a platform that edits its messages (Telegram): when a matter moves, each card
// message about it is brought up to date. The adapter honours the hint; the service behind this
// port knows which messages are cards and what they should say now.
import type { Attachment, Category, MatterLevel, MatterState, Platform, Size, Step } from '../domain/types.js';

export interface CardEdits {
  /**
   * Queues an edit of every card message `platform` holds about the matter (each to its reader's
   * send queue, after what was already written there); returns how many. `eventId`: the event
   * that moved it; a card that event's turn edited already keeps what the turn said was done.
   */
  queueEdits(platform: Platform, matterId: string, eventId?: string): Promise<number>;
}

// ── Matter cards a platform posts and keeps (Slack) ──────────────────────────────────────────
// The adapter draws them; which buttons a reader sees, and where cards were posted, the store
// behind CardStore knows (src/services/card-service.ts, handed in by the composition root).

/** Notifications that put a matter in someone's hands: a card on every platform, kept up to date. */
export const CARD_TEMPLATES: ReadonlySet<string> = new Set(['assigned', 'escalated', 'escalated_away', 'reopened', 'escalation_alert', 'unassigned']);

/** Card buttons, in the order shown (the domain's one list; `takeover` is a cadre's transfer to themself). */
export { CARD_ACTIONS, type CardAction } from '../domain/card-actions.js';
import type { CardAction } from '../domain/card-actions.js';

/** What a card shows of its matter (a stored matter has all this and more). */
export interface CardMatter {
  id: string;
  ref: string;
  category: Category;
  topic: string;
  size: Size;
  step: Step;
  state: MatterState;
  level: MatterLevel;
  urgent: boolean;
  summary: string;
  dueAt: Date | null;
}

/** A matter's card as one viewer sees it. `M`: the matter as the store reads it. */
export interface CardModel<M extends CardMatter = CardMatter> {
  matter: M;
  grid: string;
  reporter: string | null;
  assignee: { name: string; title: string | null } | null;
  words: string;
  attachments: Attachment[];
  result: string | null;
  rating: string | null;
  buttons: CardAction[];
  /** The topic's roster name (null: use the locale's). */
  topicName: string | null;
  /** The villager's phone: only on the card of the one who holds the matter. */
  phone: string | null;
}

/** A card as posted: where it is (`channel`, `ts`), for whom (null: a node's channel), in which words. */
export interface NewCard {
  matterId: string;
  personId: string | null;
  channel: string;
  ts: string;
  template: string;
  locale: string;
}

export interface PostedCard extends NewCard {
  id: string;
}

/** The cards' content and where they were posted, as the adapter needs them. */
export interface CardStore {
  /** What the card shows to `viewerId` (null: a channel); null when the matter is gone. */
  model(matterId: string, viewerId: string | null): Promise<CardModel | null>;
  /** The person's own time zone, if they set one. */
  timezoneOf(personId: string): Promise<string | null>;
  /** Keeps a card just posted; null when it could not be kept (the card stays, unkept). */
  record(card: NewCard): Promise<PostedCard | null>;
  postedFor(matterId: string): Promise<PostedCard[]>;
  /** The newest card of the matter in a person's DM or a channel. */
  latest(matterId: string, where: { personId: string } | { channel: string }): Promise<PostedCard | undefined>;
  /** The platform has the card again as the matter stands. */
  touch(id: string): Promise<void>;
  /** The platform no longer has it. */
  drop(id: string): Promise<void>;
}
