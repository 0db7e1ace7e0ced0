// What a flow asks a channel to show, already in the person's language. Telegram renders buttons
// as an inline keyboard and `keyboard` as a reply keyboard; Slack will render the same as blocks.
import type { Platform } from '../domain/types.js';

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

export type ChatOutput =
  | {
      kind: 'message';
      text: string;
      /** Rows of inline buttons, shown under the message. */
      buttons?: ChatButton[][];
      /** A reply keyboard to show, or 'remove' to take the current one away. Not with `buttons`. */
      keyboard?: ReplyKeyboard | 'remove';
      /** The step takes free text, asked in `locale`: a channel may offer a way to write it (Slack: a modal). */
      expectsText?: { locale: string };
    }
  /** Changes a message the bot sent: new text, new buttons, or its buttons taken away. */
  | { kind: 'edit'; messageRef: string; text?: string; buttons?: ChatButton[][]; clearButtons?: boolean }
  /** Acknowledges a button press (stops the spinner); `text` shows as a short notice. */
  | { kind: 'answer'; callbackRef: string; text?: string };

export interface ChatTarget {
  platform: Platform;
  chatId: string;
  /** The person the answer is for (to mark them unreachable when the platform says so). */
  userId: string;
}

/**
 * A channel that carries conversations. `deliver` sends one output; it throws RetryAfterError
 * (channel-port.ts) before anything was sent when the platform asks us to wait, and
 * RecipientUnreachableError when the person blocked the bot.
 */
export interface ChatChannel {
  readonly name: Platform;
  deliver(target: ChatTarget, output: ChatOutput): Promise<{ messageRef?: string }>;
}

export function isChatChannel(port: unknown): port is ChatChannel {
  return typeof (port as Partial<ChatChannel> | null)?.deliver === 'function';
}
