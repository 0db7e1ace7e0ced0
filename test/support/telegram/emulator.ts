// telegram-test-api on loopback, extended on the test side:
// - the Bot API methods it lacks (sendPhoto, sendDocument, sendVoice, sendVideo, sendLocation,
//   sendChatAction, setMyCommands, getFile, …) answered and stored like sendMessage; uploaded
//   files (multipart) kept in `uploads`; files people sent (putFile) served by getFile and the
//   bot file URL (/file/bot<token>/<path>), with the 20 MB download limit;
// - webhook deliveries carry X-Telegram-Bot-Api-Secret-Token, as Telegram's do, and never crash
//   the emulator when the bot refuses them;
// - update and message ids taken before delivery, so updates sent at once (an album) differ;
// - faults on demand (a 429 with retry_after, a 403) and a log of every Bot API call;
// - Telegram's send limits on demand (`enforceLimits`): a message beyond ~30 a second overall or
//   ~1 a second in one chat (20 a minute in a group) is answered 429 with retry_after.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { TelegramServer } from 'telegram-test-api/lib/telegramServer.js';

export const SECRET_HEADER = 'x-telegram-bot-api-secret-token';

export interface ApiCall {
  method: string;
  body: Record<string, any>;
  at: number;
  /** The HTTP status the emulator answered. */
  status: number;
}

export interface Fault {
  method: string;
  /** Only calls to this chat; any chat when absent. */
  chatId?: string;
  status: number;
  body: Record<string, unknown>;
  /** How many calls it answers before it goes away (default 1). */
  times?: number;
}

/**
 * The limits the emulator holds the bot to, as GCRA buckets counted at arrival: a rate, the burst
 * Telegram tolerates above it, and a little leeway for the network and this process's own pauses
 * (a busy test process reads requests late, and they look bunched).
 */
export interface SendLimits {
  globalPerSecond: number;
  globalBurst: number;
  chatPerSecond: number;
  chatBurst: number;
  groupPerMinute: number;
  groupBurst: number;
  leewayMs: number;
}

export const TELEGRAM_SEND_LIMITS: SendLimits = { globalPerSecond: 30, globalBurst: 30, chatPerSecond: 1, chatBurst: 3, groupPerMinute: 20, groupBurst: 3, leewayMs: 1000 };

/** A message the emulator refused for going over a limit. */
export interface LimitBreach {
  method: string;
  chatId: string;
  limit: 'global' | 'chat' | 'group';
  at: number;
}

/** Bot API methods that are messages, for the send limits. */
const MESSAGES = new Set(['sendMessage', 'sendPhoto', 'sendDocument', 'sendVoice', 'sendVideo', 'sendAudio', 'sendLocation', 'sendMediaGroup', 'sendContact', 'sendSticker', 'copyMessage', 'forwardMessage', 'editMessageText', 'editMessageReplyMarkup', 'editMessageCaption']);

export interface WebhookDelivery {
  updateId: number;
  status: number;
}

/** What the bot sent, as the tests read it. */
export interface BotMessage {
  messageId: number;
  chatId: string;
  text: string;
  /** Inline buttons, row by row. */
  buttons: Array<Array<{ label: string; data: string }>>;
  /** Reply keyboard labels, row by row (with what each button requests). */
  keyboard: Array<Array<{ label: string; request?: 'contact' | 'location' }>> | null;
  removesKeyboard: boolean;
  method: string;
  raw: Record<string, any>;
}

export const fault429 = (retryAfter = 1): Pick<Fault, 'status' | 'body'> => ({
  status: 429,
  body: { ok: false, error_code: 429, description: `Too Many Requests: retry after ${retryAfter}`, parameters: { retry_after: retryAfter } },
});
export const fault403 = (): Pick<Fault, 'status' | 'body'> => ({
  status: 403,
  body: { ok: false, error_code: 403, description: 'Forbidden: bot was blocked by the user' },
});

/** Methods the emulator lacks, stored as bot messages (a caption, or a label, as their text). */
const SENDING = ['sendPhoto', 'sendDocument', 'sendVoice', 'sendVideo', 'sendAudio', 'sendLocation', 'sendMediaGroup'];
const ACCEPTING = ['sendChatAction', 'setMyCommands', 'deleteMyCommands', 'setChatMenuButton', 'setMyDescription', 'setMyShortDescription'];

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createNetServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** A file the bot uploaded (multipart), as the tests read it. */
export interface Upload {
  method: string;
  chatId: string;
  /** The multipart field that carried it (photo, document, voice…). */
  field: string;
  name: string;
  bytes: Buffer;
}

/** Text fields as they are; uploaded files apart (telegraf sends files as multipart/form-data). */
async function parseBody(req: IncomingMessage, raw: Buffer): Promise<{ body: Record<string, any>; files: Array<{ field: string; name: string; bytes: Buffer }> }> {
  if (!raw.length) return { body: {}, files: [] };
  const type = req.headers['content-type'] ?? '';
  if (type.includes('application/json')) return { body: JSON.parse(raw.toString('utf8')), files: [] };
  if (type.includes('application/x-www-form-urlencoded')) return { body: Object.fromEntries(new URLSearchParams(raw.toString('utf8'))), files: [] };
  if (type.includes('multipart/form-data')) {
    const form = await new Response(raw, { headers: { 'content-type': type } }).formData();
    const body: Record<string, any> = {};
    const files: Array<{ field: string; name: string; bytes: Buffer }> = [];
    for (const [field, value] of form.entries()) {
      if (typeof value === 'string') body[field] = value;
      else files.push({ field, name: value.name, bytes: Buffer.from(await value.arrayBuffer()) });
    }
    return { body, files };
  }
  return { body: {}, files: [] };
}

/** Bots may download files up to 20 MB (getFile answers "file is too big" above). */
const DOWNLOAD_LIMIT = 20 * 1024 * 1024;

export class TelegramEmulator {
  readonly calls: ApiCall[] = [];
  readonly webhookDeliveries: WebhookDelivery[] = [];
  readonly commands: Array<Record<string, any>> = [];
  /** Files the bot uploaded with sendPhoto, sendDocument, sendVoice… */
  readonly uploads: Upload[] = [];
  /** Files people sent (by file_id): getFile answers for them and the file URL serves their bytes. */
  private readonly files = new Map<string, { bytes: Buffer; sizeBytes: number; path: string }>();
  /** File paths the bot downloaded, in order. */
  readonly downloads: string[] = [];
  private faults: Fault[] = [];
  /** Messages refused for going over a limit (with `enforceLimits`). */
  readonly breaches: LimitBreach[] = [];
  private limits: SendLimits | null = null;
  private readonly tat = new Map<string, number>();

  private constructor(
    readonly server: TelegramServer,
    private readonly http: Server,
    readonly token: string,
    readonly apiRoot: string,
  ) {}

  static async start(): Promise<TelegramEmulator> {
    const port = await freePort();
    const server = new TelegramServer({ port, host: '127.0.0.1', storeTimeout: 3600 });
    const token = `${Math.floor(100000 + Math.random() * 899999)}:${randomBytes(18).toString('base64url')}`;
    let self: TelegramEmulator | null = null;
    const http = createServer((req, res) => void self!.handle(req, res));
    await new Promise<void>((resolve, reject) => http.listen(port, '127.0.0.1', resolve).once('error', reject));
    self = new TelegramEmulator(server, http, token, server.config.apiURL);
    self.wrapDelivery();
    return self;
  }

  async close(): Promise<void> {
    this.http.closeAllConnections();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }

  /** Keeps a file a person sent; `sizeBytes` (default its length) is what getFile reports. */
  putFile(fileId: string, bytes: Buffer, sizeBytes = bytes.length, ext = 'jpg'): void {
    this.files.set(fileId, { bytes, sizeBytes, path: `files/${fileId}.${ext}` });
  }

  /** The next `times` calls of `method` (to `chatId`) get this answer instead. */
  failNext(fault: Fault): void {
    this.faults.push({ times: 1, ...fault });
  }

  /** From now on, messages beyond Telegram's limits are answered 429 (and recorded in `breaches`). */
  enforceLimits(limits: Partial<SendLimits> = {}): void {
    this.limits = { ...TELEGRAM_SEND_LIMITS, ...limits };
  }

  /** Null when the message may go; otherwise the limit it breaks and the wait. */
  private overLimit(chatId: string, at: number): { limit: LimitBreach['limit']; waitMs: number } | null {
    const l = this.limits!;
    const group = chatId.startsWith('-');
    const buckets = [
      { key: '*', limit: 'global' as const, interval: 1000 / l.globalPerSecond, burst: l.globalBurst },
      group ? { key: `g:${chatId}`, limit: 'group' as const, interval: 60_000 / l.groupPerMinute, burst: l.groupBurst } : { key: `c:${chatId}`, limit: 'chat' as const, interval: 1000 / l.chatPerSecond, burst: l.chatBurst },
    ];
    for (const b of buckets) {
      const tat = Math.max(this.tat.get(b.key) ?? at, at);
      const allowedAt = tat - (b.burst - 1) * b.interval - l.leewayMs;
      if (at < allowedAt) return { limit: b.limit, waitMs: allowedAt - at };
    }
    // Counted only when it passes every limit, as a refused message is not sent.
    for (const b of buckets) this.tat.set(b.key, Math.max(this.tat.get(b.key) ?? at, at) + b.interval);
    return null;
  }

  callsOf(method: string, chatId?: string | number): ApiCall[] {
    return this.calls.filter((c) => c.method === method && (chatId === undefined || String(c.body.chat_id) === String(chatId)));
  }

  /** Everything the bot sent (and edited since) to `chatId`, oldest first. */
  botMessages(chatId: string | number): BotMessage[] {
    return this.server.storage.botMessages
      .filter((m) => m.botToken === this.token && String((m.message as any).chat_id) === String(chatId))
      .map((m) => {
        const msg = m.message as Record<string, any>;
        const markup = typeof msg.reply_markup === 'string' ? JSON.parse(msg.reply_markup) : msg.reply_markup;
        return {
          messageId: m.messageId,
          chatId: String(msg.chat_id),
          text: String(msg.text ?? ''),
          buttons: (markup?.inline_keyboard ?? []).map((row: any[]) => row.map((b) => ({ label: b.text, data: b.callback_data }))),
          keyboard: markup?.keyboard
            ? markup.keyboard.map((row: any[]) => row.map((b) => ({ label: b.text, ...(b.request_contact ? { request: 'contact' } : b.request_location ? { request: 'location' } : {}) })))
            : null,
          removesKeyboard: Boolean(markup?.remove_keyboard),
          method: String(msg.__method ?? 'sendMessage'),
          raw: msg,
        };
      });
  }

  /** Posts a raw update (edited messages, membership changes…) as Telegram would, with a fresh update id. */
  async deliverRaw(update: Record<string, unknown>): Promise<number> {
    const s = this.server as any;
    const updateId: number = s.updateId++;
    const hook = s.webhooks[this.token];
    if (!hook) throw new Error('the bot has not set a webhook');
    return this.post(hook, { update_id: updateId, ...update }, updateId);
  }

  /** A new message id, for raw updates that carry a message. */
  nextMessageId(): number {
    return (this.server as any).messageId++;
  }

  private async post(hook: { url: string; secret_token?: string }, body: unknown, updateId: number): Promise<number> {
    let status = 0;
    try {
      const res = await fetch(hook.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(hook.secret_token ? { [SECRET_HEADER]: hook.secret_token } : {}) },
        body: JSON.stringify(body),
      });
      status = res.status;
      await res.arrayBuffer();
    } catch {
      status = -1;
    }
    this.webhookDeliveries.push({ updateId, status });
    return status;
  }

  /**
   * Webhook deliveries with the secret header; ids taken before the first await. As Telegram does,
   * updates that came while the bot had no webhook are delivered once it sets one (unless it asks
   * to drop them), so a person who writes before the service has registered is not lost.
   */
  private wrapDelivery(): void {
    const s = this.server as any;
    const setWebhook = s.setWebhook.bind(s);
    s.setWebhook = (hook: { url: string; secret_token?: string; drop_pending_updates?: unknown }, botToken: string) => {
      setWebhook(hook, botToken);
      const isPending = (u: any) => u.botToken === botToken && !u.isRead;
      const pending = s.storage.userMessages.filter(isPending);
      s.storage.userMessages = s.storage.userMessages.filter((u: any) => !isPending(u));
      if (hook.drop_pending_updates === true || hook.drop_pending_updates === 'true') return;
      void (async () => {
        for (const u of pending) await this.post(hook, (TelegramServer as any).formatUpdate(u), u.updateId);
      })();
    };
    s.addUserUpdate = async (update: any) => {
      const updateId: number = s.updateId++;
      s.messageId++;
      const stored = { ...update, updateId };
      const hook = s.webhooks[update.botToken];
      if (!hook) {
        s.storage.userMessages.push(stored);
        return;
      }
      await this.post(hook, (TelegramServer as any).formatUpdate(stored), updateId);
    };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const arrived = Date.now();
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const download = /^\/file\/bot([^/]+)\/(.+)$/.exec(url.pathname);
    if (download) return this.serveFile(download[1]!, download[2]!, res);
    const match = /^\/bot([^/]+)\/(\w+)$/.exec(url.pathname);
    if (!match) return this.pass(req, res);
    const [, token, method] = match as unknown as [string, string, string];
    const raw = await readBody(req);
    let body: Record<string, any>;
    let files: Array<{ field: string; name: string; bytes: Buffer }> = [];
    try {
      const parsed = await parseBody(req, raw);
      body = { ...Object.fromEntries(url.searchParams), ...parsed.body };
      files = parsed.files;
    } catch {
      body = {};
    }
    const answer = (status: number, payload: unknown) => {
      this.calls.push({ method, body, at: Date.now(), status });
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(payload));
    };
    if (this.limits && MESSAGES.has(method) && body.chat_id !== undefined) {
      const over = this.overLimit(String(body.chat_id), arrived);
      if (over) {
        this.breaches.push({ method, chatId: String(body.chat_id), limit: over.limit, at: arrived });
        const retryAfter = Math.max(1, Math.ceil(over.waitMs / 1000));
        return answer(429, { ok: false, error_code: 429, description: `Too Many Requests: retry after ${retryAfter}`, parameters: { retry_after: retryAfter } });
      }
    }
    const fault = this.faults.find((f) => f.method === method && (f.chatId === undefined || String(body.chat_id) === f.chatId));
    if (fault) {
      fault.times = (fault.times ?? 1) - 1;
      if (fault.times <= 0) this.faults = this.faults.filter((f) => f !== fault);
      return answer(fault.status, fault.body);
    }
    if (SENDING.includes(method)) {
      for (const f of files) this.uploads.push({ method, chatId: String(body.chat_id), field: f.field, name: f.name, bytes: f.bytes });
      const text = typeof body.caption === 'string' ? body.caption : `[${method.replace(/^send/, '').toLowerCase()}]`;
      const result = this.server.addBotMessage({ ...body, text, __method: method } as never, token);
      return answer(200, { ok: true, result });
    }
    if (method === 'setMyCommands') this.commands.push(body);
    if (ACCEPTING.includes(method)) return answer(200, { ok: true, result: true });
    if (method === 'getFile') {
      const file = this.files.get(String(body.file_id));
      if (!file) return answer(400, { ok: false, error_code: 400, description: 'Bad Request: invalid file_id' });
      if (file.sizeBytes > DOWNLOAD_LIMIT) return answer(400, { ok: false, error_code: 400, description: 'Bad Request: file is too big' });
      return answer(200, { ok: true, result: { file_id: body.file_id, file_unique_id: `u-${body.file_id}`, file_size: file.sizeBytes, file_path: file.path } });
    }
    // Everything else goes to the emulator, with the body already read.
    this.calls.push({ method, body, at: Date.now(), status: 200 });
    (req as any).body = body;
    (req as any)._body = true;
    this.pass(req, res);
  }

  /** The Bot API's file URL: /file/bot<token>/<file_path>. */
  private serveFile(token: string, path: string, res: ServerResponse): void {
    const file = [...this.files.values()].find((f) => f.path === path);
    if (token !== this.token || !file) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: false, error_code: 404, description: 'Not Found' }));
      return;
    }
    this.downloads.push(path);
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(file.bytes.length) });
    res.end(file.bytes);
  }

  private pass(req: IncomingMessage, res: ServerResponse): void {
    (this.server as any).webServer(req, res);
  }
}
