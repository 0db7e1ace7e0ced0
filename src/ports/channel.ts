// The outbound contract every chat adapter implements: one `deliver(target, message)`. A
// conversation's answers and the notifications to people both leave through it, from the one send
// worker (src/services/send-service.ts). Adapters render; they decide nothing about who gets what.
import type { Attachment, Platform } from '../domain/types.js';
import type { SendClass } from '../domain/send-class.js';

/** An inline button. `data` comes back in a callback update; keep it short (Telegram: 64 bytes). */
export interface ChatButton {
  label: string;
  data: string;
}

/** Buttons under the input box. A `request` button shares the person's contact or location. */
export interface ReplyKeyboard {
  rows: Array<Array<{ label: string; request?: 'contact' | 'location' }>>;
  /** Kept open until replaced (the main menu). */
  persistent?: boolean;
  /** Hidden once pressed (a one-time request). */
  oneTime?: boolean;
}

/**
 * A rendering hint: this message is a notification (`template`), about a matter when `matterId`
 * is set. An adapter that keeps a card per matter honours it (Slack posts or updates the card and
 * threads the rest under it; Telegram lays its actions out as a notification's).
 */
export interface NoticeHint {
  template: string;
  matterId?: string;
}

/** How a person's message was taken: relayed to whoever it was for, or kept as an internal note. */
export type AckMark = 'relayed' | 'noted';

/**
 * Answers the very request a person made, where they made it (a Slack slash command typed in a
 * channel: an ephemeral reply there). `ref` is the adapter's own, handed over on the update
 * (ChatUpdate.answerRef) and back unchanged; `locale` is for the adapter's own words (e.g. "sent
 * to your DM instead"). A channel that cannot answer there any more sends it to the chat as usual.
 */
export interface AnswerTo {
  ref: string;
  locale: string;
}

export type OutboundMessage =
  | {
      kind: 'message';
      text: string;
      /** Rows of inline buttons, shown under the message (a notification's: one row the adapter lays out). */
      buttons?: ChatButton[][];
      /** A reply keyboard to show, or 'remove' to take the current one away. Not with `buttons`. */
      keyboard?: ReplyKeyboard | 'remove';
      /** Files to pass on (platform file references; an adapter sends those of its own platform). */
      attachments?: Attachment[];
      /**
       * The text is the caption of its one attachment (a broadcast's photo): a channel that can
       * (Telegram, within a caption's 1024 characters) sends the file with the text and the buttons
       * as one message; others send the text, then the file.
       */
      captioned?: boolean;
      about?: NoticeHint;
      /** The step takes free text, asked in `locale`: a channel may offer a way to write it (Slack: a modal). */
      expectsText?: { locale: string };
      /**
       * The language the reader is answered in (`chosen`: they picked it this turn): an adapter may
       * show its own words to match (Telegram: the command menu of a zh-TW reader's chat).
       */
      reader?: { locale: string; chosen?: boolean };
      /** Said in answer to the request the turn came from: shown where the person made it, when the channel can. */
      answerTo?: AnswerTo;
    }
  /** Changes a message the bot sent: new text, new buttons, or its buttons taken away. */
  | { kind: 'edit'; messageRef: string; text?: string; buttons?: ChatButton[][]; clearButtons?: boolean }
  /** Acknowledges a button press (stops the spinner); `text` shows as a short notice. */
  | { kind: 'answer'; callbackRef: string; text?: string; answerTo?: AnswerTo }
  /**
   * Marks the person's own message (`messageRef`, as the update named it) as taken: Slack reacts
   * to it (✅ relayed, 🔒 a note). A channel without reactions draws nothing: the turn's words say it.
   */
  | { kind: 'ack'; messageRef: string; mark: AckMark };

/** A message proper (not an edit or an answer to a press). */
export type OutboundText = Extract<OutboundMessage, { kind: 'message' }>;

/** What a flow says: the same outbound message (the name the flows know it by). */
export type ChatOutput = OutboundMessage;

/** Where a message goes on one platform: the adapter is chosen by the platform already. */
export interface ChatTarget {
  /** The chat (a private chat, a group, a Slack DM or channel). A Slack user id opens the DM. */
  chatId: string;
  /** The person's platform user id ('' for a group): marked unreachable when the platform refuses. */
  userId: string;
  /** Our person, when known. */
  personId?: string;
  /** The reader's locale, for the adapter's own words (file notes, card labels). */
  locale?: string;
  /** A group chat or channel (a node's alert destination), not a person. */
  group?: boolean;
  /**
   * Who goes first when the platform's allowance is short (domain/send-class.ts): an adapter that
   * keeps a budget grants its slots in this order. Absent: with the other notices.
   */
  sendClass?: SendClass;
}

/**
 * A platform that may write to a person only for a while after they last wrote (WeChat Customer
 * Service: 5 messages within 48 hours; WhatsApp: 24 hours). The send service never sends past it:
 * what cannot go out is held and goes out, merged into one short message, when the person next
 * writes. Counted per person on the platform, from their last message.
 */
export interface SendingWindow {
  /** At most this many messages after the person last wrote… */
  messages: number;
  /** …and only within this long of it. */
  withinMs: number;
  /**
   * An edit goes out here as a new message, and counts (default: it does not; 微信客服 cannot
   * edit and draws nothing, so a turn's redrawn menu must not spend one of the 5).
   */
  editsSentAnew?: boolean;
}

/**
 * An outbound channel. `deliver` throws RetryAfterError before anything was sent when the platform
 * asks us to wait, and RecipientUnreachableError when the person blocked the bot. Once the platform
 * has accepted the message it does not throw (its caller would send it again): what it keeps after
 * that is best effort.
 */
export interface Channel {
  readonly name: Platform | 'console';
  /**
   * How people on this platform type one of our commands, before its name: Telegram `/` (`/stats`),
   * Slack `/grid ` (`/grid stats`). Every message that names a command names it this way
   * (`{{cmd}}stats` in locales/). Default DEFAULT_COMMAND_PREFIX.
   */
  readonly commandPrefix?: string;
  /**
   * How someone the roster does not know becomes known here: they `register` themselves (Telegram:
   * /start), or their account is `link`ed (the roster names it, or a link code asked for on another
   * platform: Slack's staff). The flows pick their words by it. Default 'register'.
   */
  readonly strangers?: Strangers;
  deliver(target: ChatTarget, message: OutboundMessage): Promise<{ messageRef?: string }>;
  /**
   * The window this chat is under, or null when the platform lets the bot write at any time
   * (absent: never). A WeCom member's chat has none; a 微信客服 villager's has one.
   */
  sendingWindow?(target: ChatTarget): SendingWindow | null;
  /**
   * Brings the matter cards this channel posted up to date after the matter moved; returns how
   * many. `eventId`: the platform event that moved it, when a person did.
   */
  refreshMatter?(matterId: string, eventId?: string): Promise<number>;
}

/** See Channel.strangers. */
export type Strangers = 'register' | 'link';

/** How a command is written where no channel says otherwise (`/help`). */
export const DEFAULT_COMMAND_PREFIX = '/';

/** The parameter every rendered text gets: `{{cmd}}help` reads `/help` on Telegram, `/grid help` on Slack. */
export function commandParams(prefix: string | undefined): { cmd: string } {
  return { cmd: prefix ?? DEFAULT_COMMAND_PREFIX };
}

/** The person blocked the bot or left: do not retry, mark the identity unreachable. */
export class RecipientUnreachableError extends Error {
  override readonly name = 'RecipientUnreachableError';
  constructor(readonly channel: string, message = 'recipient unreachable') {
    super(message);
  }
}

/**
 * The platform asked us to wait (HTTP 429), or (`ours`) the adapter's own keeping of the platform's
 * limits held the message back before asking; the send job retries after `retryAfterMs`.
 */
export class RetryAfterError extends Error {
  override readonly name = 'RetryAfterError';
  constructor(
    readonly retryAfterMs: number,
    readonly channel: string,
    readonly ours = false,
  ) {
    super(ours ? `${channel}: held back ${retryAfterMs} ms to keep within the platform's limits` : `${channel} asked to retry after ${retryAfterMs} ms`);
  }
}

/**
 * The platform refused the message because the person's sending window is closed (WeChat Customer
 * Service 95001/95002/95018), before anything was sent. The send service holds it like one it
 * held itself: it goes out, merged, when the person next writes. An adapter's own window error
 * extends this one.
 */
export class WindowClosedError extends Error {
  override readonly name: string = 'WindowClosedError';
  constructor(readonly channel: string, message = 'the sending window is closed') {
    super(message);
  }
}
