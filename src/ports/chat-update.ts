// One chat update as every channel hands it over: the platform's own shape stays in its adapter.
// Flows read only this type; nothing here names an SDK.
import { cleanDeep, cleanText } from '../domain/clean-text.js';
import type { Attachment, AttachmentKind, Platform } from '../domain/types.js';

export type ChatType = 'private' | 'group';

export interface ChatUpdate {
  /** Unique per delivery, e.g. `telegram:update:123456`: the same update twice is handled once. */
  eventId: string;
  platform: Platform;
  /** The platform's id of the update (Telegram update_id), as text. */
  updateId: string;
  /** ISO time the platform says it happened (or when we received it). */
  at: string;
  /** The person acting, as the platform knows them. */
  userId: string;
  /** Where to answer: the private chat or the group. */
  chatId: string;
  chatType: ChatType;
  /** The platform's language code for the person (Telegram language_code), when it gave one. */
  languageCode?: string;
  /** What the platform calls the person; a default for their name, never trusted for identity. */
  displayName?: string;
  /** The platform's id of the message this update carries (to edit it or reply to it). */
  messageRef?: string;
  /** The message it replies to (an officer answering a matter card). */
  replyToRef?: string;
  /** The chat that message is in, when not `chatId` (a Slack channel's card answered in its thread). */
  replyToChat?: string;
  content: ChatContent;
  /**
   * The adapter's handle for answering this request where it was made (a Slack slash command typed
   * in a channel). Opaque: the flows hand it back on what they say (OutboundMessage `answerTo`).
   */
  answerRef?: string;
  /** Its row in the inbox (set when it was admitted there): the turn marks it handled. */
  inboxId?: string;
}

export type ChatContent =
  | { kind: 'text'; text: string }
  /** `/start SC03` → command 'start', args 'SC03'. Commands addressed to another bot never arrive. */
  | { kind: 'command'; command: string; args: string }
  /**
   * A form filled in the platform's own dialog (a Slack modal): its name and its fields' values.
   * Forgeable like a button's data: its handler checks every value again.
   */
  | { kind: 'form'; form: string; values: Record<string, string> }
  /** A button press. `data` is whatever the button carried: forgeable, checked again by whoever handles it. */
  | { kind: 'callback'; data: string; callbackRef: string; messageText?: string }
  /** One photo; an album arrives as several updates sharing `mediaGroupId`. */
  | { kind: 'photo'; attachment: Attachment; caption?: string; mediaGroupId?: string }
  | { kind: 'voice'; attachment: Attachment; durationSec?: number }
  /** Video, document or audio. */
  | { kind: 'file'; attachment: Attachment; caption?: string; mediaGroupId?: string }
  | { kind: 'location'; latitude: number; longitude: number }
  /** A shared contact. `own` is true when the person shared their own number. Never logged. */
  | { kind: 'contact'; phone: string; own: boolean }
  /** The person edited a message they sent earlier (text or caption). */
  | { kind: 'edited'; text: string }
  /** A file the platform will not let the bot fetch; refused with a clear message. */
  | { kind: 'oversize'; media: AttachmentKind; sizeBytes: number; limitBytes: number }
  /** The person blocked the bot, or came back. */
  | { kind: 'membership'; status: 'blocked' | 'active' }
  /** The person sent more than the flood limit allows; what followed was dropped. */
  | { kind: 'throttled' }
  /** Something a person sent that we do not handle (a sticker, a game, a poll): a kind reply. */
  | { kind: 'unknown'; what: string }
  /** Something nobody is waiting for an answer to (a live location moving, a service message). */
  | { kind: 'ignored'; what: string };

export type ChatContentKind = ChatContent['kind'];

/** Longest display name kept (Telegram's first + last name is at most 129). */
const NAME_CHARS = 128;

/**
 * The update with every string cleaned (cleanText): storable in Postgres and in a queue's JSON,
 * without bidi controls, in NFC. A text or caption with nothing visible becomes '' (the flows
 * answer that there is nothing to read), an invisible name none. Each adapter calls it last.
 */
export function cleanChatUpdate(u: ChatUpdate): ChatUpdate {
  const clean = cleanDeep(u);
  const name = cleanText(u.displayName, { singleLine: true, maxChars: NAME_CHARS }).text;
  const c = clean.content;
  if ((c.kind === 'photo' || c.kind === 'file') && !c.caption) {
    delete c.caption;
    delete c.attachment.caption;
  }
  const { displayName: _raw, ...rest } = clean;
  return name ? { ...rest, displayName: name } : rest;
}

/** The same update, for logs: no phone numbers, no message text. */
export function describeUpdate(u: ChatUpdate): Record<string, unknown> {
  return { eventId: u.eventId, chatType: u.chatType, kind: u.content.kind, ...(u.content.kind === 'command' ? { command: u.content.command } : {}) };
}
