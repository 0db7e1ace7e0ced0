// A Telegram update → one ChatUpdate. Never throws: whatever the bot cannot read becomes
// `unknown` (a person sent it: they get a kind reply) or `ignored` (nobody waits for an answer).
import type { Message, Update, User } from 'telegraf/types';
import type { Attachment } from '../../domain/types.js';
import { cleanChatUpdate, type ChatContent, type ChatUpdate } from '../../ports/chat-update.js';

/** The Bot API lets a bot fetch files up to 20 MB (getFile); larger ones are refused. */
export const TELEGRAM_FILE_LIMIT = 20 * 1024 * 1024;

/** Message fields Telegram sets for events in a chat rather than things a person sent. */
const SERVICE_FIELDS = [
  'new_chat_members',
  'left_chat_member',
  'new_chat_title',
  'new_chat_photo',
  'delete_chat_photo',
  'group_chat_created',
  'supergroup_chat_created',
  'channel_chat_created',
  'message_auto_delete_timer_changed',
  'migrate_to_chat_id',
  'migrate_from_chat_id',
  'pinned_message',
  'successful_payment',
  'connected_website',
  'write_access_allowed',
  'proximity_alert_triggered',
  'forum_topic_created',
  'forum_topic_edited',
  'forum_topic_closed',
  'forum_topic_reopened',
  'video_chat_scheduled',
  'video_chat_started',
  'video_chat_ended',
  'video_chat_participants_invited',
  'web_app_data',
  'users_shared',
  'chat_shared',
] as const;

/** Things a person can send that the bot does not handle; the name goes into `unknown.what`. */
const UNHANDLED_FIELDS = ['sticker', 'animation', 'game', 'dice', 'poll', 'story', 'invoice', 'giveaway', 'paid_media'] as const;

export interface NormalizeOptions {
  /** The bot's username: `/start@OtherBot` in a group is not for us. */
  botUsername?: string;
  fileLimitBytes?: number;
}

type AnyRecord = Record<string, any>;

/** The update as a ChatUpdate, every string in it cleaned (cleanChatUpdate): nothing a person sent can fail a query. */
export function normalizeUpdate(update: Update, opts: NormalizeOptions = {}): ChatUpdate {
  return cleanChatUpdate(readUpdate(update, opts));
}

function readUpdate(update: Update, opts: NormalizeOptions): ChatUpdate {
  const id = String(update.update_id);
  const base = { eventId: `telegram:update:${id}`, platform: 'telegram' as const, updateId: id, at: new Date().toISOString() };
  try {
    const u = update as AnyRecord;
    if (u.message) return { ...base, ...fromMessage(u.message, opts) };
    if (u.edited_message) {
      const m = u.edited_message as AnyRecord;
      const text = typeof m.text === 'string' ? m.text : typeof m.caption === 'string' ? m.caption : null;
      const who = fromMessage(m, opts);
      return { ...base, ...who, content: text !== null ? { kind: 'edited', text } : { kind: 'ignored', what: 'edited_media' } };
    }
    if (u.callback_query) {
      const q = u.callback_query as AnyRecord;
      const from = q.from as User;
      const chat = q.message?.chat as AnyRecord | undefined;
      const content: ChatContent =
        typeof q.data === 'string'
          ? { kind: 'callback', data: q.data, callbackRef: String(q.id), messageText: typeof q.message?.text === 'string' ? q.message.text : undefined }
          : { kind: 'unknown', what: q.game_short_name ? 'game' : 'callback_without_data' };
      return {
        ...base,
        ...person(from),
        chatId: String(chat?.id ?? from.id),
        chatType: chatTypeOf(chat?.type ?? 'private'),
        messageRef: q.message?.message_id !== undefined ? String(q.message.message_id) : undefined,
        content,
      };
    }
    if (u.my_chat_member) {
      const m = u.my_chat_member as AnyRecord;
      const status = m.new_chat_member?.status;
      const isPrivate = m.chat?.type === 'private';
      const content: ChatContent =
        isPrivate && status === 'kicked'
          ? { kind: 'membership', status: 'blocked' }
          : isPrivate && status === 'member'
            ? { kind: 'membership', status: 'active' }
            : { kind: 'ignored', what: 'chat_member' };
      return { ...base, ...person(m.from), chatId: String(m.chat?.id ?? m.from?.id ?? ''), chatType: chatTypeOf(m.chat?.type), content };
    }
    const kind = Object.keys(u).find((k) => k !== 'update_id') ?? 'empty';
    const from = (u[kind] as AnyRecord | undefined)?.from as User | undefined;
    return { ...base, ...person(from), chatId: from ? String(from.id) : '', chatType: 'private', content: { kind: 'ignored', what: kind } };
  } catch {
    return { ...base, userId: '', chatId: '', chatType: 'private', content: { kind: 'ignored', what: 'unreadable' } };
  }
}

function person(from: User | undefined): Pick<ChatUpdate, 'userId' | 'languageCode' | 'displayName'> {
  if (!from) return { userId: '' };
  const name = [from.first_name, from.last_name].filter((s) => typeof s === 'string' && s.trim()).join(' ').trim();
  return { userId: String(from.id), languageCode: from.language_code || undefined, displayName: name || from.username || undefined };
}

function chatTypeOf(type: unknown): ChatUpdate['chatType'] {
  return type === 'private' ? 'private' : 'group';
}

function fromMessage(m: AnyRecord, opts: NormalizeOptions): Omit<ChatUpdate, 'eventId' | 'platform' | 'updateId' | 'at'> {
  const chat = m.chat as AnyRecord;
  const who = person(m.from ?? m.sender_chat);
  return {
    ...who,
    chatId: String(chat?.id ?? who.userId),
    chatType: chatTypeOf(chat?.type),
    messageRef: m.message_id !== undefined ? String(m.message_id) : undefined,
    replyToRef: m.reply_to_message?.message_id !== undefined ? String(m.reply_to_message.message_id) : undefined,
    content: chat?.type === 'channel' ? { kind: 'ignored', what: 'channel_post' } : contentOf(m as Message, who.userId, opts),
  };
}

function contentOf(msg: Message, userId: string, opts: NormalizeOptions): ChatContent {
  const m = msg as AnyRecord;
  const limit = opts.fileLimitBytes ?? TELEGRAM_FILE_LIMIT;
  if (typeof m.text === 'string') {
    const command = commandOf(m, opts.botUsername);
    if (command === 'elsewhere') return { kind: 'ignored', what: 'command_for_another_bot' };
    return command ?? { kind: 'text', text: m.text };
  }
  const caption = typeof m.caption === 'string' ? m.caption : undefined;
  const mediaGroupId = typeof m.media_group_id === 'string' ? m.media_group_id : undefined;
  if (Array.isArray(m.photo) && m.photo.length) {
    const largest = [...m.photo].sort((a: AnyRecord, b: AnyRecord) => (b.file_size ?? b.width * b.height) - (a.file_size ?? a.width * a.height))[0];
    if ((largest.file_size ?? 0) > limit) return { kind: 'oversize', media: 'photo', sizeBytes: largest.file_size, limitBytes: limit };
    return { kind: 'photo', attachment: file('photo', largest, { caption }), caption, mediaGroupId };
  }
  if (m.voice) {
    if ((m.voice.file_size ?? 0) > limit) return { kind: 'oversize', media: 'voice', sizeBytes: m.voice.file_size, limitBytes: limit };
    return { kind: 'voice', attachment: file('voice', m.voice), durationSec: m.voice.duration };
  }
  for (const [field, kind] of [
    ['video', 'video'],
    ['video_note', 'video'],
    ['document', 'document'],
    ['audio', 'document'],
  ] as const) {
    const f = m[field] as AnyRecord | undefined;
    if (!f) continue;
    if ((f.file_size ?? 0) > limit) return { kind: 'oversize', media: kind, sizeBytes: f.file_size, limitBytes: limit };
    return { kind: 'file', attachment: file(kind, f, { caption }), caption, mediaGroupId };
  }
  const loc = (m.location ?? m.venue?.location) as AnyRecord | undefined;
  if (loc && typeof loc.latitude === 'number' && typeof loc.longitude === 'number') return { kind: 'location', latitude: loc.latitude, longitude: loc.longitude };
  if (m.contact && typeof m.contact.phone_number === 'string') {
    return { kind: 'contact', phone: m.contact.phone_number, own: m.contact.user_id !== undefined && String(m.contact.user_id) === userId };
  }
  const unhandled = UNHANDLED_FIELDS.find((f) => m[f] !== undefined);
  if (unhandled) return { kind: 'unknown', what: unhandled };
  const service = SERVICE_FIELDS.find((f) => m[f] !== undefined);
  if (service) return { kind: 'ignored', what: service };
  return { kind: 'unknown', what: 'other' };
}

function file(kind: Attachment['kind'], f: AnyRecord, extra: { caption?: string } = {}): Attachment {
  return {
    kind,
    platform: 'telegram',
    fileRef: String(f.file_id),
    ...(f.mime_type ? { mimeType: String(f.mime_type) } : {}),
    ...(typeof f.file_name === 'string' && f.file_name ? { fileName: f.file_name.slice(0, 200) } : {}),
    ...(typeof f.file_size === 'number' ? { sizeBytes: f.file_size } : {}),
    ...(extra.caption ? { caption: extra.caption } : {}),
  };
}

/** A leading bot_command entity: `/start@Bot SC03` → start, SC03; 'elsewhere' when addressed to another bot. */
function commandOf(m: AnyRecord, botUsername: string | undefined): ChatContent | 'elsewhere' | null {
  const entity = Array.isArray(m.entities) ? m.entities.find((e: AnyRecord) => e.type === 'bot_command' && e.offset === 0) : undefined;
  if (!entity) return null;
  const text = m.text as string;
  const word = text.slice(1, entity.length);
  const [name, target] = word.split('@') as [string, string | undefined];
  if (target && botUsername && target.toLowerCase() !== botUsername.toLowerCase()) return 'elsewhere';
  return { kind: 'command', command: name.toLowerCase(), args: text.slice(entity.length).trim() };
}
