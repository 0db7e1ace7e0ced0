// WeCom's side of the callback URL: encrypted, signed callbacks POSTed as WeCom sends them (a
// member's text or file, a template card's button pressed, the app opened, 微信客服's
// kf_msg_or_event), the URL check (GET with echostr), and forgeries — a bad signature, a replayed
// nonce, a message encrypted for another corp, a stale timestamp.
import { randomBytes } from 'node:crypto';
import { CallbackCrypto } from '../../../src/channels/wecom/callback-crypto.js';
import { buildEnvelope, buildXml } from '../../../src/channels/wecom/callback-xml.js';
import { TEST_CORP } from './fake-wecom.js';

export type Forgery = 'bad_signature' | 'other_corp' | 'stale_timestamp';

export interface CallbackResult {
  status: number;
  body: string;
  /** The query it was sent with (to replay it). */
  query: Record<string, string>;
  /** The exact body sent. */
  sent: string;
}

export interface CallbackClientOptions {
  url: string;
  corpId?: string;
  agentId?: number;
  token?: string;
  encodingAESKey?: string;
  now?: () => number;
}

export class WecomCallbackClient {
  private readonly corpId: string;
  private readonly agentId: number;
  private readonly crypto: CallbackCrypto;
  private readonly forger: CallbackCrypto;
  private readonly now: () => number;
  private seq = 0;

  constructor(private readonly opts: CallbackClientOptions) {
    this.corpId = opts.corpId ?? TEST_CORP.corpId;
    this.agentId = opts.agentId ?? TEST_CORP.agentId;
    const keys = { token: opts.token ?? TEST_CORP.token, encodingAESKey: opts.encodingAESKey ?? TEST_CORP.encodingAESKey };
    this.crypto = new CallbackCrypto({ ...keys, receiveId: this.corpId });
    this.forger = new CallbackCrypto({ ...keys, receiveId: TEST_CORP.otherCorpId });
    this.now = opts.now ?? Date.now;
  }

  /** The URL check the admin console runs when the callback URL is saved. */
  async verifyUrl(echo = String(Date.now()) + String(this.seq++), forgery?: Forgery): Promise<CallbackResult & { echo: string }> {
    const { query } = this.sign(echo, forgery);
    const q = { ...query.q, echostr: query.encrypt };
    const res = await fetch(`${this.opts.url}?${new URLSearchParams(q)}`);
    return { status: res.status, body: await res.text(), query: q, sent: '', echo };
  }

  async text(from: string, content: string, opts: { msgId?: string; forgery?: Forgery } = {}): Promise<CallbackResult> {
    return this.message({ FromUserName: from, MsgType: 'text', Content: content, MsgId: opts.msgId ?? this.msgId() }, opts.forgery);
  }

  async image(from: string, mediaId: string): Promise<CallbackResult> {
    return this.message({ FromUserName: from, MsgType: 'image', PicUrl: 'https://wework.qpic.cn/x', MediaId: mediaId, MsgId: this.msgId() });
  }

  async location(from: string, latitude: number, longitude: number, label = ''): Promise<CallbackResult> {
    return this.message({ FromUserName: from, MsgType: 'location', Location_X: latitude, Location_Y: longitude, Scale: 15, Label: label, MsgId: this.msgId() });
  }

  /** A button of a template card pressed. */
  async pressButton(from: string, card: { taskId: string; eventKey: string; responseCode: string }, opts: { createTime?: number } = {}): Promise<CallbackResult> {
    return this.message({
      FromUserName: from,
      MsgType: 'event',
      Event: 'template_card_event',
      EventKey: card.eventKey,
      TaskId: card.taskId,
      CardType: 'button_interaction',
      ResponseCode: card.responseCode,
      ...(opts.createTime ? { CreateTime: opts.createTime } : {}),
    });
  }

  async event(from: string, event: string, fields: Record<string, string | number> = {}): Promise<CallbackResult> {
    return this.message({ FromUserName: from, MsgType: 'event', Event: event, ...fields });
  }

  /** 微信客服: messages are waiting; fetch them with this token. */
  async kfMsgOrEvent(token: string, openKfId: string = TEST_CORP.openKfId, forgery?: Forgery): Promise<CallbackResult> {
    return this.post(buildXml({ ToUserName: this.corpId, CreateTime: this.seconds(), MsgType: 'event', Event: 'kf_msg_or_event', Token: token, OpenKfId: openKfId }), forgery);
  }

  /** A message with ToUserName, CreateTime and AgentID filled in. */
  async message(fields: Record<string, string | number>, forgery?: Forgery): Promise<CallbackResult> {
    return this.post(buildXml({ ToUserName: this.corpId, CreateTime: this.seconds(), AgentID: this.agentId, ...fields }), forgery);
  }

  /** Encrypts, signs and POSTs a plaintext callback. */
  async post(plaintext: string, forgery?: Forgery): Promise<CallbackResult> {
    const { query } = this.sign(plaintext, forgery);
    const sent = buildEnvelope({ toUserName: this.corpId, agentId: String(this.agentId), encrypt: query.encrypt });
    return this.send(query.q, sent);
  }

  /** Sends exactly the same request again (a replay, or WeCom retrying). */
  async replay(previous: CallbackResult): Promise<CallbackResult> {
    return this.send(previous.query, previous.sent);
  }

  private async send(q: Record<string, string>, body: string): Promise<CallbackResult> {
    const res = await fetch(`${this.opts.url}?${new URLSearchParams(q)}`, { method: 'POST', headers: { 'content-type': 'text/xml' }, body });
    return { status: res.status, body: await res.text(), query: q, sent: body };
  }

  private sign(plaintext: string, forgery?: Forgery): { query: { q: Record<string, string>; encrypt: string } } {
    const timestamp = String(this.seconds() - (forgery === 'stale_timestamp' ? 3600 : 0));
    const nonce = String(randomBytes(5).readUIntBE(0, 5));
    const sealed = (forgery === 'other_corp' ? this.forger : this.crypto).seal(plaintext, timestamp, nonce);
    const signature = forgery === 'bad_signature' ? sealed.signature.replace(/^./, (c) => (c === '0' ? '1' : '0')) : sealed.signature;
    return { query: { q: { msg_signature: signature, timestamp, nonce }, encrypt: sealed.encrypt } };
  }

  private seconds(): number {
    return Math.floor(this.now() / 1000);
  }

  private msgId(): string {
    return `${Date.now()}${String(++this.seq).padStart(6, '0')}`;
  }
}
