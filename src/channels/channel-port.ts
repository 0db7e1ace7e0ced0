// What a channel adapter offers the notify worker: render and send one outbound message.
import type { Attachment, Platform } from '../domain/types.js';
import type { ReplyKeyboard } from './chat-output.js';

export interface OutboundMessage {
  text: string;
  /** Files to pass on (platform file references; an adapter sends those of its own platform). */
  attachments?: Attachment[];
  /** Actions the adapter renders as buttons; `data` is signed and checked again when pressed. */
  actions?: Array<{ label: string; data: string }>;
  /** Buttons under the input box (the main menu, given back with a receipt), where the platform has them. */
  keyboard?: ReplyKeyboard;
  /** Which notification this is and its matter: an adapter that keeps a card per matter (Slack) posts into its thread. */
  about?: { template: string; matterId?: string };
}

export interface Recipient {
  /** Empty for a group. */
  personId: string;
  externalId: string;
  chatId: string | null;
  locale: string;
  /** A group chat or channel (a node's alert destination), not a person: send to chatId. */
  group?: boolean;
}

export interface ChannelPort {
  readonly name: Platform | 'console';
  send(to: Recipient, message: OutboundMessage): Promise<{ messageRef?: string }>;
  /** Brings the matter cards this channel posted up to date after the matter moved; returns how many. */
  refreshMatter?(matterId: string): Promise<number>;
}

/** The person blocked the bot or left: do not retry, mark the identity unreachable. */
export class RecipientUnreachableError extends Error {
  override readonly name = 'RecipientUnreachableError';
  constructor(readonly channel: string, message = 'recipient unreachable') {
    super(message);
  }
}

/** The platform asked us to wait (HTTP 429); the notify worker retries after `retryAfterMs`. */
export class RetryAfterError extends Error {
  override readonly name = 'RetryAfterError';
  constructor(readonly retryAfterMs: number, readonly channel: string) {
    super(`${channel} asked to retry after ${retryAfterMs} ms`);
  }
}
