// A stand-in for Slack's Web API on loopback that records every call. Calls arrive form-encoded
// (or JSON) with a Bearer token; Block Kit fields come back parsed. response_url posts land here too.
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
  for (const k of ['blocks', 'view', 'attachments']) {
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

export class FakeSlackApi {
  readonly calls: SlackCall[] = [];
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
      let raw = '';
      req.on('data', (c) => (raw += c));
      req.on('end', () => {
        const path = new URL(req.url ?? '/', 'http://x').pathname;
        const method = path.startsWith('/api/') ? path.slice(5) : path;
        const auth = req.headers.authorization;
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
      case 'conversations.open':
        return { ok: true, channel: { id: FakeSlackApi.dmOf(String(args.users)) } };
      default:
        return { ok: true };
    }
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
    this.limited.clear();
    this.failing.clear();
  }

  async stop(): Promise<void> {
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}
