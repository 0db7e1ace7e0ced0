// The Bot API as far as the bot uses it, for the benches: every call answered at once; each
// message (sendMessage) recorded with the time it left and handed to whoever waits on its chat.
// With `limits`, it holds the bot to Telegram's send limits as Telegram does: a message beyond
// ~30 a second overall or ~1 a second in one private chat (20 a minute in a group) is answered
// 429 with `parameters.retry_after`, counted in `refused`. The limits are GCRA buckets counted at
// arrival (a rate, the burst tolerated above it, and a small leeway for the loopback network and
// this process's own pauses), as test/support/telegram/emulator.ts's `enforceLimits`.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Sent {
  chatId: number;
  messageId: number;
  text: string;
  buttons: Array<{ text: string; callback_data?: string }>;
  /** performance.now() when it was accepted. */
  at: number;
}

export interface StandInLimits {
  globalPerSecond: number;
  globalBurst: number;
  chatPerSecond: number;
  chatBurst: number;
  groupPerMinute: number;
  groupBurst: number;
  /** Slack for the loopback network and this process's pauses (requests read late look bunched). */
  leewayMs: number;
}

/** Telegram's limits as the stand-in enforces them: ~30/s overall, ~1/s per private chat, 20/min per group. */
export const TELEGRAM_STAND_IN_LIMITS: StandInLimits = { globalPerSecond: 30, globalBurst: 30, chatPerSecond: 1, chatBurst: 3, groupPerMinute: 20, groupBurst: 3, leewayMs: 250 };

/** A message refused for going over a limit. */
export interface Refusal {
  chatId: number;
  limit: 'global' | 'chat' | 'group';
  at: number;
  retryAfter: number;
}

export class BotApiStandIn {
  readonly token = '123456:bench-token-0123456789abcdefghij';
  private server = createServer((req, res) => void this.handle(req, res));
  private nextId = 1;
  readonly listeners = new Map<number, (m: Sent) => void>();
  readonly sent: Sent[] = [];
  /** When each call that is a message, as the bot's limits count them (sends and edits), was taken. */
  readonly taken: number[] = [];
  /** 429s answered (only with limits). */
  readonly refused: Refusal[] = [];
  private readonly limits: StandInLimits | null;
  private readonly tat = new Map<string, number>();
  url = '';

  /** `limits`: true for Telegram's, or your own; none (the default) lifts them. */
  constructor(limits?: boolean | Partial<StandInLimits>) {
    this.limits = limits ? { ...TELEGRAM_STAND_IN_LIMITS, ...(limits === true ? {} : limits) } : null;
  }

  async start(): Promise<void> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  /** Null when the message may go; otherwise the limit it breaks and the wait. Counted only when it goes. */
  private overLimit(chatId: number, at: number): { limit: Refusal['limit']; waitMs: number } | null {
    const l = this.limits!;
    const buckets = [
      { key: '*', limit: 'global' as const, interval: 1000 / l.globalPerSecond, burst: l.globalBurst },
      chatId < 0 ? { key: `g:${chatId}`, limit: 'group' as const, interval: 60_000 / l.groupPerMinute, burst: l.groupBurst } : { key: `c:${chatId}`, limit: 'chat' as const, interval: 1000 / l.chatPerSecond, burst: l.chatBurst },
    ];
    for (const b of buckets) {
      const tat = Math.max(this.tat.get(b.key) ?? at, at);
      const allowedAt = tat - (b.burst - 1) * b.interval - l.leewayMs;
      if (at < allowedAt) return { limit: b.limit, waitMs: allowedAt - at };
    }
    for (const b of buckets) this.tat.set(b.key, Math.max(this.tat.get(b.key) ?? at, at) + b.interval);
    return null;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const arrived = performance.now();
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const method = req.url!.split('/').pop()!;
    const body = chunks.length ? (JSON.parse(Buffer.concat(chunks).toString()) as Record<string, any>) : {};
    let result: unknown = true;
    if (/^(send|edit)/.test(method) && method !== 'sendChatAction' && method !== 'sendMessage') this.taken.push(arrived);
    if (method === 'getMe') result = { id: 123456, is_bot: true, first_name: 'gridline', username: 'gridline_bench_bot' };
    else if (method === 'sendMessage') {
      const chatId = Number(body.chat_id);
      const over = this.limits ? this.overLimit(chatId, arrived) : null;
      if (over) {
        const retryAfter = Math.max(1, Math.ceil(over.waitMs / 1000));
        this.refused.push({ chatId, limit: over.limit, at: arrived, retryAfter });
        res.writeHead(429, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: false, error_code: 429, description: `Too Many Requests: retry after ${retryAfter}`, parameters: { retry_after: retryAfter } }));
        return;
      }
      const markup = typeof body.reply_markup === 'string' ? JSON.parse(body.reply_markup) : body.reply_markup;
      const m: Sent = { chatId, messageId: this.nextId++, text: String(body.text ?? ''), buttons: (markup?.inline_keyboard ?? []).flat(), at: performance.now() };
      this.sent.push(m);
      this.taken.push(arrived);
      result = { message_id: m.messageId, date: Math.floor(Date.now() / 1000), chat: { id: m.chatId, type: chatId < 0 ? 'group' : 'private' }, text: m.text };
      setImmediate(() => this.listeners.get(m.chatId)?.(m));
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, result }));
  }
}
