// The callbacks' XML (接收消息与事件): the encrypted envelope POSTed to the callback URL, and the
// plaintext inside it — a member's message to the app, an event (a template card button pressed,
// the app opened), or 微信客服's "there are new messages, fetch them" (kf_msg_or_event).
// Formats: https://developer.work.weixin.qq.com/document/path/90239 (messages),
// /90240 (events, template_card_event), /94670 (kf_msg_or_event).
import { XMLBuilder, XMLParser } from 'fast-xml-parser';

const parser = new XMLParser({
  ignoreAttributes: true,
  // Every value stays text: ids such as MsgId exceed 2^53 and must not become numbers.
  parseTagValue: false,
  trimValues: true,
  processEntities: true,
});

const builder = new XMLBuilder({ cdataPropName: '__cdata', suppressEmptyNode: false });

/** What the POST body carries: the ciphertext, and to whom (the corp id, the agent id). */
export interface CallbackEnvelope {
  toUserName: string;
  agentId?: string;
  encrypt: string;
}

/** A body that is not a callback envelope or message. */
export class CallbackXmlError extends Error {
  override readonly name = 'CallbackXmlError';
}

type Fields = Record<string, unknown>;

function root(xml: string): Fields {
  let doc: Fields;
  try {
    doc = parser.parse(xml) as Fields;
  } catch (err) {
    throw new CallbackXmlError(`not XML: ${(err as Error).message}`);
  }
  const x = doc?.xml;
  if (!x || typeof x !== 'object') throw new CallbackXmlError('no <xml> root');
  return x as Fields;
}

function text(f: Fields, key: string): string | undefined {
  const v = f[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'object') return undefined;
  return String(v);
}

export function parseEnvelope(body: string): CallbackEnvelope {
  const x = root(body);
  const encrypt = text(x, 'Encrypt');
  if (!encrypt) throw new CallbackXmlError('no <Encrypt> in the body');
  return { encrypt, toUserName: text(x, 'ToUserName') ?? '', ...(text(x, 'AgentID') ? { agentId: text(x, 'AgentID') } : {}) };
}

interface Base {
  /** The corp id the callback was sent to. */
  toUserName: string;
  /** The member's userid (empty for kf_msg_or_event). */
  fromUserName: string;
  /** Seconds since the epoch. */
  createTime: number;
  agentId?: string;
}

export type WecomMessage =
  | (Base & { type: 'text'; msgId: string; content: string })
  | (Base & { type: 'image'; msgId: string; mediaId: string; picUrl?: string })
  | (Base & { type: 'voice'; msgId: string; mediaId: string; format?: string })
  | (Base & { type: 'video'; msgId: string; mediaId: string; thumbMediaId?: string })
  | (Base & { type: 'file'; msgId: string; mediaId: string; fileName?: string })
  | (Base & { type: 'location'; msgId: string; latitude: number; longitude: number; label?: string })
  | (Base & { type: 'link'; msgId: string; title?: string; url?: string })
  /** A button of a template card pressed: `eventKey` is the button's key, `taskId` the card's. */
  | (Base & { type: 'template_card_event'; eventKey: string; taskId: string; cardType?: string; responseCode?: string })
  /** The member opened the app. */
  | (Base & { type: 'enter_agent'; eventKey?: string })
  /** The member came into (subscribe) or left (unsubscribe) the app's visible range. */
  | (Base & { type: 'subscribe' | 'unsubscribe' })
  /** 微信客服 has messages to fetch with kf/sync_msg; `token` makes the fetch exempt from the strict limit (10 minutes). */
  | (Base & { type: 'kf_msg_or_event'; token: string; openKfId?: string })
  /** Any other event. */
  | (Base & { type: 'event'; event: string })
  /** Any other message type. */
  | (Base & { type: 'other'; msgType: string; msgId?: string });

export type WecomMessageType = WecomMessage['type'];

/** The decrypted plaintext → one typed message. Throws CallbackXmlError on a body with no MsgType. */
export function parseMessage(plaintext: string): WecomMessage {
  const x = root(plaintext);
  const msgType = text(x, 'MsgType');
  if (!msgType) throw new CallbackXmlError('no <MsgType>');
  const createTime = Number(text(x, 'CreateTime'));
  const base: Base = {
    toUserName: text(x, 'ToUserName') ?? '',
    fromUserName: text(x, 'FromUserName') ?? '',
    createTime: Number.isFinite(createTime) ? createTime : 0,
    ...(text(x, 'AgentID') ? { agentId: text(x, 'AgentID') } : {}),
  };
  const msgId = text(x, 'MsgId') ?? '';
  const mediaId = text(x, 'MediaId') ?? '';
  switch (msgType) {
    case 'text':
      return { ...base, type: 'text', msgId, content: text(x, 'Content') ?? '' };
    case 'image':
      return { ...base, type: 'image', msgId, mediaId, ...opt('picUrl', text(x, 'PicUrl')) };
    case 'voice':
      return { ...base, type: 'voice', msgId, mediaId, ...opt('format', text(x, 'Format')) };
    case 'video':
      return { ...base, type: 'video', msgId, mediaId, ...opt('thumbMediaId', text(x, 'ThumbMediaId')) };
    case 'file':
      return { ...base, type: 'file', msgId, mediaId, ...opt('fileName', text(x, 'FileName') ?? text(x, 'Title')) };
    case 'location': {
      const latitude = Number(text(x, 'Location_X'));
      const longitude = Number(text(x, 'Location_Y'));
      if (!Number.isFinite(latitude) || !Number.isFinite(longitude)) return { ...base, type: 'other', msgType: 'location', msgId };
      return { ...base, type: 'location', msgId, latitude, longitude, ...opt('label', text(x, 'Label')) };
    }
    case 'link':
      return { ...base, type: 'link', msgId, ...opt('title', text(x, 'Title')), ...opt('url', text(x, 'Url')) };
    case 'event':
      return eventOf(x, base);
    default:
      return { ...base, type: 'other', msgType, ...(msgId ? { msgId } : {}) };
  }
}

function eventOf(x: Fields, base: Base): WecomMessage {
  const event = text(x, 'Event') ?? '';
  switch (event) {
    case 'template_card_event':
      return {
        ...base,
        type: 'template_card_event',
        eventKey: text(x, 'EventKey') ?? '',
        taskId: text(x, 'TaskId') ?? '',
        ...opt('cardType', text(x, 'CardType')),
        ...opt('responseCode', text(x, 'ResponseCode')),
      };
    case 'enter_agent':
      return { ...base, type: 'enter_agent', ...opt('eventKey', text(x, 'EventKey')) };
    case 'subscribe':
    case 'unsubscribe':
      return { ...base, type: event };
    case 'kf_msg_or_event':
      return { ...base, type: 'kf_msg_or_event', token: text(x, 'Token') ?? '', ...opt('openKfId', text(x, 'OpenKfId')) };
    default:
      return { ...base, type: 'event', event };
  }
}

function opt<K extends string>(key: K, value: string | undefined): { [P in K]?: string } {
  return (value ? { [key]: value } : {}) as { [P in K]?: string };
}

/**
 * The message's own id for deduplication: MsgId for a message; for an event, as the docs advise,
 * FromUserName + CreateTime (with what tells two events of one second apart).
 */
export function dedupeKey(m: WecomMessage): string {
  if ('msgId' in m && m.msgId) return `msg:${m.msgId}`;
  if (m.type === 'kf_msg_or_event') return `kf:${m.token}`;
  const detail = m.type === 'template_card_event' ? `${m.taskId}:${m.eventKey}` : m.type === 'event' ? m.event : m.type;
  return `event:${m.fromUserName}:${m.createTime}:${detail}`;
}

/** Builds `<xml>…</xml>` with every string in CDATA (as WeCom writes them) and numbers bare. */
export function buildXml(fields: Record<string, string | number | undefined>): string {
  const x: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined) continue;
    x[k] = typeof v === 'number' ? v : { __cdata: v };
  }
  return builder.build({ xml: x }) as string;
}

/** The encrypted body WeCom POSTs (or a passive reply, with its signature, timestamp and nonce). */
export function buildEnvelope(e: CallbackEnvelope): string {
  return buildXml({ ToUserName: e.toUserName, AgentID: e.agentId, Encrypt: e.encrypt });
}
