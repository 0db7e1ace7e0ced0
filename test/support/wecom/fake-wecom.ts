// A stand-in for WeCom's server API on loopback, with a test corp: gettoken (tokens that expire,
// or that a test expires mid-send), message/send (text, markdown, template_card) under the app's
// frequency limits, message/update_template_card (each response_code once), media upload and
// download, and 微信客服: per-villager sending windows (5 messages within 48 hours of the
// villager's last message), kf/sync_msg paging with a cursor, kf/send_msg, kf/send_msg_on_event.
// Refusals carry the real errcodes (docs/wecom.md lists them and their sources). Every call is
// recorded. When a callback URL is set, a villager's message also sends the encrypted
// kf_msg_or_event callback, as WeCom does.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WecomCallbackClient } from './callback-client.js';

/** The test corp. The AES key is 43 characters; the second corp shares token and key (a forger that knows them). */
export const TEST_CORP = {
  corpId: 'ww0gridline0test01',
  otherCorpId: 'ww0someone0else02',
  agentId: 1000002,
  secret: 'app-secret-for-tests-0001',
  kfSecret: 'kf-secret-for-tests-0001',
  token: 'QDG6eKgridline',
  encodingAESKey: 'gridlineWecomTestKey0123456789abcdefABCDEFG',
  openKfId: 'wkGRIDLINE0000000000000000000001',
} as const;

/** What WeCom documents (docs/wecom.md): the window and the app's per-member limits. */
export const LIMITS = {
  windowMessages: 5,
  windowMs: 48 * 3600_000,
  perMemberPerMinute: 30,
  perMemberPerHour: 1000,
  /** A test corp of 1 licensed account: 200 person-times a day per app. */
  perAppPerDay: 200,
  responseCodeMs: 72 * 3600_000,
  welcomeCodeMs: 20_000,
  syncTokenMs: 10 * 60_000,
  syncLimit: 1000,
  cardButtons: 6,
  /** A text or markdown message (45002 above it). */
  textBytes: 2048,
  menuItems: 10,
  mediaBytes: { image: 10 * 1024 * 1024, voice: 2 * 1024 * 1024, video: 10 * 1024 * 1024, file: 20 * 1024 * 1024 } as Record<string, number>,
} as const;

export interface WecomCall {
  path: string;
  token: string | null;
  body: Record<string, any>;
  at: number;
  errcode: number;
}

export interface SentAppMessage {
  touser: string;
  agentid: number;
  msgtype: string;
  body: Record<string, any>;
  msgid: string;
  responseCode?: string;
  at: number;
}

export interface SentKfMessage {
  touser: string;
  openKfId: string;
  msgtype: string;
  body: Record<string, any>;
  msgid: string;
  /** Sent through send_msg_on_event (a welcome), outside the window. */
  onEvent: boolean;
  at: number;
}

interface Token {
  secret: string;
  expiresAt: number;
  revoked: boolean;
}

interface Villager {
  openKfId: string;
  externalUserId: string;
  /** When they last wrote; the window runs from here. */
  lastWroteAt: number | null;
  /** Messages sent since then. */
  sentSinceWrote: number;
}

interface Media {
  type: string;
  bytes: Buffer;
  name: string;
  mimeType: string;
}

type KfEntry = Record<string, any> & { msgid: string };

function json(res: ServerResponse, body: Record<string, unknown>, status = 200): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}

const ERRMSG: Record<number, string> = {
  0: 'ok',
  40001: 'invalid credential',
  40006: 'invalid file size',
  40007: 'invalid media_id',
  40008: 'invalid message type',
  40013: 'invalid corpid',
  40014: 'invalid access_token',
  40058: 'invalid parameter',
  41001: 'access_token missing',
  42001: 'access_token expired',
  44004: 'empty content',
  45002: 'content size out of limit',
  45009: 'api freq out of limit',
  81013: 'user & party & tag all invalid',
  95000: 'invalid open_kfid',
  95001: 'send msg count limit',
  95002: 'send msg time limit',
  95007: 'invalid msg token',
  95008: 'too many menu items',
  301002: 'access_token and agentid mismatch',
};

export class FakeWecom {
  readonly calls: WecomCall[] = [];
  readonly sent: SentAppMessage[] = [];
  readonly cardUpdates: Array<{ responseCode: string; body: Record<string, any>; at: number }> = [];
  readonly kfSent: SentKfMessage[] = [];
  /** Every send the window refused (a test of the send service expects none). */
  readonly windowRefusals: Array<{ touser: string; errcode: number; at: number }> = [];
  /** How many tokens gettoken issued, by secret. */
  readonly tokensIssued = new Map<string, number>();
  /** Members the app may write to; empty: anyone. */
  readonly members = new Set<string>();
  url = '';
  /** Where kf_msg_or_event callbacks go (the app's callback URL), when set. */
  callbackUrl: string | null = null;

  private server!: Server;
  private readonly tokens = new Map<string, Token>();
  private readonly media = new Map<string, Media>();
  private readonly cards = new Map<string, { touser: string; issuedAt: number; used: boolean }>();
  private readonly villagers = new Map<string, Villager>();
  private readonly kfLog: KfEntry[] = [];
  private readonly syncTokens = new Map<string, number>();
  private readonly welcomeCodes = new Map<string, { externalUserId: string; issuedAt: number; used: boolean }>();
  private readonly faults = new Map<string, Array<number>>();
  private seq = 0;
  private tokenTtlSec = 7200;

  private constructor(readonly now: () => number) {}

  static async start(opts: { now?: () => number } = {}): Promise<FakeWecom> {
    const fake = new FakeWecom(opts.now ?? Date.now);
    fake.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        fake.route(req, Buffer.concat(chunks), res).catch((err) => json(res, { errcode: -1, errmsg: String(err) }, 500));
      });
    });
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
    fake.url = `http://127.0.0.1:${(fake.server.address() as AddressInfo).port}`;
    return fake;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // ── what a test does ────────────────────────────────────────────────────────────────

  /** Every token issued so far answers 42001 (expired) from now on: a token lapsing mid-send. */
  expireTokens(): void {
    for (const t of this.tokens.values()) t.expiresAt = Math.min(t.expiresAt, this.now() - 1);
  }

  /** Every token issued so far answers 40014 (invalid): WeCom ending tokens early. */
  revokeTokens(): void {
    for (const t of this.tokens.values()) t.revoked = true;
  }

  /** How long new tokens live (expires_in), in seconds. */
  setTokenTtl(sec: number): void {
    this.tokenTtlSec = sec;
  }

  /** The next `times` calls of `path` (e.g. 'message/send') answer `errcode`. */
  failNext(path: string, errcode: number, times = 1): void {
    this.faults.set(path, [...(this.faults.get(path) ?? []), ...Array(times).fill(errcode)]);
  }

  /** Which secret a token was issued for (to see which side made a call). */
  secretOf(token: string | null): string | undefined {
    return token ? this.tokens.get(token)?.secret : undefined;
  }

  /** A file someone sent on WeCom; returns its media_id. */
  putMedia(type: string, bytes: Buffer, name: string, mimeType: string): string {
    const id = `media-${++this.seq}-${randomBytes(4).toString('hex')}`;
    this.media.set(id, { type, bytes, name, mimeType });
    return id;
  }

  mediaOf(id: string): Media | undefined {
    return this.media.get(id);
  }

  /**
   * A villager writes to the 微信客服 account: the message joins the sync log, their window opens
   * (5 messages, 48 hours), and the kf_msg_or_event callback goes out when a callback URL is set.
   * `content`: a text, or any sync_msg message fields (image, location, a menu click's text…).
   */
  async villagerWrites(externalUserId: string, content: string | Record<string, any>, opts: { openKfId?: string; callback?: boolean } = {}): Promise<KfEntry> {
    const openKfId = opts.openKfId ?? TEST_CORP.openKfId;
    const v = this.villager(openKfId, externalUserId);
    v.lastWroteAt = this.now();
    v.sentSinceWrote = 0;
    const fields = typeof content === 'string' ? { msgtype: 'text', text: { content } } : content;
    const entry = this.log({ open_kfid: openKfId, external_userid: externalUserId, send_time: Math.floor(this.now() / 1000), origin: 3, ...fields });
    if (opts.callback !== false) await this.notifyKf(openKfId);
    return entry;
  }

  /**
   * A villager opens the session (a link or a poster's QR code with `scene_param`): an
   * enter_session event with a welcome_code. It opens no window: they have not written.
   */
  async villagerEnters(externalUserId: string, sceneParam?: string, opts: { openKfId?: string; callback?: boolean } = {}): Promise<{ entry: KfEntry; welcomeCode: string }> {
    const openKfId = opts.openKfId ?? TEST_CORP.openKfId;
    this.villager(openKfId, externalUserId);
    const welcomeCode = `welcome-${++this.seq}`;
    this.welcomeCodes.set(welcomeCode, { externalUserId, issuedAt: this.now(), used: false });
    const entry = this.log({
      send_time: Math.floor(this.now() / 1000),
      origin: 4,
      msgtype: 'event',
      event: { event_type: 'enter_session', open_kfid: openKfId, external_userid: externalUserId, scene: 'poster', ...(sceneParam !== undefined ? { scene_param: encodeURIComponent(sceneParam) } : {}), welcome_code: welcomeCode },
    });
    if (opts.callback !== false) await this.notifyKf(openKfId);
    return { entry, welcomeCode };
  }

  /** A kf_msg_or_event token, as the callback carries (valid 10 minutes for sync_msg). */
  issueSyncToken(): string {
    const t = `synctoken-${++this.seq}-${randomBytes(6).toString('hex')}`;
    this.syncTokens.set(t, this.now());
    return t;
  }

  /** Time passes for a villager's window (the test's service clock moved on by `ms`): they wrote that much longer ago. */
  windowAges(externalUserId: string, ms: number, openKfId: string = TEST_CORP.openKfId): void {
    const v = this.villager(openKfId, externalUserId);
    if (v.lastWroteAt !== null) v.lastWroteAt -= ms;
  }

  /** The window of a villager as the stand-in holds it. */
  windowOf(externalUserId: string, openKfId: string = TEST_CORP.openKfId): { open: boolean; left: number; closesAt: number | null } {
    const v = this.villagers.get(`${openKfId}/${externalUserId}`);
    if (!v || v.lastWroteAt === null) return { open: false, left: 0, closesAt: null };
    const closesAt = v.lastWroteAt + LIMITS.windowMs;
    const left = Math.max(0, LIMITS.windowMessages - v.sentSinceWrote);
    return { open: this.now() < closesAt && left > 0, left, closesAt };
  }

  // ── the API ─────────────────────────────────────────────────────────────────────────

  private async route(req: IncomingMessage, raw: Buffer, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const path = url.pathname.replace(/^\/cgi-bin\//, '');
    const q = Object.fromEntries(url.searchParams);
    if (path === 'gettoken') return this.gettoken(q, res);
    const token = q.access_token ?? null;
    const isJson = (req.headers['content-type'] ?? '').includes('json');
    let body: Record<string, any> = {};
    if (isJson && raw.length) {
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        return this.answer(res, { path, token, body: {}, at: this.now(), errcode: 40058 });
      }
    }
    const call: WecomCall = { path, token, body, at: this.now(), errcode: 0 };
    const tokenError = this.checkToken(token);
    if (tokenError) return this.answer(res, { ...call, errcode: tokenError });
    const fault = this.faults.get(path)?.shift();
    if (fault !== undefined) return this.answer(res, { ...call, errcode: fault });
    switch (path) {
      case 'message/send':
        return this.answer(res, call, this.messageSend(body));
      case 'message/update_template_card':
        return this.answer(res, call, this.updateCard(body));
      case 'media/upload':
        return this.answer(res, call, await this.upload(q.type ?? '', req, raw));
      case 'media/get':
        return this.mediaGet(call, q.media_id ?? '', res);
      case 'kf/sync_msg':
        return this.answer(res, call, this.syncMsg(body));
      case 'kf/send_msg':
        return this.answer(res, call, this.kfSend(body));
      case 'kf/send_msg_on_event':
        return this.answer(res, call, this.kfSendOnEvent(body));
      default:
        res.writeHead(404).end();
    }
  }

  /** Records the call and answers `{ errcode, errmsg, ...result }`; a result with `errcode` is a refusal. */
  private answer(res: ServerResponse, call: WecomCall, result: Record<string, unknown> = {}): void {
    const errcode = Number(result.errcode ?? call.errcode);
    this.calls.push({ ...call, errcode });
    json(res, errcode ? { errcode, errmsg: ERRMSG[errcode] ?? 'error' } : { errcode: 0, errmsg: 'ok', ...result });
  }

  private gettoken(q: Record<string, string>, res: ServerResponse): void {
    const call: WecomCall = { path: 'gettoken', token: null, body: {}, at: this.now(), errcode: 0 };
    if (q.corpid !== TEST_CORP.corpId) return this.answer(res, { ...call, errcode: 40013 });
    if (q.corpsecret !== TEST_CORP.secret && q.corpsecret !== TEST_CORP.kfSecret) return this.answer(res, { ...call, errcode: 40001 });
    const token = `tok-${++this.seq}-${randomBytes(8).toString('hex')}`;
    this.tokens.set(token, { secret: q.corpsecret, expiresAt: this.now() + this.tokenTtlSec * 1000, revoked: false });
    this.tokensIssued.set(q.corpsecret, (this.tokensIssued.get(q.corpsecret) ?? 0) + 1);
    this.answer(res, call, { access_token: token, expires_in: this.tokenTtlSec });
  }

  private checkToken(token: string | null): number {
    if (!token) return 41001;
    const t = this.tokens.get(token);
    if (!t || t.revoked) return 40014;
    if (t.expiresAt <= this.now()) return 42001;
    return 0;
  }

  private messageSend(b: Record<string, any>): Record<string, unknown> {
    if (Number(b.agentid) !== TEST_CORP.agentId) return { errcode: 301002 };
    const touser = String(b.touser ?? '');
    if (!touser || (this.members.size && !this.members.has(touser))) return { errcode: 81013 };
    const msgtype = String(b.msgtype ?? '');
    if (!['text', 'markdown', 'image', 'voice', 'video', 'file', 'template_card'].includes(msgtype)) return { errcode: 40008 };
    if ((msgtype === 'text' || msgtype === 'markdown') && !String(b[msgtype]?.content ?? '').trim()) return { errcode: 44004 };
    if ((msgtype === 'text' || msgtype === 'markdown') && Buffer.byteLength(String(b[msgtype].content)) > LIMITS.textBytes) return { errcode: 45002 };
    if (['image', 'voice', 'video', 'file'].includes(msgtype) && !this.media.has(String(b[msgtype]?.media_id))) return { errcode: 40007 };
    if (msgtype === 'template_card') {
      const card = b.template_card ?? {};
      if (card.card_type === 'button_interaction' && (!card.task_id || !Array.isArray(card.button_list) || card.button_list.length === 0 || card.button_list.length > LIMITS.cardButtons)) return { errcode: 40058 };
    }
    // The app's frequency limits (发送应用消息): per member 30 a minute and 1000 an hour, per app a daily total.
    const now = this.now();
    const mine = this.sent.filter((s) => s.touser === touser);
    if (mine.filter((s) => s.at > now - 60_000).length >= LIMITS.perMemberPerMinute) return { errcode: 45009 };
    if (mine.filter((s) => s.at > now - 3600_000).length >= LIMITS.perMemberPerHour) return { errcode: 45009 };
    if (this.sent.filter((s) => s.at > now - 86_400_000).length >= LIMITS.perAppPerDay) return { errcode: 45009 };
    const msgid = `msg-${++this.seq}`;
    const responseCode = msgtype === 'template_card' ? `rc-${this.seq}-${randomBytes(6).toString('hex')}` : undefined;
    if (responseCode) this.cards.set(responseCode, { touser, issuedAt: now, used: false });
    this.sent.push({ touser, agentid: Number(b.agentid), msgtype, body: b, msgid, ...(responseCode ? { responseCode } : {}), at: now });
    return { invaliduser: '', invalidparty: '', invalidtag: '', msgid, ...(responseCode ? { response_code: responseCode } : {}) };
  }

  /**
   * A press of a card's button, as WeCom sends it: the callback's ResponseCode is a fresh code for
   * the pressed card (the send's code is spent by the press). Returns it for the callback.
   */
  pressCode(sentResponseCode: string): string {
    const card = this.cards.get(sentResponseCode);
    if (!card) throw new Error(`no card with response_code ${sentResponseCode}`);
    const code = `rc-${++this.seq}-${randomBytes(6).toString('hex')}`;
    this.cards.set(code, { touser: card.touser, issuedAt: this.now(), used: false });
    return code;
  }

  private updateCard(b: Record<string, any>): Record<string, unknown> {
    if (Number(b.agentid) !== TEST_CORP.agentId) return { errcode: 301002 };
    const code = String(b.response_code ?? '');
    const card = this.cards.get(code);
    // The docs do not name the errcode for a spent or unknown response_code; the stand-in answers 40058 (invalid parameter).
    if (!card || card.used || card.issuedAt + LIMITS.responseCodeMs <= this.now()) return { errcode: 40058 };
    if (!b.button && !b.template_card) return { errcode: 40058 };
    card.used = true;
    this.cardUpdates.push({ responseCode: code, body: b, at: this.now() });
    return {};
  }

  private async upload(type: string, req: IncomingMessage, raw: Buffer): Promise<Record<string, unknown>> {
    if (!(type in LIMITS.mediaBytes)) return { errcode: 40004 };
    let form: FormData;
    try {
      form = await new Response(raw, { headers: { 'content-type': req.headers['content-type'] ?? '' } }).formData();
    } catch {
      return { errcode: 40058 };
    }
    const file = form.get('media');
    if (!file || typeof file === 'string') return { errcode: 40058 };
    const bytes = Buffer.from(await file.arrayBuffer());
    if (bytes.length <= 5 || bytes.length > LIMITS.mediaBytes[type]!) return { errcode: 40006 };
    const id = this.putMedia(type, bytes, (file as File).name || 'file', file.type || 'application/octet-stream');
    return { type, media_id: id, created_at: String(Math.floor(this.now() / 1000)) };
  }

  private mediaGet(call: WecomCall, id: string, res: ServerResponse): void {
    const m = this.media.get(id);
    if (!m) return this.answer(res, { ...call, errcode: 40007 });
    this.calls.push(call);
    res.writeHead(200, { 'content-type': m.mimeType, 'content-length': String(m.bytes.length), 'content-disposition': `attachment; filename="${encodeURIComponent(m.name)}"; filename*=UTF-8''${encodeURIComponent(m.name)}` });
    res.end(m.bytes);
  }

  private syncMsg(b: Record<string, any>): Record<string, unknown> {
    if (b.token !== undefined) {
      const issued = this.syncTokens.get(String(b.token));
      if (issued === undefined || issued + LIMITS.syncTokenMs <= this.now()) return { errcode: 95007 };
    }
    const limit = Math.min(Math.max(Number(b.limit ?? LIMITS.syncLimit) || LIMITS.syncLimit, 1), LIMITS.syncLimit);
    let from = 0;
    if (b.cursor) {
      const decoded = /^c(\d+)$/.exec(Buffer.from(String(b.cursor), 'base64url').toString('utf8'));
      if (!decoded) return { errcode: 40058 };
      from = Number(decoded[1]);
    }
    const kf = b.open_kfid ? String(b.open_kfid) : null;
    const matching = this.kfLog.map((e, i) => ({ e, i })).filter(({ i, e }) => i >= from && (!kf || e.open_kfid === kf || e.event?.open_kfid === kf));
    const page = matching.slice(0, limit);
    const next = page.length ? page[page.length - 1]!.i + 1 : from;
    return { next_cursor: Buffer.from(`c${next}`).toString('base64url'), has_more: matching.length > page.length ? 1 : 0, msg_list: page.map(({ e }) => e) };
  }

  private kfSend(b: Record<string, any>): Record<string, unknown> {
    const openKfId = String(b.open_kfid ?? '');
    if (!openKfId) return { errcode: 95000 };
    const touser = String(b.touser ?? '');
    const v = this.villagers.get(`${openKfId}/${touser}`);
    const msgtype = String(b.msgtype ?? '');
    const shape = this.kfShape(b);
    if (shape) return shape;
    // The window: after the villager writes, at most 5 messages within 48 hours.
    const now = this.now();
    if (!v || v.lastWroteAt === null || now >= v.lastWroteAt + LIMITS.windowMs) return this.refuse(touser, 95002);
    if (v.sentSinceWrote >= LIMITS.windowMessages) return this.refuse(touser, 95001);
    v.sentSinceWrote += 1;
    const msgid = String(b.msgid || `kfmsg-${++this.seq}`);
    this.kfSent.push({ touser, openKfId, msgtype, body: b, msgid, onEvent: false, at: now });
    return { msgid };
  }

  private kfSendOnEvent(b: Record<string, any>): Record<string, unknown> {
    const code = String(b.code ?? '');
    const w = this.welcomeCodes.get(code);
    // A used or late welcome_code: the docs give no errcode of their own; the stand-in answers 40058.
    if (!w || w.used || w.issuedAt + LIMITS.welcomeCodeMs <= this.now()) return { errcode: 40058 };
    const shape = this.kfShape(b);
    if (shape) return shape;
    w.used = true;
    const msgid = String(b.msgid || `kfmsg-${++this.seq}`);
    this.kfSent.push({ touser: w.externalUserId, openKfId: '', msgtype: String(b.msgtype), body: b, msgid, onEvent: true, at: this.now() });
    return { msgid };
  }

  private kfShape(b: Record<string, any>): Record<string, unknown> | null {
    const msgtype = String(b.msgtype ?? '');
    if (!['text', 'image', 'voice', 'video', 'file', 'msgmenu'].includes(msgtype)) return { errcode: 40008 };
    if (msgtype === 'text' && !String(b.text?.content ?? '').trim()) return { errcode: 44004 };
    if (msgtype === 'text' && Buffer.byteLength(String(b.text.content)) > LIMITS.textBytes) return { errcode: 45002 };
    if (msgtype === 'msgmenu' && (!Array.isArray(b.msgmenu?.list) || b.msgmenu.list.length > LIMITS.menuItems)) return { errcode: 95008 };
    if (['image', 'voice', 'video', 'file'].includes(msgtype) && !this.media.has(String(b[msgtype]?.media_id))) return { errcode: 40007 };
    return null;
  }

  private refuse(touser: string, errcode: number): Record<string, unknown> {
    this.windowRefusals.push({ touser, errcode, at: this.now() });
    return { errcode };
  }

  private villager(openKfId: string, externalUserId: string): Villager {
    const key = `${openKfId}/${externalUserId}`;
    let v = this.villagers.get(key);
    if (!v) this.villagers.set(key, (v = { openKfId, externalUserId, lastWroteAt: null, sentSinceWrote: 0 }));
    return v;
  }

  private log(fields: Record<string, any>): KfEntry {
    const entry = { msgid: `from_msgid_${++this.seq}`, ...fields } as KfEntry;
    this.kfLog.push(entry);
    return entry;
  }

  private async notifyKf(openKfId: string): Promise<void> {
    if (!this.callbackUrl) return;
    const client = new WecomCallbackClient({ url: this.callbackUrl, now: this.now });
    await client.kfMsgOrEvent(this.issueSyncToken(), openKfId);
  }
}
