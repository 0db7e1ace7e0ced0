// WeCom callbacks and 微信客服 messages → the port's ChatUpdate. Never throws: what the bot cannot
// read becomes `unknown` (a person sent it: they get a kind reply) or `ignored`.
//
// Ids. Staff write to the self-built app: userId and chatId are their WeCom userid. Villagers
// write through 微信客服: userId is their external_userid, chatId `kf:<open_kfid>:<external_userid>`
// (the outbound side sends through kf/send_msg exactly when the chat id starts with `kf:`).
// A file reference says which secret may fetch it: `app:<media_id>` or `kf:<media_id>`.
import type { Attachment } from '../../domain/types.js';
import { cleanChatUpdate, type ChatContent, type ChatUpdate } from '../../ports/chat-update.js';
import { dedupeKey, type WecomMessage } from './callback-xml.js';
import type { KfSyncedMessage } from './wecom-types.js';

export const WECOM = 'wecom' as const;

/** 'wecom' is a Platform: this adapter's updates are the port's ChatUpdate (the names stay for its callers). */
export type WecomAttachment = Attachment;
export type WecomChatContent = ChatContent;
export type WecomChatUpdate = ChatUpdate;

/** What a callback asks for: an update to admit, or a 微信客服 fetch (kf/sync_msg with this token). */
export type CallbackAction = { kind: 'update'; update: WecomChatUpdate } | { kind: 'sync'; token: string; openKfId?: string };

/** A card message's reference: its task id and the response code that may redraw it (once). */
export function cardRef(taskId: string, responseCode?: string): string {
  return responseCode ? `${taskId}:${responseCode}` : taskId;
}

/** `<task_id>:<response_code>` → its parts; null for a reference that is not a card's with a code. */
export function parseCardRef(ref: string): { taskId: string; responseCode: string } | null {
  const i = ref.indexOf(':');
  return i > 0 && i < ref.length - 1 ? { taskId: ref.slice(0, i), responseCode: ref.slice(i + 1) } : null;
}

/** The id prefix of a 微信客服 menu item that stands for a reply keyboard's button (its label comes back as text). */
export const KEYBOARD_ITEM = 'kb:';

/** The prefix of a 微信客服 chat id. */
export const KF_CHAT = 'kf:';

export function kfChatId(openKfId: string, externalUserId: string): string {
  return `${KF_CHAT}${openKfId}:${externalUserId}`;
}

/** `kf:<open_kfid>:<external_userid>` → its parts; null for a member's chat. */
export function parseKfChatId(chatId: string): { openKfId: string; externalUserId: string } | null {
  if (!chatId.startsWith(KF_CHAT)) return null;
  const rest = chatId.slice(KF_CHAT.length);
  const i = rest.indexOf(':');
  if (i <= 0 || i === rest.length - 1) return null;
  return { openKfId: rest.slice(0, i), externalUserId: rest.slice(i + 1) };
}

/** A text starting `/word` is a command, as on the other platforms: `/start SC03` → start, SC03. */
const COMMAND = /^\/([A-Za-z][A-Za-z0-9_]{0,31})(?:\s+([\s\S]*))?$/;

function textContent(text: string): WecomChatContent {
  const m = COMMAND.exec(text.trim());
  return m ? { kind: 'command', command: m[1]!.toLowerCase(), args: (m[2] ?? '').trim() } : { kind: 'text', text };
}

function attachment(kind: Attachment['kind'], source: 'app' | 'kf', mediaId: string, extra: { fileName?: string } = {}): WecomAttachment {
  return { kind, platform: WECOM, fileRef: `${source}:${mediaId}`, ...(extra.fileName ? { fileName: extra.fileName.slice(0, 200) } : {}) };
}

/** A callback of the self-built app → what to do with it. */
export function fromAppCallback(m: WecomMessage): CallbackAction {
  if (m.type === 'kf_msg_or_event') return { kind: 'sync', token: m.token, ...(m.openKfId ? { openKfId: m.openKfId } : {}) };
  const id = dedupeKey(m);
  const base = {
    eventId: `wecom:app:${id}`,
    platform: WECOM,
    updateId: id,
    at: new Date((m.createTime || Date.now() / 1000) * 1000).toISOString(),
    userId: m.fromUserName,
    chatId: m.fromUserName,
    chatType: 'private' as const,
  };
  const u = (content: WecomChatContent, extra: Partial<WecomChatUpdate> = {}): CallbackAction => ({ kind: 'update', update: clean({ ...base, ...extra, content }) });
  switch (m.type) {
    case 'text':
      return u(textContent(m.content), { messageRef: m.msgId });
    case 'image':
      return u({ kind: 'photo', attachment: attachment('photo', 'app', m.mediaId) }, { messageRef: m.msgId });
    case 'voice':
      return u({ kind: 'voice', attachment: attachment('voice', 'app', m.mediaId) }, { messageRef: m.msgId });
    case 'video':
      return u({ kind: 'file', attachment: attachment('video', 'app', m.mediaId) }, { messageRef: m.msgId });
    case 'file':
      return u({ kind: 'file', attachment: attachment('document', 'app', m.mediaId, { fileName: m.fileName }) }, { messageRef: m.msgId });
    case 'location':
      return u({ kind: 'location', latitude: m.latitude, longitude: m.longitude }, { messageRef: m.msgId });
    case 'link':
      return u({ kind: 'unknown', what: 'link' }, { messageRef: m.msgId });
    case 'template_card_event':
      // The card is named by its task id and the press's response code (messageRef `<task_id>:<response_code>`,
      // what an edit of it hands back): the redraw consumes that code, once.
      return u({ kind: 'callback', data: m.eventKey, callbackRef: m.responseCode ?? '' }, { messageRef: cardRef(m.taskId, m.responseCode) });
    case 'enter_agent':
      return u({ kind: 'ignored', what: 'enter_agent' });
    case 'subscribe':
      return u({ kind: 'membership', status: 'active' });
    case 'unsubscribe':
      return u({ kind: 'membership', status: 'blocked' });
    case 'event':
      return u({ kind: 'ignored', what: `event:${m.event}`.slice(0, 64) });
    case 'other':
      return u({ kind: 'unknown', what: m.msgType.slice(0, 64) }, m.msgId ? { messageRef: m.msgId } : {});
  }
}

/** 3: the WeChat customer wrote; 4: a system event; 5: a servicer wrote from the WeCom client. */
export const KF_ORIGIN = { customer: 3, event: 4, servicer: 5 } as const;

/**
 * One message of kf/sync_msg → an update. An enter_session with a scene_param (the poster's QR
 * code carrying the join code) is the command `start <join code>`, like Telegram's deep link; its
 * welcome_code rides in messageRef as `welcome:<code>` (one answer through kf/send_msg_on_event,
 * within 20 seconds — the villager has not written yet, so the 48-hour window is not open).
 */
export function fromKfMessage(m: KfSyncedMessage): WecomChatUpdate {
  const ev = m.event;
  const openKfId = m.open_kfid || ev?.open_kfid || '';
  const externalUserId = m.external_userid || ev?.external_userid || '';
  const base = {
    eventId: `wecom:kf:msg:${m.msgid}`,
    platform: WECOM,
    updateId: m.msgid,
    at: new Date((Number(m.send_time) || Date.now() / 1000) * 1000).toISOString(),
    userId: externalUserId,
    chatId: externalUserId ? kfChatId(openKfId, externalUserId) : '',
    chatType: 'private' as const,
  };
  return clean({ ...base, ...kfContent(m) });
}

function kfContent(m: KfSyncedMessage): Pick<WecomChatUpdate, 'content' | 'messageRef'> {
  try {
    if (m.origin === KF_ORIGIN.servicer) return { content: { kind: 'ignored', what: 'servicer_message' } };
    if (m.msgtype === 'event' || m.origin === KF_ORIGIN.event) {
      const ev = m.event;
      if (ev?.event_type === 'enter_session') {
        const welcome = ev.welcome_code ? { messageRef: `welcome:${ev.welcome_code}` } : {};
        if (ev.scene_param) return { content: { kind: 'command', command: 'start', args: decodeSceneParam(ev.scene_param) }, ...welcome };
        return { content: { kind: 'ignored', what: 'enter_session' }, ...welcome };
      }
      return { content: { kind: 'ignored', what: `event:${ev?.event_type ?? 'unknown'}`.slice(0, 64) } };
    }
    const ref = { messageRef: m.msgid };
    switch (m.msgtype) {
      case 'text':
        // A menu item drawn for a reply keyboard says its label, as a typed answer would.
        if (m.text?.menu_id?.startsWith(KEYBOARD_ITEM)) return { content: textContent(m.text.content ?? ''), ...ref };
        if (m.text?.menu_id) return { content: { kind: 'callback', data: m.text.menu_id, callbackRef: m.msgid, messageText: m.text.content }, ...ref };
        return { content: textContent(m.text?.content ?? ''), ...ref };
      case 'image':
        return m.image?.media_id ? { content: { kind: 'photo', attachment: attachment('photo', 'kf', m.image.media_id) }, ...ref } : unknown('image');
      case 'voice':
        return m.voice?.media_id ? { content: { kind: 'voice', attachment: attachment('voice', 'kf', m.voice.media_id) }, ...ref } : unknown('voice');
      case 'video':
        return m.video?.media_id ? { content: { kind: 'file', attachment: attachment('video', 'kf', m.video.media_id) }, ...ref } : unknown('video');
      case 'file':
        return m.file?.media_id ? { content: { kind: 'file', attachment: attachment('document', 'kf', m.file.media_id) }, ...ref } : unknown('file');
      case 'location': {
        const { latitude, longitude } = m.location ?? ({} as NonNullable<KfSyncedMessage['location']>);
        if (typeof latitude === 'number' && typeof longitude === 'number') return { content: { kind: 'location', latitude, longitude }, ...ref };
        return unknown('location');
      }
      default:
        return { content: { kind: 'unknown', what: String(m.msgtype).slice(0, 64) }, ...ref };
    }
  } catch {
    return { content: { kind: 'ignored', what: 'unreadable' } };
  }
}

function unknown(what: string): Pick<WecomChatUpdate, 'content'> {
  return { content: { kind: 'unknown', what } };
}

/** scene_param arrives URL-encoded as it was put in the link (`scene_param=SC03`). */
function decodeSceneParam(p: string): string {
  try {
    return decodeURIComponent(p).trim();
  } catch {
    return p.trim();
  }
}

/** cleanChatUpdate reads only strings and kinds, never the platform: the one cast until 'wecom' is registered. */
function clean(u: WecomChatUpdate): WecomChatUpdate {
  return cleanChatUpdate(u);
}
