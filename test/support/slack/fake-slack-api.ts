// A stand-in for Slack's Web API on loopback that records every call. Calls arrive form-encoded
// (or JSON) with a Bearer token; Block Kit fields come back parsed. response_url posts land here too
// (method 'response_url', with Slack's 5-post limit and expiry); reactions.add refuses a repeat.
// Files: shared files (putFile) answer files.info and download from url_private with the bot's
// token; the external upload flow (files.getUploadURLExternal, the upload URL,
// files.completeUploadExternal) keeps what was uploaded in `uploads`.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SlackCall {
  method: string;
  token: string | null;
  args: Record<string, any>;
  at: number;
  /** What the stand-in answered (a posted message's ts…). */
  result?: Record<string, any>;
}

export const BOT = { user_id: 'UBOT0001', bot_id: 'BBOT0001', team_id: 'T0GRID01' };

function parseBody(req: IncomingMessage, raw: string): Record<string, any> {
  const type = req.headers['content-type'] ?? '';
  const args: Record<string, any> = type.includes('json') ? (raw ? JSON.parse(raw) : {}) : Object.fromEntries(new URLSearchParams(raw));
  for (const k of ['blocks', 'view', 'attachments', 'files']) {
    if (typeof args[k] === 'string') {
      try {
        args[k] = JSON.parse(args[k]);
      } catch {
        /* kept as text */
      }
    }
  }
  return args;
}

/** A file someone shared in Slack, as files.info describes it. */
export interface SharedFile {
  id: string;
  name: string;
  mimetype: string;
  bytes: Buffer;
  /** What files.info reports (default the bytes' length). */
  size?: number;
}

export class FakeSlackApi {
  readonly calls: SlackCall[] = [];
  /** Bytes POSTed to an upload URL, by the file id it was given for. */
  readonly uploads = new Map<string, { filename: string; bytes: Buffer }>();
  private readonly shared = new Map<string, SharedFile>();
  /** Downloads that answer with this HTTP status the next N times. */
  private downloadFaults = 0;
  private server!: Server;
  private seq = 0;
  /** Methods that answer 429 with Retry-After the next N times. */
  private readonly limited = new Map<string, { times: number; retryAfter: number }>();
  /** Methods that answer { ok: false, error } the next time. */
  private readonly failing = new Map<string, string>();
  url = '';

  static async start(): Promise<FakeSlackApi> {
    const api = new FakeSlackApi();
    api.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const path = new URL(req.url ?? '/', 'http://x').pathname;
        const auth = req.headers.authorization;
        if (path.startsWith('/files-pri/') || path.startsWith('/upload/')) return api.fileRoute(path, auth ?? null, Buffer.concat(chunks), res);
        const raw = Buffer.concat(chunks).toString('utf8');
        if (path.startsWith('/respond/')) return api.responseRoute(req, path, raw, res);
        const method = path.startsWith('/api/') ? path.slice(5) : path;
        const args = parseBody(req, raw);
        const call: SlackCall = { method, token: auth?.replace(/^Bearer\s+/, '') ?? null, args, at: Date.now() };
        api.calls.push(call);
        const limit = api.limited.get(method);
        if (limit && limit.times > 0) {
          limit.times -= 1;
          res.writeHead(429, { 'retry-after': String(limit.retryAfter), 'content-type': 'application/json' });
          res.end(JSON.stringify({ ok: false, error: 'ratelimited' }));
          return;
        }
        const error = api.failing.get(method);
        if (error) {
          api.failing.delete(method);
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ ok: false, error }));
          return;
        }
        call.result = api.answer(method, args);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(call.result));
      });
    });
    await new Promise<void>((r) => api.server.listen(0, '127.0.0.1', r));
    api.url = `http://127.0.0.1:${(api.server.address() as AddressInfo).port}`;
    return api;
  }

  /** A DM with a user: Slack answers with a D… channel id. */
  static dmOf(user: string): string {
    return user.startsWith('U') ? `D${user.slice(1)}` : user;
  }

  private answer(method: string, args: Record<string, any>): Record<string, unknown> {
    switch (method) {
      case 'auth.test':
        return { ok: true, url: 'https://grid.slack.com/', team: 'grid', user: 'gridline', ...BOT };
      case 'chat.postMessage': {
        const ts = `1700000000.${String(++this.seq).padStart(6, '0')}`;
        return { ok: true, channel: FakeSlackApi.dmOf(String(args.channel)), ts, message: { text: args.text, ts } };
      }
      case 'chat.update':
        return { ok: true, channel: args.channel, ts: args.ts };
      case 'chat.postEphemeral':
        return { ok: true, message_ts: `1700000000.${String(++this.seq).padStart(6, '0')}` };
      case 'views.open':
      case 'views.publish':
        return { ok: true, view: { id: `V${++this.seq}`, ...(typeof args.view === 'object' ? args.view : {}) } };
      case 'files.info': {
        const f = this.shared.get(String(args.file));
        if (!f) return { ok: false, error: 'file_not_found' };
        const url = `${this.url}/files-pri/${BOT.team_id}-${f.id}/${encodeURIComponent(f.name)}`;
        return { ok: true, file: { id: f.id, name: f.name, mimetype: f.mimetype, size: f.size ?? f.bytes.length, url_private: url, url_private_download: `${url}?download=1` } };
      }
      case 'files.getUploadURLExternal': {
        const id = `F${String(++this.seq).padStart(8, '0')}`;
        this.pendingUploads.set(id, String(args.filename));
        return { ok: true, upload_url: `${this.url}/upload/${id}`, file_id: id };
      }
      case 'files.completeUploadExternal': {
        const files = Array.isArray(args.files) ? args.files : [];
        if (files.some((f: { id: string }) => !this.uploads.has(f.id))) return { ok: false, error: 'file_upload_not_found' };
        return { ok: true, files: files.map((f: { id: string; title?: string }) => ({ id: f.id, title: f.title })) };
      }
      case 'reactions.add': {
        const key = `${args.channel}:${args.timestamp}:${args.name}`;
        if (this.reactions.has(key)) return { ok: false, error: 'already_reacted' };
        this.reactions.add(key);
        return { ok: true };
      }
      case 'conversations.open':
        return { ok: true, channel: { id: FakeSlackApi.dmOf(String(args.users)) } };
      default:
        return { ok: true };
    }
  }

  private readonly pendingUploads = new Map<string, string>();
  private readonly reactions = new Set<string>();
  /** Posts taken by each response_url (Slack takes 5 within 30 minutes of the command). */
  private readonly responseUses = new Map<string, number>();
  private readonly expiredUrls = new Set<string>();

  /**
   * A post to a response_url (`<url>/respond/…`), recorded as method 'response_url' with the
   * url in `args.url`: the sixth post to one url, or one to a url marked expired, answers 404 as
   * Slack does ('used_url', 'expired_url').
   */
  private responseRoute(req: IncomingMessage, path: string, raw: string, res: import('node:http').ServerResponse): void {
    const url = `${this.url}${path}`;
    let args: Record<string, any>;
    try {
      args = { ...parseBody(req, raw), url };
    } catch {
      args = { url, invalid: raw.slice(0, 200) };
    }
    const call: SlackCall = { method: 'response_url', token: req.headers.authorization ?? null, args, at: Date.now() };
    this.calls.push(call);
    const uses = (this.responseUses.get(url) ?? 0) + 1;
    this.responseUses.set(url, uses);
    const error = this.expiredUrls.has(url) ? 'expired_url' : uses > 5 ? 'used_url' : null;
    call.result = error ? { ok: false, error } : { ok: true };
    res.writeHead(error ? 404 : 200, { 'content-type': 'application/json' }).end(JSON.stringify(call.result));
  }

  /** The response_url answers 'expired_url' from now on (Slack's 30 minutes have passed). */
  expireResponseUrl(url: string): void {
    this.expiredUrls.add(url);
  }

  /** The ephemeral answers that reached a response_url (the ones Slack took), in order. */
  responses(url?: string): SlackCall[] {
    return this.called('response_url').filter((c) => c.result?.ok && (url === undefined || c.args.url === url));
  }

  /** url_private downloads (with the bot token) and the upload URLs. */
  private fileRoute(path: string, auth: string | null, body: Buffer, res: import('node:http').ServerResponse): void {
    const token = auth?.replace(/^Bearer\s+/, '') ?? null;
    if (path.startsWith('/upload/')) {
      const id = path.slice('/upload/'.length);
      const filename = this.pendingUploads.get(id);
      this.calls.push({ method: 'upload', token, args: { file_id: id, length: body.length }, at: Date.now() });
      if (!filename) {
        res.writeHead(404).end();
        return;
      }
      this.uploads.set(id, { filename, bytes: body });
      res.writeHead(200, { 'content-type': 'text/plain' }).end(`OK - ${body.length}`);
      return;
    }
    const id = path.split('/')[2]?.split('-').slice(1).join('-') ?? '';
    this.calls.push({ method: 'download', token, args: { file: id }, at: Date.now() });
    const f = this.shared.get(id);
    if (this.downloadFaults > 0) {
      this.downloadFaults -= 1;
      res.writeHead(500).end();
      return;
    }
    // Without the bot's token there is no file.
    if (!f || token !== this.token) {
      res.writeHead(f ? 403 : 404).end();
      return;
    }
    res.writeHead(200, { 'content-type': f.mimetype, 'content-length': String(f.bytes.length) }).end(f.bytes);
  }

  /** The bot token the service is configured with (downloads must carry it). */
  token = 'xoxb-test-token';

  /** A file someone shared: files.info describes it and url_private serves its bytes. */
  putFile(file: SharedFile): void {
    this.shared.set(file.id, file);
  }

  /** The next `times` downloads answer HTTP 500. */
  failDownloads(times: number): void {
    this.downloadFaults = times;
  }

  /** The bytes uploaded for the file a completeUploadExternal call shared. */
  uploadOf(call: SlackCall): Buffer | undefined {
    const id = Array.isArray(call.args.files) ? call.args.files[0]?.id : undefined;
    return id ? this.uploads.get(id)?.bytes : undefined;
  }

  rateLimit(method: string, retryAfter: number, times = 1): void {
    this.limited.set(method, { times, retryAfter });
  }

  failNext(method: string, error: string): void {
    this.failing.set(method, error);
  }

  called(method: string): SlackCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  /** Everything of a call as text (its text, its blocks), to look for words in. */
  static textOf(call: SlackCall): string {
    return `${call.args.text ?? ''}\n${JSON.stringify(call.args.blocks ?? call.args.view ?? '')}`;
  }

  reset(): void {
    this.calls.length = 0;
    this.uploads.clear();
    this.pendingUploads.clear();
    this.downloadFaults = 0;
    this.limited.clear();
    this.failing.clear();
    this.reactions.clear();
    this.responseUses.clear();
    this.expiredUrls.clear();
  }

  async stop(): Promise<void> {
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}
